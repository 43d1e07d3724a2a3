import CandlewickBus
import CandlewickCore
import CandlewickRouter
import CandlewickTesting
import Foundation
import Logging
import Testing

extension OrderRouter {
    /// The system's name of the thread the router's isolated code (its journal writes among it) runs on.
    func isolatedThreadName() -> String? {
        (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

@Suite("OrderRouter's own thread")
struct RouterThreadTests {
    /// Called from a command-socket handler (which prefers the socket's thread, where a default
    /// actor would run too), the router still runs on its "router-journal" thread: the journal's
    /// fsync never holds up the socket.
    @Test func routerRunsOnItsThreadWhenCalledFromAHandler() async throws {
        let router = try makeRouter(tempPath("intents.jsonl"), FakeBroker())
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let server = try RequestServer(bind: "tcp://127.0.0.1:*", source: "router.test", logger: logger)
        let client = try RequestClient(connect: server.endpoint, source: "test", logger: logger)
        let serving = Task {
            await server.serveConcurrently { req in
                let name = await router.isolatedThreadName() ?? "?"
                try? server.reply(to: req, with: try Probe(n: 0, body: name))
            }
        }
        let reply = try await client.request(try Probe(n: 0, body: "where"), timeout: .seconds(20))
        #expect(reply.payload(as: Probe.self)?.body == "router-journal")
        serving.cancel()
        await serving.value
        await client.close()
        await server.close()
    }
}
