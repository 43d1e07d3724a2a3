import CandlewickCore
import Foundation
import Logging
import Synchronization

/// A request received by a `RequestServer`, with the identity needed to answer it.
public struct IncomingRequest: Sendable {
    public let message: BusMessage
    /// The ROUTER identity of the requesting DEALER.
    let peer: Data
}

/// The answering side of DEALER/ROUTER commands (e.g. gateway-bridge serving market data).
/// It binds; clients connect. Requests arrive on `requests()`; `reply(to:with:)` answers with an
/// envelope whose `causation_id` is the request's id. Malformed requests are counted and logged.
public final class RequestServer: Sendable {
    private let loop: any FrameChannel
    private let publisher: BusPublisher
    private let decoder: BusSubscriber
    /// The bound endpoint (wildcard ports resolved), or the in-memory channel's name.
    public let endpoint: String

    /// Binds a ROUTER socket at `endpoint`.
    public convenience init(bind endpoint: String, source: String, options: SocketOptions = SocketOptions(),
                            codec: FrameCodec = FrameCodec(), logger: Logger) throws {
        let loop = try SocketLoop(.router, bind: [endpoint], options: options, name: "router")
        self.init(channel: loop, endpoint: loop.endpoint, source: source, codec: codec, logger: logger)
    }

    /// Serves over `channel`, whose inbound messages start with the requester's identity frame and
    /// whose outbound messages are routed by it (a ROUTER socket, or its in-memory twin).
    public init(channel: any FrameChannel, endpoint: String, source: String, codec: FrameCodec = FrameCodec(), logger: Logger) {
        loop = channel
        self.endpoint = endpoint
        publisher = BusPublisher(source: source, sink: channel, codec: codec)
        decoder = BusSubscriber(source: AsyncStream { $0.finish() }, codec: codec, logger: logger)
    }

    /// Counters of refused requests.
    public var stats: SubscriberStats { decoder.stats }

    /// Valid requests in arrival order. Iterate once.
    public func requests() -> AsyncStream<IncomingRequest> {
        let (incoming, decoder) = (loop.incoming, self.decoder)
        return AsyncStream { continuation in
            let task = Task {
                let json = CandlewickJSON.decoder()
                for await frames in incoming {
                    guard let peer = frames.first else { continue }
                    for case .message(let m) in decoder.process(Array(frames.dropFirst()), decoder: json) {
                        continuation.yield(IncomingRequest(message: m, peer: peer))
                    }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Serves every request concurrently with `handle` until the socket closes or the task is cancelled.
    public func serveConcurrently(_ handle: @escaping @Sendable (IncomingRequest) async -> Void) async {
        await withDiscardingTaskGroup { group in
            for await request in requests() {
                group.addTask { await handle(request) }
            }
        }
    }

    /// Sends `payload` back to the requester of `request`.
    public func reply<P: BusPayload>(to request: IncomingRequest, with payload: P, attachments: [Attachment] = []) throws {
        try publisher.stamp(payload, runId: request.message.header.runId, causationId: request.message.header.id,
                            attachments: attachments) { frames in try loop.send([request.peer] + frames) }
    }

    public func close() async { await loop.close() }
}

/// The asking side of DEALER/ROUTER commands, with a deadline on every request.
public final class RequestClient: Sendable {
    private let loop: any FrameChannel
    private let publisher: BusPublisher
    private let waiting = Mutex<[String: CheckedContinuation<BusMessage, any Error>]>([:])

    /// Connects a DEALER socket to `endpoint`.
    public convenience init(connect endpoint: String, source: String, options: SocketOptions = SocketOptions(),
                            codec: FrameCodec = FrameCodec(), logger: Logger) throws {
        self.init(channel: try SocketLoop(.dealer, connect: [endpoint], options: options, name: "dealer"), source: source, codec: codec,
                  logger: logger)
    }

    /// Asks over `channel` (a DEALER socket, or its in-memory twin).
    public init(channel: any FrameChannel, source: String, codec: FrameCodec = FrameCodec(), logger: Logger) {
        loop = channel
        publisher = BusPublisher(source: source, sink: channel, codec: codec)
        let events = BusSubscriber(source: channel.incoming, codec: codec, logger: logger).events()
        Task.detached { [self] in
            for await event in events {
                // A reply nobody waits for any more (it came after its deadline) is dropped here.
                guard case .message(let m) = event, let cause = m.header.causationId else { continue }
                waiting.withLock { $0.removeValue(forKey: cause) }?.resume(returning: m)
            }
            let all = self.waiting.withLock { w -> [CheckedContinuation<BusMessage, any Error>] in
                defer { w.removeAll() }
                return Array(w.values)
            }
            for c in all { c.resume(throwing: BusError("request", message: "client closed", code: "closed")) }
        }
    }

    /// Sends `payload` and waits for the reply whose `causation_id` is the request's id.
    /// Throws a `BusError` naming the type and the deadline when no reply comes in time, and
    /// `CancellationError` as soon as the waiting task is cancelled (a late reply is then dropped).
    public func request<P: BusPayload>(_ payload: P, runId: String? = nil, timeout: Duration) async throws -> BusMessage {
        let id = UUID().uuidString.lowercased()
        let timer = Task { [self] in
            try await Task.sleep(for: timeout)
            waiting.withLock { $0.removeValue(forKey: id) }?
                .resume(throwing: BusError("request \(P.messageType)", message: "no reply within \(timeout)", code: "timeout"))
        }
        defer { timer.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { c in
                waiting.withLock { $0[id] = c }
                // Cancelled before the continuation was registered: the handler found nothing to resume.
                if Task.isCancelled {
                    waiting.withLock { $0.removeValue(forKey: id) }?.resume(throwing: CancellationError())
                    return
                }
                do {
                    try publisher.stamp(payload, id: id, runId: runId, causationId: nil, attachments: [], deliver: loop.send)
                } catch {
                    waiting.withLock { $0.removeValue(forKey: id) }?.resume(throwing: error)
                }
            }
        } onCancel: {
            waiting.withLock { $0.removeValue(forKey: id) }?.resume(throwing: CancellationError())
        }
    }

    public func close() async { await loop.close() }
}
