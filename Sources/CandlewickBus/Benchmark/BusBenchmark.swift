import CZMQ
import CandlewickCore
import Foundation
import Logging

/// Measurements of one bus hop, Candlewick's envelope path next to raw libzmq on the same socket
/// types and transport, for `scripts/bench`. Not used by the processes themselves.
public enum BusBenchmark {
    /// Messages per second from first send to last receive, PUB → SUB, `count` messages of `size` bytes.
    public static func rawThroughput(endpoint: String, count: Int, size: Int, curve: BenchCurve? = nil) throws -> Double {
        let payload = Data(repeating: 0x61, count: size)
        let pub = try ZMQSocket(.pub, options: curve?.server(endpoint, bigQueues()) ?? bigQueues())
        try pub.bind(endpoint)
        let bound = pub.lastEndpoint()
        let sub = try ZMQSocket(.sub, options: curve?.client(bound, bigQueues()) ?? bigQueues())
        try sub.set(ZMQ_SUBSCRIBE, bytes: [])
        try sub.connect(bound)
        // Wait for the subscription to reach the publisher.
        try sub.set(ZMQ_RCVTIMEO, 10)
        var ready = false
        while !ready {
            _ = try pub.send([Data("warm".utf8)], dontWait: true)
            ready = (try sub.receive(dontWait: false)) != nil
        }
        while (try sub.receive(dontWait: true)) != nil {}
        try sub.set(ZMQ_RCVTIMEO, 5000)
        let receiver = UncheckedBox(sub)
        let done = DispatchSemaphore(value: 0)
        let end = LockedDate()
        Thread {
            var n = 0
            while n < count, (try? receiver.value.receive(dontWait: false)) != nil { n += 1 }
            end.set(Date())
            done.signal()
        }.start()
        let start = Date()
        for _ in 0..<count {
            while try !pub.send([Data("bus.probe".utf8), payload], dontWait: true) { usleep(10) }
        }
        done.wait()
        pub.close()
        sub.close()
        return Double(count) / end.get().timeIntervalSince(start)
    }

    /// The same hop through `BusPublisher` → `SocketLoop` → `BusSubscriber` (JSON envelope,
    /// validation, sequence tracking), with a ~`size`-byte envelope.
    public static func envelopeThroughput(endpoint: String, count: Int, size: Int, curve: BenchCurve? = nil) async throws -> Double {
        var opts = bigQueues()
        opts.lingerMs = 0
        let pubLoop = try SocketLoop(.pub, bind: [endpoint], options: curve?.server(endpoint, opts) ?? opts, outboxLimit: count + 10)
        let subLoop = try SocketLoop(.sub, connect: [pubLoop.endpoint], subscriptions: [""], options: curve?.client(pubLoop.endpoint, opts) ?? opts)
        let publisher = BusPublisher(source: "bench", sink: pubLoop)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let subscriber = BusSubscriber(source: subLoop.incoming, logger: logger)
        let body = String(repeating: "a", count: max(0, size - 230))
        var it = subscriber.messages().makeAsyncIterator()
        let warm = Task {
            while !Task.isCancelled {
                _ = try? publisher.publish(try Probe(n: 0, body: "warm"))
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        _ = await it.next()
        warm.cancel()
        try await Task.sleep(for: .milliseconds(50))
        let probe = try Probe(n: 1, body: body)
        let start = Date()
        // Sender and receiver run at the same time, each in its own task, as the raw benchmark's
        // sending and receiving threads do (and as two processes on the bus do).
        let sending = Task.detached {
            for _ in 0..<count { try publisher.publish(probe) }
        }
        var n = 0
        while n < count, let m = await it.next() {
            if let p = m.payload(as: Probe.self), p.n == 1 { n += 1 }
        }
        let elapsed = Date().timeIntervalSince(start)
        try await sending.value
        await pubLoop.close()
        await subLoop.close()
        return Double(count) / elapsed
    }

    /// Round-trip times in microseconds, DEALER → ROUTER → DEALER, raw frames.
    public static func rawRoundTrips(endpoint: String, count: Int, size: Int, curve: BenchCurve? = nil) throws -> [Double] {
        let payload = Data(repeating: 0x61, count: size)
        let router = try ZMQSocket(.router, options: curve?.server(endpoint, SocketOptions()) ?? SocketOptions())
        try router.bind(endpoint)
        let dealer = try ZMQSocket(.dealer, options: curve?.client(router.lastEndpoint(), SocketOptions()) ?? SocketOptions())
        try dealer.connect(router.lastEndpoint())
        let box = UncheckedBox(router)
        Thread {
            for _ in 0..<(count + 1) {
                guard let frames = try? box.value.receive(dontWait: false) else { return }
                _ = try? box.value.send(frames, dontWait: false)
            }
        }.start()
        var times: [Double] = []
        _ = try dealer.send([payload], dontWait: false)
        _ = try dealer.receive(dontWait: false)
        for _ in 0..<count {
            let t = DispatchTime.now().uptimeNanoseconds
            _ = try dealer.send([payload], dontWait: false)
            _ = try dealer.receive(dontWait: false)
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1000)
        }
        dealer.close()
        router.close()
        return times
    }

    /// Round-trip times in microseconds through `RequestClient` / `RequestServer`. With `onClientThread`
    /// the requesting task prefers the client's socket thread (`RequestClient.executor`, as `GatewayBars`'
    /// fetches do, and as raw libzmq's client thread owns its socket); without, it runs on the
    /// cooperative pool and each reply wakes a pool thread.
    public static func envelopeRoundTrips(endpoint: String, count: Int, size: Int, curve: BenchCurve? = nil,
                                          onClientThread: Bool = true) async throws -> [Double] {
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        let server = try RequestServer(bind: endpoint, source: "bench.server", options: curve?.server(endpoint, SocketOptions()) ?? SocketOptions(),
                                       logger: logger)
        // With CURVE the server checks every request's source against the client's role (BenchCurve.clientRole).
        let client = try RequestClient(connect: server.endpoint, source: curve == nil ? "bench.client" : "\(BenchCurve.clientRole.processes[0]).bench",
                                       options: curve?.client(server.endpoint, SocketOptions()) ?? SocketOptions(), logger: logger)
        // Served as the processes serve their command sockets (gateway-bridge, order-router).
        let serving = Task {
            await server.serveConcurrently { req in
                if let p = req.message.payload(as: Probe.self) { try? server.reply(to: req, with: p) }
            }
        }
        let probe = try Probe(n: 1, body: String(repeating: "a", count: max(0, size - 230)))
        _ = try await client.request(probe, timeout: .seconds(5))
        let times = try await withTaskExecutorPreference(onClientThread ? client.executor : nil) {
            var times: [Double] = []
            for _ in 0..<count {
                let t = DispatchTime.now().uptimeNanoseconds
                _ = try await client.request(probe, timeout: .seconds(5))
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t) / 1000)
            }
            return times
        }
        serving.cancel()
        await client.close()
        await server.close()
        return times
    }

    /// The encoded size of an envelope carrying a probe with `bodySize` characters.
    public static func envelopeBytes(size: Int) throws -> Int {
        let env = Envelope(header: try EnvelopeHeader(type: Probe.messageType, source: "bench", seq: 1, ts: Date()),
                           payload: try Probe(n: 1, body: String(repeating: "a", count: max(0, size - 230))))
        return try FrameCodec().encode(env).reduce(0) { $0 + $1.count }
    }

    private static func bigQueues() -> SocketOptions {
        var o = SocketOptions()
        o.sendHighWaterMark = 1_000_000
        o.receiveHighWaterMark = 1_000_000
        return o
    }
}

/// CURVE for the benchmark: keys in a temporary directory, the server with gateway-bridge's key behind
/// the ZAP handler on the `gateway.events` endpoint name (no message table, only the source check), the
/// client with order-router's. The same code path as the processes, ZAP and per-request checks included.
public final class BenchCurve: Sendable {
    static let clientRole = BusRole.orderRouter
    let store: KeyStore
    private let logger: Logger

    public init() throws {
        store = KeyStore(directory: FileManager.default.temporaryDirectory.appendingPathComponent("cw-bench-keys-\(UUID().uuidString.prefix(8))").path)
        var l = Logger(label: "bench")
        l.logLevel = .critical
        logger = l
    }

    func server(_ endpoint: String, _ base: SocketOptions) throws -> SocketOptions { try options(.gatewayBridge, endpoint, base) }
    func client(_ endpoint: String, _ base: SocketOptions) throws -> SocketOptions { try options(Self.clientRole, endpoint, base) }

    private func options(_ role: BusRole, _ endpoint: String, _ base: SocketOptions) throws -> SocketOptions {
        var o = base
        o.security = try BusSecurity(role: role, keyPair: store.loadOrGenerate(role: role, name: role.rawValue, generate: true), store: store,
                                     endpoints: [.gatewayEvents: endpoint], generateMissing: true, auditPath: nil, logger: logger)
        return o
    }
}

private final class LockedDate: @unchecked Sendable {
    private let lock = NSLock()
    private var value = Date()
    func set(_ d: Date) { lock.withLock { value = d } }
    func get() -> Date { lock.withLock { value } }
}
