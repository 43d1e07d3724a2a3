import CandlewickTWS
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The single IB connection, kept alive: connects with a deadline, and after a drop reconnects with
/// exponential backoff (0.5 s doubling to `maxBackoff`), calling `onConnected` after every
/// (re)connect so the owner can re-sync. While down, `send` fails at once with a clear error.
public final class GatewayLink: Sendable {
    public let host: String
    public let port: Int
    public let clientId: Int
    public let timeout: Double
    public let maxBackoff: Double
    private let current = Mutex<TWSConnection?>(nil)
    private let epochs = Mutex(0)
    private let downs = AsyncStream<String>.makeStream()
    private let stopping = Mutex(false)
    private let onEvent: @Sendable (TWSEvent) -> Void
    private let onDown: @Sendable (Int, String) -> Void

    /// `onEvent` runs on the reader thread; `onDown(epoch, reason)` when connection `epoch` is lost (fail
    /// in-flight requests and drop what was believed about it there).
    /// `maxMessagesPerSecond`: messages allowed in any rolling second (45 keeps a margin below IB's 50).
    public init(host: String, port: Int, clientId: Int, timeout: Double, maxBackoff: Double = 10, maxMessagesPerSecond: Int = 45,
                onEvent: @escaping @Sendable (TWSEvent) -> Void, onDown: @escaping @Sendable (Int, String) -> Void) {
        self.host = host
        self.port = port
        self.clientId = clientId
        self.timeout = timeout
        self.maxBackoff = maxBackoff
        writer = RateLimitedWriter(limit: maxMessagesPerSecond)
        self.onEvent = onEvent
        self.onDown = onDown
    }

    /// Connects once (connect + handshake within `timeout`). Throws `GatewayError` naming the endpoint.
    @discardableResult
    public func connect() throws -> Int {
        let epoch = epochs.withLock { $0 + 1 }
        let connection = try TWSConnection(host: host, port: port, clientId: clientId, timeout: timeout, onEvent: onEvent,
                                           onClose: { [self] why in lost(epoch: epoch, why) })
        epochs.withLock { $0 = epoch }
        current.withLock { $0 = connection }
        return epoch
    }

    private func lost(epoch: Int, _ why: String) {
        let mine = current.withLock { c -> Bool in
            guard epochs.withLock({ $0 }) == epoch else { return false }
            c = nil
            return true
        }
        guard mine, !stopping.withLock({ $0 }) else { return }
        onDown(epoch, why)
        downs.continuation.yield(why)
    }

    /// How many connections have been made (1 after the first).
    public var epoch: Int { epochs.withLock { $0 } }
    public var isConnected: Bool { current.withLock { $0 != nil } }
    public var accounts: [String] { current.withLock { $0?.accounts ?? [] } }

    private func connection() throws -> TWSConnection {
        guard let c = current.withLock({ $0 }) else { throw GatewayError("not connected to IB at \(host):\(port) (reconnecting)") }
        return c
    }

    /// Messages written in any rolling second at most (IB disconnects clients above 50/s).
    public var maxMessagesPerSecond: Int { writer.limit }
    private let writer: RateLimitedWriter

    /// Messages written to IB since start (every connection).
    public var messagesWritten: Int { writer.executed }
    /// The most messages written in any rolling second since start (never above `maxMessagesPerSecond`).
    public var maxMessagesInAnySecond: Int { writer.maxInAnySecond }
    /// Messages waiting in the writer's pacing queue now.
    public var pacingQueueDepth: Int { writer.queued }

    /// The lane a request waits in: order messages (place, cancel, global cancel) before data requests.
    public static func priority(of request: TWSRequest) -> MessagePriority {
        switch request {
        case .placeOrder, .cancelOrder, .reqGlobalCancel: .order
        default: .data
        }
    }

    /// Sends one request through the rate-limited writer: at most `maxMessagesPerSecond` in any
    /// rolling second, measured after each write returns, so a gateway that counts messages on
    /// arrival never sees more, however busy this process is. Order messages go before queued data requests.
    public func send(_ request: TWSRequest) async throws {
        let frame = try request.frame()
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            writer.enqueue([{ [self] in
                do { try connection().write(frame); c.resume() } catch { c.resume(throwing: error) }
            }], priority: Self.priority(of: request))
        }
    }

    /// Queues several requests back to back in one lane (the order lane when any of them is an order
    /// message), synchronously: requests queued by one call keep their order against every later call
    /// in that lane, which is what increasing order ids need. They leave together while the rolling
    /// second has room (a bracket's legs are not spaced).
    /// With `epoch`, they are written only on that connection: if it dropped meanwhile, none is
    /// written to the next one (its order ids belong to the old connection).
    /// `done` gets the first write error, or nil when all were written.
    public func enqueue(_ requests: [TWSRequest], epoch: Int? = nil, done: @escaping @Sendable ((any Error)?) -> Void) {
        let frames: [Data]
        do { frames = try requests.map { try $0.frame() } } catch { done(error); return }
        let failed = Mutex(false)
        let priority: MessagePriority = requests.contains { Self.priority(of: $0) == .order } ? .order : .data
        let jobs: [@Sendable () -> Void] = frames.enumerated().map { i, frame in
            { [self] in
                guard !failed.withLock({ $0 }) else { return }
                do {
                    let c = try connection()
                    if let epoch, self.epoch != epoch {
                        throw GatewayError("the IB connection \(epoch) these requests were prepared for is gone (now \(self.epoch))")
                    }
                    try c.write(frame)
                    if i == frames.count - 1 { done(nil) }
                } catch {
                    failed.withLock { $0 = true }
                    done(error)
                }
            }
        }
        writer.enqueue(jobs, priority: priority)
    }

    public func takeOrderId() throws -> Int { try connection().takeOrderId() }

    /// Reconnects after every drop until shutdown; `onConnected(epoch)` after each success.
    public func keepAlive(logger: Logger, onConnected: @escaping @Sendable (Int) async -> Void) async {
        for await why in downs.stream {
            logger.error("gateway.connection_lost", metadata: ["reason": "\(why)", "ib": "\(host):\(port)"])
            var delay = min(0.5, maxBackoff)
            var attempt = 0
            while !Task.isCancelled && !stopping.withLock({ $0 }) {
                attempt += 1
                do {
                    let epoch = try connect()
                    logger.notice("gateway.reconnected", metadata: ["attempt": "\(attempt)", "epoch": "\(epoch)"])
                    await onConnected(epoch)
                    break
                } catch {
                    logger.warning("gateway.reconnect_failed", metadata: ["attempt": "\(attempt)", "error": "\(error)", "retry_in_s": "\(delay)"])
                    try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                    delay = min(delay * 2, maxBackoff)
                }
            }
            if Task.isCancelled || stopping.withLock({ $0 }) { return }
        }
    }

    /// Closes the connection for good (no reconnect).
    public func close() {
        stopping.withLock { $0 = true }
        downs.continuation.finish()
        current.withLock { c in c?.close(); c = nil }
    }
}
