import CandlewickBus
import CandlewickCore
import Foundation
import Testing

@Suite("Bus over libzmq", .serialized)
struct ZMQBusTests {
    static func tempDir() -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("cw-\(UUID().uuidString.prefix(8))").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test(arguments: ["ipc", "tcp"])
    func throughTheProxy(transport: String) async throws {
        let endpoints: BusEndpoints = transport == "ipc"
            ? .ipc(in: Self.tempDir()) : BusEndpoints(publish: "tcp://127.0.0.1:*", subscribe: "tcp://127.0.0.1:*")
        let proxy = try BusProxy(frontend: endpoints.publish, backend: endpoints.subscribe)
        let resolved = BusEndpoints(publish: proxy.frontend, subscribe: proxy.backend)
        let (pub, pubLoop) = try resolved.makePublisher(source: "swift.pub")
        let subLoop = try resolved.makeSubscriberSocket()
        let sub = BusSubscriber(source: subLoop.incoming, logger: testLogger)
        let it = try await awaitSubscription(pub, sub.messages().makeAsyncIterator())
        for n in 1...100 { try pub.publish(probe(n, "payload \(n)"), runId: "r") }
        // Read with a deadline: a lost message ends the read (cancelled) and fails below, never hangs.
        let reader = Task { [it] in
            var it = it
            var got: [Int] = []
            while got.count < 100, let m = await it.next() {
                if let p = m.payload(as: Probe.self), p.body.hasPrefix("payload") { got.append(p.n) }
            }
            return got
        }
        let deadline = Task {
            try await Task.sleep(for: .seconds(30))
            reader.cancel()
        }
        let got = await reader.value
        deadline.cancel()
        #expect(got == Array(1...100), "received \(got.count) of 100 within 30 s")
        #expect(sub.stats.gaps == 0)
        await pubLoop.close()
        await subLoop.close()
        await proxy.stop()
        if transport == "ipc" {
            #expect(!FileManager.default.fileExists(atPath: String(endpoints.publish.dropFirst(6))))
        }
    }

    @Test func subscriberRestartResumes() async throws {
        let proxy = try BusProxy(frontend: "tcp://127.0.0.1:*", backend: "tcp://127.0.0.1:*")
        let eps = BusEndpoints(publish: proxy.frontend, subscribe: proxy.backend)
        let (pub, pubLoop) = try eps.makePublisher(source: "p")
        for round in 1...2 {
            let loop = try eps.makeSubscriberSocket()
            let sub = BusSubscriber(source: loop.incoming, logger: testLogger)
            var it = try await awaitSubscription(pub, sub.messages().makeAsyncIterator())
            try pub.publish(probe(1000 + round, "after restart \(round)"))
            var found = false
            while !found, let m = await it.next() { found = m.payload(as: Probe.self)?.n == 1000 + round }
            #expect(found)
            await loop.close()
        }
        await pubLoop.close()
        await proxy.stop()
    }

    @Test func publisherReconnectsAfterProxyRestart() async throws {
        let dir = Self.tempDir()
        let eps = BusEndpoints.ipc(in: dir)
        var proxy = try BusProxy(frontend: eps.publish, backend: eps.subscribe)
        let (pub, pubLoop) = try eps.makePublisher(source: "p")
        await proxy.stop()
        proxy = try BusProxy(frontend: eps.publish, backend: eps.subscribe)
        let loop = try eps.makeSubscriberSocket()
        let sub = BusSubscriber(source: loop.incoming, logger: testLogger)
        _ = try await awaitSubscription(pub, sub.messages().makeAsyncIterator(), seconds: 10)
        await loop.close()
        await pubLoop.close()
        await proxy.stop()
    }

    @Test func tenThousandGarbageFramesAreCountedAndSurvived() async throws {
        let raw = try SocketLoop(.pub, bind: ["tcp://127.0.0.1:*"])
        let loop = try SocketLoop(.sub, connect: [raw.endpoint], subscriptions: [""])
        let sub = BusSubscriber(source: loop.incoming, logger: testLogger)
        let events = sub.events()
        let pub = BusPublisher(source: "fuzz", sink: raw)
        var it = events.makeAsyncIterator()
        // Establish the subscription with valid messages first.
        let warm = Task {
            for n in 1...250 {
                _ = try? pub.publish(try Probe(n: n, body: "warm"))
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        while let e = await it.next() { if case .message = e { break } }
        warm.cancel()
        let warmAccepted = sub.stats.accepted
        var rng = SplitMix64(seed: 42)
        let valid = try FrameCodec().encode(Envelope(header: EnvelopeHeader(type: "bus.probe", source: "x", seq: 1, ts: Date()),
                                                     payload: try Probe(n: 1, body: "ok")))
        for i in 0..<10_000 {
            try raw.send(GarbageFrames.make(i, valid: valid, rng: &rng))
            if i % 500 == 499 { try await Task.sleep(for: .milliseconds(5)) }
        }
        try pub.publish(probe(99_999, "still alive"))
        let watchdog = Task {
            try await Task.sleep(for: .seconds(15))
            await loop.close()
        }
        var alive = false
        while !alive, let e = await it.next() {
            if case .message(let m) = e, m.payload(as: Probe.self)?.n == 99_999 { alive = true }
        }
        watchdog.cancel()
        #expect(alive)
        #expect(sub.stats.rejectedTotal == 10_000)
        #expect(sub.stats.accepted >= warmAccepted + 1)
        await raw.close()
        await loop.close()
    }

    @Test func requestReplyWithDeadline() async throws {
        let server = try RequestServer(bind: "tcp://127.0.0.1:*", source: "server", logger: testLogger)
        let client = try RequestClient(connect: server.endpoint, source: "client", logger: testLogger)
        let serving = Task {
            for await req in server.requests() {
                guard let p = req.message.payload(as: Probe.self) else { continue }
                if p.body == "ignore me" { continue }
                try server.reply(to: req, with: try Probe(n: p.n * 2, body: "reply"))
            }
        }
        let reply = try await client.request(try Probe(n: 21, body: "double"), timeout: .seconds(5))
        #expect(reply.payload(as: Probe.self)?.n == 42)
        await #expect(throws: BusError.self) {
            _ = try await client.request(try Probe(n: 1, body: "ignore me"), timeout: .milliseconds(200))
        }
        let again = try await client.request(try Probe(n: 5, body: "x"), timeout: .seconds(5))
        #expect(again.payload(as: Probe.self)?.n == 10)
        serving.cancel()
        await client.close()
        await server.close()
    }

    /// A server numbers its replies to all its clients in one sequence, so each of two alternating clients
    /// sees every other number: that is no gap, and no client may report one.
    @Test func clientsOfOneServerSeeNoGapsInItsReplies() async throws {
        let server = try RequestServer(bind: "tcp://127.0.0.1:*", source: "server", logger: testLogger)
        let clients = try (0..<2).map { try RequestClient(connect: server.endpoint, source: "client\($0)", logger: testLogger) }
        let serving = Task {
            for await req in server.requests() {
                guard let p = req.message.payload(as: Probe.self) else { continue }
                try server.reply(to: req, with: try Probe(n: p.n, body: "reply"))
            }
        }
        for n in 1...6 {
            let reply = try await clients[n % 2].request(try Probe(n: n, body: "ask"), timeout: .seconds(5))
            #expect(reply.payload(as: Probe.self)?.n == n)
            #expect(reply.header.seq == UInt64(n), "the server's one sequence over both clients")
        }
        for c in clients {
            #expect(c.stats.accepted == 3 && c.stats.gaps == 0 && c.stats.missing == 0, "\(c.stats)")
        }
        serving.cancel()
        for c in clients { await c.close() }
        await server.close()
    }
}

/// Ten kinds of broken messages, chosen by index: random bytes, truncated valid envelopes,
/// flipped bytes, wrong topics, bad attachments, unknown types, invalid payloads.
enum GarbageFrames {
    static func make(_ i: Int, valid: [Data], rng: inout SplitMix64) -> [Data] {
        let json = valid[1]
        func random(_ n: Int) -> Data { Data((0..<n).map { _ in UInt8.random(in: 0...255, using: &rng) }) }
        switch i % 8 {
        case 0: return [random(Int.random(in: 0...64, using: &rng))]
        case 1: return [valid[0], json.prefix(Int.random(in: 0..<json.count, using: &rng))]
        case 2:
            var j = json
            let k = Int.random(in: 0..<j.count, using: &rng)
            j[j.startIndex + k] ^= 0xff
            return [valid[0], j]
        case 3: return [Data("signal".utf8), json]
        case 4: return [valid[0], json, random(10)]
        case 5:
            let s = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "bus.probe", with: "bus.unknown\(i)")
            return [Data("bus.unknown\(i)".utf8), Data(s.utf8)]
        case 6:
            let s = String(decoding: json, as: UTF8.self).replacingOccurrences(of: "\"n\":1", with: "\"n\":-\(i)")
            return [valid[0], Data(s.utf8)]
        default: return [random(Int.random(in: 1...16, using: &rng)), random(Int.random(in: 0...2000, using: &rng))]
        }
    }
}

@Suite("Work distribution over PUSH/PULL")
struct WorkQueueTests {
    @Test func jobsAreSpreadOverWorkersAndNoneIsLost() async throws {
        let pushLoop = try SocketLoop(.push, bind: ["tcp://127.0.0.1:*"])
        let workers = try (0..<2).map { _ in try SocketLoop(.pull, connect: [pushLoop.endpoint]) }
        let boxes = [MessageBox(), MessageBox()]
        let readers = zip(workers, boxes).map { w, box in
            Task { for await m in BusSubscriber(source: w.incoming, logger: testLogger).messages() { box.append(m) } }
        }
        func numbers(_ box: MessageBox, _ body: String) -> [Int] {
            box.all.compactMap { $0.payload(as: Probe.self) }.filter { $0.body == body }.map(\.n)
        }
        let jobs = BusPublisher(source: "owner", sink: pushLoop)
        // PUSH round-robins only over peers that have connected: send warm-ups until each worker has one
        // (a condition with a bound, not a sleep that hopes both connected in time).
        var n = 0
        try await waitUntil("both workers connected", seconds: 10) {
            n += 1
            try jobs.publish(probe(n, "warm-up"))
            return boxes.allSatisfy { !numbers($0, "warm-up").isEmpty }
        }
        for n in 1...200 { try jobs.publish(probe(n, "job")) }
        try await waitUntil("all 200 jobs delivered", seconds: 10) { boxes.map { numbers($0, "job").count }.reduce(0, +) >= 200 }
        let results = boxes.map { numbers($0, "job") }
        #expect(results.allSatisfy { !$0.isEmpty }, "both workers got jobs: \(results.map(\.count))")
        #expect(results.flatMap { $0 }.sorted() == Array(1...200))
        for r in readers { r.cancel() }
        await pushLoop.close()
        for w in workers { await w.close() }
    }
}
