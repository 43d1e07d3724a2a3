import CandlewickBus
import CandlewickCore
import Foundation
import Testing

/// `SocketLoop` sends on the caller's thread when it can and through its own thread when it must
/// (socket busy, libzmq's queue full): one sender's messages keep their order across both paths,
/// and a caller's send never swallows the wake-up of an inbound message.
@Suite("Socket loop: inline and queued sends")
struct SocketLoopTests {
    @Test func oneSendersOrderIsKeptWhenSendsSpillIntoTheQueue() async throws {
        var small = SocketOptions()
        small.sendHighWaterMark = 50
        small.receiveHighWaterMark = 50
        let push = try SocketLoop(.push, bind: ["tcp://127.0.0.1:*"], options: small)
        let pull = try SocketLoop(.pull, connect: [push.endpoint], options: small)
        let count = 20_000
        let sender = Task.detached {
            for i in 0..<count { try push.send([withUnsafeBytes(of: UInt32(i).littleEndian) { Data($0) }]) }
        }
        var expected: UInt32 = 0
        var inOrder = true
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            await pull.close()
        }
        for await frames in pull.incoming {
            let n = frames[0].withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }.littleEndian
            if n != expected { inOrder = false }
            expected += 1
            if expected == UInt32(count) { break }
        }
        watchdog.cancel()
        try await sender.value
        #expect(inOrder)
        #expect(expected == UInt32(count))
        #expect(push.droppedCount.load(ordering: .relaxed) == 0)
        await push.close()
        await pull.close()
    }

    @Test func concurrentRequestsAllGetTheirReplies() async throws {
        let server = try RequestServer(bind: "tcp://127.0.0.1:*", source: "server", logger: testLogger)
        let client = try RequestClient(connect: server.endpoint, source: "client", logger: testLogger)
        let serving = Task {
            for await req in server.requests() {
                if let p = req.message.payload(as: Probe.self) { try? server.reply(to: req, with: try Probe(n: p.n + 1, body: "r")) }
            }
        }
        let ok = try await withThrowingTaskGroup(of: Int.self) { group in
            for t in 0..<8 {
                group.addTask {
                    var good = 0
                    for i in 0..<400 {
                        let n = t * 1000 + i
                        let reply = try await client.request(try Probe(n: n, body: "q"), timeout: .seconds(20))
                        if reply.payload(as: Probe.self)?.n == n + 1 { good += 1 }
                    }
                    return good
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(ok == 8 * 400)
        serving.cancel()
        await client.close()
        await server.close()
    }
}
