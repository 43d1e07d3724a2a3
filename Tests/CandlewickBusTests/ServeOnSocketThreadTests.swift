import CandlewickBus
import CandlewickCore
import Foundation
import Testing

/// The name of the thread running the caller (a synchronous function: `Thread.current` is not
/// available to async code directly).
private func threadName() -> String? { Thread.current.name }

/// An actor the handlers call, as gateway-bridge's and order-router's handlers call theirs.
private actor Counter {
    var n = 0
    func bump() -> Int {
        n += 1
        return n
    }
}

@Suite("Serving requests on the socket's thread", .serialized)
struct ServeOnSocketThreadTests {
    /// `serveConcurrently` runs its handlers on the ROUTER socket's own thread (the loop is their
    /// task executor), including after awaiting an actor, and replies from there reach the client.
    @Test func handlersRunOnTheSocketThread() async throws {
        let server = try RequestServer(bind: "tcp://127.0.0.1:*", source: "server", logger: testLogger)
        let client = try RequestClient(connect: server.endpoint, source: "client", logger: testLogger)
        let counter = Counter()
        let serving = Task {
            await server.serveConcurrently { req in
                let before = threadName() ?? "?"
                let n = await counter.bump()
                let after = threadName() ?? "?"
                if let p = try? Probe(n: n, body: "\(before)|\(after)") { try? server.reply(to: req, with: p) }
            }
        }
        for n in 1...3 {
            let reply = try await client.request(try Probe(n: 0, body: "where"), timeout: .seconds(5))
            let p = try #require(reply.payload(as: Probe.self))
            #expect(p.n == n)
            #expect(p.body == "router|router", "handler threads: \(p.body)")
        }
        serving.cancel()
        await serving.value
        await client.close()
        await server.close()
    }

    /// A requesting task that prefers the client's executor resumes on the DEALER socket's own thread
    /// when its reply arrives (the thread that decoded it), and the next request leaves from there;
    /// one that does not prefer it resumes elsewhere. A request still made there after the client
    /// closed fails instead of hanging.
    @Test func aRequesterThatPrefersTheClientThreadResumesThere() async throws {
        let (server, client, serving) = try Self.echo()
        let executor = try #require(client.executor)
        let resumedOn = try await withTaskExecutorPreference(executor) {
            var names: [String] = []
            for n in 1...3 {
                let reply = try await client.request(try Probe(n: n, body: "where"), timeout: .seconds(5))
                #expect(reply.payload(as: Probe.self)?.n == n)
                names.append(threadName() ?? "?")
            }
            return names
        }
        #expect(resumedOn == ["dealer", "dealer", "dealer"])
        _ = try await client.request(try Probe(n: 4, body: "where"), timeout: .seconds(5))
        #expect(threadName() != "dealer", "without the preference the requester resumes off the socket thread")
        await client.close()
        await #expect(throws: BusError.self) {
            try await withTaskExecutorPreference(executor) { try await client.request(try Probe(n: 5, body: "late"), timeout: .seconds(5)) }
        }
        serving.cancel()
        _ = await serving.value
        await server.close()
    }

    /// An echo server serving as the processes serve (`serveConcurrently`), a client connected to it,
    /// and the serving task, which returns true once serving has ended.
    static func echo() throws -> (RequestServer, RequestClient, Task<Bool, Never>) {
        let server = try RequestServer(bind: "tcp://127.0.0.1:*", source: "server", logger: testLogger)
        let client = try RequestClient(connect: server.endpoint, source: "client", logger: testLogger)
        let serving = Task {
            await server.serveConcurrently { req in
                if let p = req.message.payload(as: Probe.self) { try? server.reply(to: req, with: p) }
            }
            return true
        }
        return (server, client, serving)
    }

    /// When the socket closes, a serving task that prefers its thread still sees the end of the
    /// requests (its jobs then run on the global executor) and `serveConcurrently` returns.
    @Test func servingEndsWhenTheSocketCloses() async throws {
        let (server, client, serving) = try Self.echo()
        let reply = try await client.request(try Probe(n: 7, body: "echo"), timeout: .seconds(5))
        #expect(reply.payload(as: Probe.self)?.n == 7)
        await server.close()
        #expect(await serving.value)
        await client.close()
    }
}
