import CandlewickCore
import Foundation
import Logging
import Synchronization

/// A request received by a `RequestServer`, with the identity needed to answer it.
public struct IncomingRequest: Sendable {
    public let message: BusMessage
    /// The ROUTER identity of the requesting DEALER.
    let peer: Data
    /// The requester's authenticated role (the connection's ZAP User-Id), nil on an unsecured socket.
    public let role: BusRole?
}

/// The answering side of DEALER/ROUTER commands (e.g. gateway-bridge serving market data).
/// It binds; clients connect. Requests arrive on `requests()`; `reply(to:with:)` answers with an
/// envelope whose `causation_id` is the request's id. Malformed requests are counted and logged.
///
/// With `SocketOptions.security` set, every request is checked before it is handed on: the
/// connection's authenticated role against the envelope's `source` and `MessageAuthority`'s table,
/// expiry and replay (`BusSecurity.authorize`); refused requests are counted, logged with the key
/// id, audited and dropped unanswered.
public final class RequestServer: Sendable {
    private let loop: any FrameChannel
    private let publisher: BusPublisher
    private let intake: RequestIntake
    /// The bound endpoint (wildcard ports resolved), or the in-memory channel's name.
    public let endpoint: String

    /// Binds a ROUTER socket at `endpoint` (secured when `options.security` is set). Requests are
    /// decoded and checked on the socket's own thread and handed to `requests()` from there.
    public convenience init(bind endpoint: String, source: String, options: SocketOptions = SocketOptions(),
                            codec: FrameCodec = FrameCodec(), logger: Logger) throws {
        let intake = RequestIntake(codec: codec, logger: logger, security: options.security, endpoint: endpoint)
        let loop = try SocketLoop(.router, bind: [endpoint], options: options, name: "router", peerMetadata: options.security != nil,
                                  inbound: { intake.take($0) })
        self.init(channel: loop, endpoint: loop.endpoint, source: source, codec: codec, intake: intake, socketFeedsIntake: true)
    }

    /// Serves over `channel`, whose inbound messages start with the requester's identity frame and
    /// whose outbound messages are routed by it (a ROUTER socket, or its in-memory twin). With
    /// `security`, each inbound message starts with a peer-metadata frame before the identity.
    public convenience init(channel: any FrameChannel, endpoint: String, source: String, codec: FrameCodec = FrameCodec(), logger: Logger,
                            security: BusSecurity? = nil, configuredEndpoint: String? = nil) {
        let intake = RequestIntake(codec: codec, logger: logger, security: security, endpoint: configuredEndpoint ?? endpoint)
        self.init(channel: channel, endpoint: endpoint, source: source, codec: codec, intake: intake, socketFeedsIntake: false)
    }

    /// - Parameter socketFeedsIntake: the channel's own thread hands inbound messages to `intake`
    ///   (its `incoming` then only says when it closed); otherwise a task reads `incoming` into it.
    private init(channel: any FrameChannel, endpoint: String, source: String, codec: FrameCodec, intake: RequestIntake,
                 socketFeedsIntake: Bool) {
        loop = channel
        self.endpoint = endpoint
        self.intake = intake
        publisher = BusPublisher(source: source, sink: channel, codec: codec)
        let incoming = channel.incoming
        Task.detached {
            for await frames in incoming where !socketFeedsIntake { intake.take(frames) }
            intake.finish()
        }
    }

    /// Counters of refused requests.
    public var stats: SubscriberStats { intake.stats }

    /// Valid requests in arrival order. Iterate once (one consumer: this or `serveConcurrently`).
    public func requests() -> AsyncStream<IncomingRequest> {
        let queue = intake.queue
        return AsyncStream { await queue.next() }
    }

    /// Serves every request concurrently with `handle` until the socket closes or the task is cancelled.
    ///
    /// The serving tasks prefer the socket's own thread as their executor (`SocketLoop` is a
    /// `TaskExecutor`): a request decoded there resumes its handler on the same thread, and a reply
    /// sent before the handler's first suspension leaves from there, without a hop through the
    /// cooperative pool. A default actor `handle` calls runs its jobs there too while serving it (it
    /// follows the task's executor preference), so `handle` and such actors must not block: an actor
    /// whose work blocks (order-router's `OrderRouter`, which writes and fsyncs its journal) runs on a
    /// `ThreadExecutor` of its own, where it blocks neither this socket nor the pool.
    public func serveConcurrently(_ handle: @escaping @Sendable (IncomingRequest) async -> Void) async {
        await withTaskExecutorPreference(loop.executor) {
            await withDiscardingTaskGroup { group in
                while let request = await intake.queue.next() {
                    group.addTask { await handle(request) }
                }
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
    private let replies: ReplyWaiters

    /// Connects a DEALER socket to `endpoint`. Replies are decoded on the socket's own thread and
    /// resume the waiting request from there.
    public convenience init(connect endpoint: String, source: String, options: SocketOptions = SocketOptions(),
                            codec: FrameCodec = FrameCodec(), logger: Logger) throws {
        let replies = ReplyWaiters(codec: codec, logger: logger)
        let loop = try SocketLoop(.dealer, connect: [endpoint], options: options, name: "dealer", inbound: { replies.take($0) })
        self.init(channel: loop, source: source, codec: codec, replies: replies, socketFeedsReplies: true)
    }

    /// Asks over `channel` (a DEALER socket, or its in-memory twin).
    public convenience init(channel: any FrameChannel, source: String, codec: FrameCodec = FrameCodec(), logger: Logger) {
        self.init(channel: channel, source: source, codec: codec, replies: ReplyWaiters(codec: codec, logger: logger), socketFeedsReplies: false)
    }

    /// - Parameter socketFeedsReplies: the channel's own thread hands inbound messages to `replies`
    ///   (its `incoming` then only says when it closed); otherwise a task reads `incoming` into it.
    private init(channel: any FrameChannel, source: String, codec: FrameCodec, replies: ReplyWaiters, socketFeedsReplies: Bool) {
        loop = channel
        self.replies = replies
        publisher = BusPublisher(source: source, sink: channel, codec: codec)
        let incoming = channel.incoming
        Task.detached {
            for await frames in incoming where !socketFeedsReplies { replies.take(frames) }
            replies.failAll()
        }
    }

    /// The executor of the client's own socket thread (nil over an in-memory channel). Replies are
    /// decoded on that thread, so a task that prefers it (`withTaskExecutorPreference`) resumes
    /// there when its reply arrives, and sends its next request from there, without a hop through
    /// the cooperative pool: the shape of raw libzmq's client, a thread that owns its socket. While
    /// such a task runs, the socket neither sends nor receives, so it must not block and should do
    /// little between requests (`GatewayBars`' fetches only hand each decoded reply on).
    public var executor: (any TaskExecutor)? { loop.executor }

    /// Counters of the replies received (accepted, refused by reason; no gaps: see `ReplyWaiters`).
    public var stats: SubscriberStats { replies.stats }

    /// Sends `payload` and waits for the reply whose `causation_id` is the request's id.
    /// Throws a `BusError` naming the type and the deadline when no reply comes in time, and
    /// `CancellationError` as soon as the waiting task is cancelled (a late reply is then dropped).
    public func request<P: BusPayload>(_ payload: P, runId: String? = nil, timeout: Duration) async throws -> BusMessage {
        let id = MessageID.make()
        // The deadline travels as the envelope's expiry: a server refuses the request after it.
        let expires = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        return try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { c in
                replies.register(id, c, type: P.messageType, timeout: timeout)
                // Cancelled before the continuation was registered: the handler found nothing to resume.
                if Task.isCancelled {
                    replies.remove(id)?.resume(throwing: CancellationError())
                    return
                }
                do {
                    try publisher.stamp(payload, id: id, runId: runId, causationId: nil, attachments: [], expires: expires, deliver: loop.send)
                } catch {
                    replies.remove(id)?.resume(throwing: error)
                }
            }
        } onCancel: {
            replies.remove(id)?.resume(throwing: CancellationError())
        }
    }

    public func close() async { await loop.close() }
}
