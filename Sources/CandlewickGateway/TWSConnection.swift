import CandlewickTWS
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A connection could not be made or broke: names the endpoint and the reason.
public struct GatewayError: Error, Sendable, CustomStringConvertible {
    public let message: String
    /// IB's error code when the gateway reported one (e.g. 200 no security definition).
    public let code: Int?
    /// IB did not answer within the deadline (the request may still have reached it).
    public let timeout: Bool

    public init(_ message: String, code: Int? = nil, timeout: Bool = false) {
        self.message = message
        self.code = code
        self.timeout = timeout
    }

    public var description: String { code.map { "IB error \($0): \(message)" } ?? message }
}

/// One TCP connection to a TWS-protocol gateway (IB Gateway, TWS or ib-paper). A dedicated thread
/// owns the blocking socket reads and feeds `TWSClientSession`; events are handed to `onEvent` on
/// that thread. Writes are serialised by a lock. Connect and handshake have deadlines.
public final class TWSConnection: Sendable {
    private let fd: Int32
    private let writeLock = Mutex(())
    private let session: Mutex<TWSClientSession>
    public let host: String
    public let port: Int

    /// Connects, completes the handshake (server hello, startApi, nextValidId and managedAccounts)
    /// within `timeout` seconds, then starts the reader thread. Throws naming the endpoint.
    public init(host: String, port: Int, clientId: Int, timeout: Double,
                onEvent: @escaping @Sendable (TWSEvent) -> Void, onClose: @escaping @Sendable (String) -> Void) throws {
        self.host = host
        self.port = port
        let fd = try Self.connect(host: host, port: port, timeout: timeout)
        self.fd = fd
        let s = TWSClientSession(clientId: clientId)
        let hello = s.hello()
        session = Mutex(s)
        try Self.writeAll(fd, hello)
        // Handshake on this thread, with a deadline; the reader thread takes over afterwards.
        let deadline = Date().addingTimeInterval(timeout)
        var early: [TWSEvent] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while session.withLock({ $0.state != .ready }) {
            let left = deadline.timeIntervalSinceNow
            guard left > 0 else {
                Glibc.close(fd)
                throw GatewayError("\(host):\(port): no handshake within \(timeout) s (is it a TWS API port?)")
            }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&p, 1, Int32(left * 1000)) > 0 else { continue }
            let n = read(fd, &buffer, buffer.count)
            guard n > 0 else {
                Glibc.close(fd)
                throw GatewayError("\(host):\(port): connection closed during the handshake")
            }
            do {
                let out = try session.withLock { try $0.receive(buffer[0..<n]) }
                if !out.send.isEmpty { try Self.writeAll(fd, out.send) }
                early += out.events
            } catch {
                Glibc.close(fd)
                throw GatewayError("\(host):\(port): handshake failed: \(error)")
            }
        }
        for e in early { onEvent(e) }
        let sessionRef = UncheckedRef(self)
        let thread = Thread {
            var buf = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = read(fd, &buf, buf.count)
                guard n > 0 else { onClose(n == 0 ? "gateway closed the connection" : String(cString: strerror(errno))); return }
                do {
                    let out = try sessionRef.value.session.withLock { try $0.receive(buf[0..<n]) }
                    if !out.send.isEmpty { try? sessionRef.value.write(out.send) }
                    for e in out.events { onEvent(e) }
                } catch {
                    onClose("protocol error: \(error)")
                    shutdown(fd, Int32(SHUT_RDWR))
                    return
                }
            }
        }
        thread.name = "tws-reader"
        thread.start()
    }

    /// Accounts the gateway manages (from the handshake).
    public var accounts: [String] { session.withLock { $0.accounts ?? [] } }

    /// Takes the next order id (nextValidId, advanced on every call). Throws before the handshake gave one.
    public func takeOrderId() throws -> Int {
        guard let id = session.withLock({ $0.takeOrderId() }) else { throw GatewayError("\(host):\(port): no order id from the gateway yet") }
        return id
    }

    /// Writes framed bytes (serialised with every other write).
    public func write(_ data: Data) throws {
        try writeLock.withLock { _ in try Self.writeAll(fd, data) }
    }

    /// Closes the socket (the reader thread ends).
    public func close() { shutdown(fd, Int32(SHUT_RDWR)); Glibc.close(fd) }

    static func writeAll(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var off = 0
            while off < raw.count {
                let n = Glibc.send(fd, raw.baseAddress! + off, raw.count - off, Int32(MSG_NOSIGNAL))
                guard n > 0 else { throw GatewayError("write failed: \(String(cString: strerror(errno)))") }
                off += n
            }
        }
    }

    static func connect(host: String, port: Int, timeout: Double) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw GatewayError("socket(): \(String(cString: strerror(errno)))") }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &addr.sin_addr) == 1 else {
            Glibc.close(fd)
            throw GatewayError("\(host): not an IPv4 address")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        if rc != 0 && errno != EINPROGRESS {
            let why = String(cString: strerror(errno))
            Glibc.close(fd)
            throw GatewayError("\(host):\(port): connect failed: \(why)")
        }
        var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var err: Int32 = 0
        var len = socklen_t(MemoryLayout<Int32>.size)
        guard poll(&p, 1, Int32(timeout * 1000)) == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0, err == 0 else {
            Glibc.close(fd)
            throw GatewayError("\(host):\(port): connect failed: \(err != 0 ? String(cString: strerror(err)) : "timed out after \(timeout) s")")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        // No Nagle: a bracket's second and third legs go out at once, not after IB acknowledges the first at the TCP level
        // (with IB's delayed ACK that held them about 40 ms).
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        return fd
    }
}

/// Lets the reader thread reach the connection it belongs to.
struct UncheckedRef<T: AnyObject>: @unchecked Sendable {
    let value: T
    init(_ v: T) { value = v }
}
