import CandlewickCore
import Foundation
import Logging

/// The inbound side of a `RequestServer`: strips the peer metadata and identity frames, decodes and
/// validates the request, applies `BusSecurity`'s checks, and yields the accepted requests.
///
/// `take` runs wherever the frames arrive: on a `SocketLoop`'s own thread (so a request reaches the
/// serving task in one hop, not three) or in a task reading an in-memory channel. It never blocks
/// on the bus; refusals are counted, logged and audited by `BusSecurity` as before.
final class RequestIntake: Sendable {
    /// The accepted requests, for `RequestServer`'s one consumer.
    let queue = RequestQueue()
    private let decoder: BusSubscriber
    private let json = UncheckedBox(CandlewickJSON.decoder())
    private let security: BusSecurity?
    /// The endpoint as configured (the name both ends' security agrees on).
    private let endpoint: String

    init(codec: FrameCodec, logger: Logger, security: BusSecurity?, endpoint: String) {
        // A client may number requests to several servers in one sequence: a request's reply, not its number, is what counts.
        decoder = BusSubscriber(source: AsyncStream { $0.finish() }, codec: codec, logger: logger, detectGaps: false)
        self.security = security
        self.endpoint = endpoint
    }

    /// Counters of refused requests.
    var stats: SubscriberStats { decoder.stats }

    /// One inbound message: `[peer metadata (secured sockets only), identity, topic, envelope, …]`.
    func take(_ all: [Data]) {
        var frames = all[...]
        var userId: String?, keyId: String?
        if security != nil, let meta = frames.popFirst() {
            let parts = String(decoding: meta, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            userId = parts.first.map(String.init).flatMap { $0.isEmpty ? nil : $0 }
            keyId = parts.count > 1 && !parts[1].isEmpty ? String(parts[1]) : nil
        }
        guard let peer = frames.popFirst() else { return }
        for case .message(let m) in decoder.process(Array(frames), decoder: json.value) {
            if let security, !security.authorize(m, endpoint: endpoint, userId: userId, keyId: keyId) { continue }
            queue.push(IncomingRequest(message: m, peer: peer, role: userId.flatMap(BusRole.init(rawValue:))))
        }
    }

    /// No more requests: the socket closed.
    func finish() { queue.finish() }
}
