import CandlewickCore
import Foundation
import Logging
import Testing
@testable import CandlewickPaper
@testable import CandlewickTWS
#if canImport(Glibc)
import Glibc
#endif

/// A blocking test client socket.
struct TestSocket {
    let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr)
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { Glibc.close(fd); throw PaperError.socket("connect errno \(errno)") }
        var tv = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    @discardableResult
    func send(_ data: Data) -> Bool { PaperSocket.write(fd, data) }
    func read() -> [UInt8] { PaperSocket.read(fd) }
    func close() { Glibc.close(fd) }

    /// Reads until the peer closes (or the timeout); true when it closed.
    func drainUntilClosed() -> Bool {
        while true {
            var buf = [UInt8](repeating: 0, count: 4096)
            let n = recv(fd, &buf, buf.count, 0)
            if n == 0 { return true }
            if n < 0 { return errno == ECONNRESET }
        }
    }
}

@Suite(.serialized) struct PaperServerGarbageTests {
    static func startServer() throws -> (PaperServer, Int) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        var config = PaperConfig(dataDirectory: root.appendingPathComponent("deploy/data/daily").path)
        config.port = 0
        config.stateDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("paper-\(UUID().uuidString)").path
        config.maxConnections = 256
        try FileManager.default.createDirectory(atPath: config.stateDirectory, withIntermediateDirectories: true)
        var logger = Logger(label: "ib-paper-test")
        logger.logLevel = .critical
        let server = try PaperServer(config: config, logger: logger)
        let (port, _) = try server.start()
        return (server, port)
    }

    /// Handshake + startApi; returns the session once ready.
    static func goodClient(port: Int, clientId: Int) throws -> (TestSocket, TWSClientSession) {
        let s = try TestSocket(port: port)
        var session = TWSClientSession(clientId: clientId)
        s.send(session.hello())
        while session.state != .ready {
            let bytes = s.read()
            guard !bytes.isEmpty else { throw PaperError.socket("closed during handshake") }
            let out = try session.receive(bytes)
            s.send(out.send)
        }
        return (s, session)
    }

    @Test func tenThousandGarbageFramesThenAGoodClientIsServed() throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        var rng = SplitMix64(seed: 2024)
        var sent = 0
        // Raw garbage before or instead of the handshake.
        for i in 0..<60 {
            let s = try TestSocket(port: port)
            var data = Data(i % 2 == 0 ? TWSWire.apiPrefix : [])
            for _ in 0..<50 {
                let body = Garbage.bytes(&rng, count: Int.random(in: 1...40, using: &rng))
                data.append(TWSFraming.framePayload(Data(body)))
                sent += 1
            }
            s.send(data)
            #expect(s.drainUntilClosed())
            s.close()
        }
        // Garbage after a correct handshake: decoded by the request decoder, bad ones reset the connection.
        var clientId = 1000
        while sent < 10_000 {
            clientId += 1
            let (s, _) = try Self.goodClient(port: port, clientId: clientId)
            var data = Data()
            for _ in 0..<80 {
                data.append(try TWSFraming.frame(Garbage.fields(&rng, ids: TWSGarbageTests.requestIds)))
                sent += 1
            }
            s.send(data)
            #expect(s.drainUntilClosed())
            s.close()
        }
        // Absurd length prefixes.
        for prefix: [UInt8] in [[0xFF, 0xFF, 0xFF, 0xFF], [0, 0, 0, 0], [0x7F, 0, 0, 0]] {
            clientId += 1
            let (s, _) = try Self.goodClient(port: port, clientId: clientId)
            s.send(Data(prefix + [0x31, 0]))
            #expect(s.drainUntilClosed())
            s.close()
        }
        // The server still serves a well-behaved client.
        let (s, session0) = try Self.goodClient(port: port, clientId: 1)
        var session = session0
        defer { s.close() }
        s.send(try TWSRequest.reqContractDetails(reqId: 5, contract: TWSContract(symbol: "AAPL")).frame())
        var details: TWSContractDetails?
        while details == nil {
            let bytes = s.read()
            guard !bytes.isEmpty else { break }
            for e in try session.receive(bytes).events { if case .contractDetails(5, let d) = e { details = d } }
        }
        #expect(details?.contract.conId == 265_598)
        #expect(details?.minTick == 0.01)
    }

    @Test func duplicateClientIdGets326AndIsClosed() throws {
        let (server, port) = try Self.startServer()
        defer { server.stop() }
        let (first, _) = try Self.goodClient(port: port, clientId: 7)
        defer { first.close() }
        let s = try TestSocket(port: port)
        defer { s.close() }
        var session = TWSClientSession(clientId: 7)
        s.send(session.hello())
        var codes: [Int] = []
        loop: while true {
            let bytes = s.read()
            if bytes.isEmpty { break }
            guard let out = try? session.receive(bytes) else { break }
            s.send(out.send)
            for e in out.events { if case .error(let err) = e { codes.append(err.code) } }
            if codes.contains(326) { break loop }
        }
        #expect(codes.contains(326))
        #expect(s.drainUntilClosed())
    }
}
