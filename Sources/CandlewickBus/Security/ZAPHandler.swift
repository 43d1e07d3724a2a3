import CZMQ
import Foundation
import Synchronization

/// libzmq's ZAP handler for this process: a REP socket on `inproc://zeromq.zap.01` answering every
/// CURVE handshake of every bound socket in the shared context (RFC 27). Started when the first
/// secured socket binds, before that bind, and runs until the context terminates. Requests are
/// routed by the `<token>|` prefix of their ZAP domain to the `BusSecurity` that configured the socket.
final class ZAPHandler: Sendable {
    static let shared = ZAPHandler()

    private let registry = Mutex<(started: Bool, byToken: [String: BusSecurity])>((false, [:]))

    /// Registers `security`'s sockets; the first call starts the handler. Throws when the handler
    /// cannot start — the secured socket must then not bind, or it would admit any key.
    func register(_ security: BusSecurity) throws {
        try registry.withLock { r in
            if !r.started {
                var options = SocketOptions()
                options.lingerMs = 0
                // Bound here, on the caller's thread, so the handler exists before the first handshake.
                let socket = try ZMQSocket(.rep, options: options)
                do { try socket.bind("inproc://zeromq.zap.01") } catch {
                    throw BusError("start the ZAP handler", message: "\(error): a CURVE socket without it would admit any key")
                }
                start(socket)
                r.started = true
            }
            r.byToken[security.token] = security
        }
    }

    private func start(_ socket: ZMQSocket) {
        let box = UncheckedBox(socket)
        let thread = Thread { [self] in serve(box.value) }
        thread.name = "zap"
        thread.start()
    }

    private func serve(_ socket: ZMQSocket) {
        while true {
            let frames: [Data]
            do {
                guard let f = try socket.receive(dontWait: false) else { continue }
                frames = f
            } catch {
                break  // the context is terminating
            }
            let reply = answer(frames)
            _ = try? socket.send(reply, dontWait: false)
        }
        socket.close()
    }

    /// Request: version, request id, domain, address, routing id, mechanism, credentials…
    /// Reply: version, request id, status code, status text, user id, metadata.
    func answer(_ f: [Data]) -> [Data] {
        guard f.count >= 6 else { return [Data("1.0".utf8), f.count > 1 ? f[1] : Data(), Data("500".utf8), Data("malformed ZAP request".utf8), Data(), Data()] }
        let text = { (i: Int) in String(decoding: f[i], as: UTF8.self) }
        let domain = text(2)
        let token = String(domain.split(separator: "|", maxSplits: 1).first ?? "")
        guard let security = registry.withLock({ $0.byToken[token] }) else {
            return [f[0], f[1], Data("400".utf8), Data("no policy for this socket".utf8), Data(), Data()]
        }
        let a = security.zap(domain: domain, address: text(3), mechanism: text(5), credential: f.count > 6 ? f[6] : nil)
        guard a.ok else { return [f[0], f[1], Data("400".utf8), Data(a.status.utf8), Data(), Data()] }
        return [f[0], f[1], Data("200".utf8), Data("OK".utf8), Data(a.userId.utf8), Self.metadata(["X-Key-Id": a.keyId])]
    }

    /// ZMTP property encoding: name length (1 byte), name, value length (4 bytes, big endian), value.
    static func metadata(_ properties: [String: String]) -> Data {
        var out = Data()
        for (name, value) in properties.sorted(by: { $0.key < $1.key }) {
            let n = Array(name.utf8), v = Array(value.utf8)
            out.append(UInt8(n.count))
            out.append(contentsOf: n)
            out.append(contentsOf: withUnsafeBytes(of: UInt32(v.count).bigEndian, Array.init))
            out.append(contentsOf: v)
        }
        return out
    }
}

/// Watches a bound socket's handshakes through `zmq_socket_monitor` and reports the ones that fail
/// before ZAP is asked (a client without CURVE, one expecting another server key, garbage), so they
/// are counted and logged like ZAP refusals. One thread per secured bound socket; it ends when the
/// socket closes.
enum HandshakeMonitor {
    static func attach(to socket: ZMQSocket, endpoint: String, security: BusSecurity) throws {
        let address = "inproc://candlewick-monitor-\(UUID().uuidString)"
        let events = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL | ZMQ_EVENT_MONITOR_STOPPED
        guard zmq_socket_monitor(socket.handle, address, events) == 0 else { throw BusError.zmq("monitor \(endpoint)") }
        var options = SocketOptions()
        options.lingerMs = 0
        let pair = try ZMQSocket(.pair, options: options)
        try pair.connect(address)
        let box = UncheckedBox(pair)
        let thread = Thread {
            let pair = box.value
            while true {
                let received: [Data]?
                do { received = try pair.receive(dontWait: false) } catch { break }  // the context is terminating
                guard let frames = received else { continue }
                guard let first = frames.first, first.count >= 6 else { continue }
                let event = Int32(UInt16(first[first.startIndex]) | UInt16(first[first.startIndex + 1]) << 8)
                let value = first.dropFirst(2).prefix(4).enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
                if event == ZMQ_EVENT_MONITOR_STOPPED { break }
                let noCurve = event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL && Int32(bitPattern: value) == ZMQ_PROTOCOL_ERROR_ZMTP_MECHANISM_MISMATCH
                security.noteHandshakeFailure(endpoint: endpoint, reason: noCurve ? .noCurve : .badHandshake,
                                              detail: noCurve ? "the peer does not speak CURVE" : "handshake failed (event 0x\(String(event, radix: 16)), code 0x\(String(value, radix: 16)))")
            }
            pair.close()
        }
        thread.name = "zmq-monitor"
        thread.start()
    }
}
