import CandlewickBus
import CandlewickCore
import Dispatch
import Foundation
import Testing

/// A journal-like actor whose work blocks, on its own `ThreadExecutor` (as order-router's
/// `OrderRouter` with its journal's fsync).
private actor BlockingJournal {
    let executor = ThreadExecutor(name: "test-journal")
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Says it started, then blocks its thread until `release` is signalled; false when that did not
    /// happen within `seconds` (the hang turned into a failure).
    func write(started: AsyncStream<Void>.Continuation, release: DispatchSemaphore, seconds: Int) -> Bool {
        started.yield()
        return release.wait(timeout: .now() + .seconds(seconds)) == .success
    }
}

@Suite("Serving on the socket's thread while a handler's work blocks")
struct ServeWithBlockingWorkTests {
    /// A handler whose actor blocks (on the actor's own thread) does not hold up the server's other
    /// requests: a second, light request is answered while the first still blocks, and the first is
    /// answered once released. If the blocking work ran on the socket's thread, the light request
    /// would not be received until the release, which comes only after its reply: the light request
    /// times out and the test fails.
    @Test func blockingWorkDoesNotHoldUpOtherReplies() async throws {
        let server = try RequestServer(bind: "tcp://127.0.0.1:*", source: "server", logger: testLogger)
        let client = try RequestClient(connect: server.endpoint, source: "client", logger: testLogger)
        let journal = BlockingJournal()
        let release = DispatchSemaphore(value: 0)
        let (started, startedNow) = AsyncStream<Void>.makeStream()
        // A failure below must not leave the journal's thread blocked.
        defer { release.signal() }
        let serving = Task {
            await server.serveConcurrently { req in
                guard let p = req.message.payload(as: Probe.self) else { return }
                if p.body == "heavy" {
                    let released = await journal.write(started: startedNow, release: release, seconds: 60)
                    try? server.reply(to: req, with: try Probe(n: p.n, body: released ? "written" : "never released"))
                } else {
                    try? server.reply(to: req, with: try Probe(n: p.n, body: "light"))
                }
            }
        }
        let heavy = Task { try await client.request(try Probe(n: 1, body: "heavy"), timeout: .seconds(90)) }
        // The heavy request's work is blocking now (its handler reached the journal).
        #expect(try await next(started, within: 30) != nil, "the heavy request never reached the journal")
        let light = try await client.request(try Probe(n: 2, body: "light"), timeout: .seconds(20))
        #expect(light.payload(as: Probe.self)?.body == "light")
        release.signal()
        let written = try await heavy.value
        #expect(written.payload(as: Probe.self) == (try Probe(n: 1, body: "written")))
        serving.cancel()
        await serving.value
        await client.close()
        await server.close()
        await journal.executor.shutdown()
    }
}
