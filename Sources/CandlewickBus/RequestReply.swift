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
    private let decoder: BusSubscriber
    private let security: BusSecurity?
    /// The endpoint as configured (the name both ends' security agrees on).
    private let configuredEndpoint: String
    /// The bound endpoint (wildcard ports resolved), or the in-memory channel's name.
    public let endpoint: String

    /// Binds a ROUTER socket at `endpoint` (secured when `options.security` is set).
    public convenience init(bind endpoint: String, source: String, options: SocketOptions = SocketOptions(),
                            codec: FrameCodec = FrameCodec(), logger: Logger) throws {
        let loop = try SocketLoop(.router, bind: [endpoint], options: options, name: "router", peerMetadata: options.security != nil)
        self.init(channel: loop, endpoint: loop.endpoint, source: source, codec: codec, logger: logger,
                  security: options.security, configuredEndpoint: endpoint)
    }

    /// Serves over `channel`, whose inbound messages start with the requester's identity frame and
    /// whose outbound messages are routed by it (a ROUTER socket, or its in-memory twin). With
    /// `security`, each inbound message starts with a peer-metadata frame before the identity.
    public init(channel: any FrameChannel, endpoint: String, source: String, codec: FrameCodec = FrameCodec(), logger: Logger,
                security: BusSecurity? = nil, configuredEndpoint: String? = nil) {
        loop = channel
        self.endpoint = endpoint
        self.security = security
        self.configuredEndpoint = configuredEndpoint ?? endpoint
        publisher = BusPublisher(source: source, sink: channel, codec: codec)
        decoder = BusSubscriber(source: AsyncStream { $0.finish() }, codec: codec, logger: logger)
    }

    /// Counters of refused requests.
    public var stats: SubscriberStats { decoder.stats }

    /// Valid requests in arrival order. Iterate once.
    public func requests() -> AsyncStream<IncomingRequest> {
        let (incoming, decoder, security, endpoint) = (loop.incoming, self.decoder, self.security, configuredEndpoint)
        return AsyncStream { continuation in
            let task = Task {
                let json = CandlewickJSON.decoder()
                for await all in incoming {
                    var frames = all[...]
                    var userId: String?, keyId: String?
                    if security != nil, let meta = frames.popFirst() {
                        let parts = String(decoding: meta, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                        userId = parts.first.map(String.init).flatMap { $0.isEmpty ? nil : $0 }
                        keyId = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil
                    }
                    guard let peer = frames.popFirst() else { continue }
                    for case .message(let m) in decoder.process(Array(frames), decoder: json) {
                        if let security, !security.authorize(m, endpoint: endpoint, userId: userId, keyId: keyId) { continue }
                        continuation.yield(IncomingRequest(message: m, peer: peer, role: userId.flatMap(BusRole.init(rawValue:))))
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
        // The deadline travels as the envelope's expiry: a server refuses the request after it.
        let expires = Date().addingTimeInterval(Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { c in
                waiting.withLock { $0[id] = c }
                // Cancelled before the continuation was registered: the handler found nothing to resume.
                if Task.isCancelled {
                    waiting.withLock { $0.removeValue(forKey: id) }?.resume(throwing: CancellationError())
                    return
                }
                do {
                    try publisher.stamp(payload, id: id, runId: runId, causationId: nil, attachments: [], expires: expires, deliver: loop.send)
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
