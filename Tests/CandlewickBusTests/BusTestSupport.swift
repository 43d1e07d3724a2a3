import CandlewickBus
import CandlewickCore
import Foundation
import Logging
import Testing

let testLogger: Logger = {
    var l = Logger(label: "bus-test")
    l.logLevel = .critical
    return l
}()

func probe(_ n: Int, _ body: String = "hello") throws -> Probe { try Probe(n: n, body: body) }

/// Waits for the next event of `iterator` with a deadline.
func next<T: Sendable>(_ stream: AsyncStream<T>, within seconds: Double = 5) async throws -> T? {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask {
            var it = stream.makeAsyncIterator()
            return await it.next()
        }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return nil
        }
        let first = try await group.next()!
        group.cancelAll()
        return first
    }
}

/// Publishes probes until the subscriber sees one (ZeroMQ subscriptions propagate asynchronously),
/// then returns. Fails after `seconds`.
func awaitSubscription(_ publisher: BusPublisher, _ messages: AsyncStream<BusMessage>.AsyncIterator,
                       seconds: Double = 5) async throws -> AsyncStream<BusMessage>.AsyncIterator {
    var it = messages
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    let warmup = Task {
        var n = 0
        while !Task.isCancelled && ContinuousClock.now < deadline {
            n += 1
            _ = try? publisher.publish(try Probe(n: n, body: "warm-up"))
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
    defer { warmup.cancel() }
    guard await it.next() != nil else { throw BusError("subscription", message: "never established") }
    warmup.cancel()
    return it
}

/// Checks `condition` every 20 ms until it holds; throws naming `what` after `seconds` (a bound, never a guess at speed).
func waitUntil(_ what: String, seconds: Double, _ condition: () throws -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while try !condition() {
        guard ContinuousClock.now < deadline else { throw BusError("test", message: "timed out after \(seconds) s waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}

/// Collects messages until none has arrived for `quietFor` seconds (at most `limit` seconds).
func collect(_ stream: AsyncStream<BusMessage>, quietFor: Double, limit: Double = 10) async -> [BusMessage] {
    let box = MessageBox()
    let reader = Task {
        for await m in stream { box.append(m) }
    }
    let start = ContinuousClock.now
    var lastCount = -1
    while ContinuousClock.now - start < .milliseconds(Int(limit * 1000)) {
        try? await Task.sleep(for: .milliseconds(Int(quietFor * 1000)))
        let n = box.count
        if n == lastCount && n > 0 { break }
        lastCount = n
    }
    reader.cancel()
    return box.all
}

final class MessageBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [BusMessage] = []
    func append(_ m: BusMessage) { lock.withLock { items.append(m) } }
    var count: Int { lock.withLock { items.count } }
    var all: [BusMessage] { lock.withLock { items } }
}
