import Foundation
import Testing
@testable import CandlewickGateway

#if canImport(Glibc)
import Glibc
#endif

@Suite("TWS connection: the socket")
struct TWSConnectionSocketTests {
    @Test("Nagle is off on the socket to IB (TCP_NODELAY): a bracket's later legs do not wait for IB's ACK of the first")
    func noDelay() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(listener >= 0)
        defer { Glibc.close(listener) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, len) } }
        try #require(bound == 0 && listen(listener, 1) == 0)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &len) } }
        // The kernel completes the connection from the listen backlog; no accept needed.
        let fd = try TWSConnection.connect(host: "127.0.0.1", port: Int(UInt16(bigEndian: addr.sin_port)), timeout: 5)
        defer { Glibc.close(fd) }
        var on: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        #expect(getsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, &size) == 0)
        #expect(on != 0)
    }
}
