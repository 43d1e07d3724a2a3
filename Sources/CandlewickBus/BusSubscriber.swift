import CandlewickCore
import Foundation
import Logging
import Synchronization

/// What a subscriber sees: a valid message, a refused frame, or a hole in a source's sequence.
public enum SubscriberEvent: Sendable {
    case message(BusMessage)
    case rejected(BusRejection)
    case gap(source: String, expected: UInt64, got: UInt64, missing: UInt64)
}

/// Counters a subscriber keeps; readable at any time from any thread.
public struct SubscriberStats: Sendable, Hashable {
    public var accepted = 0
    public var rejected: [RejectionReason: Int] = [:]
    public var gaps = 0
    public var missing: UInt64 = 0

    /// All rejected frames, whatever the reason.
    public var rejectedTotal: Int { rejected.values.reduce(0, +) }
}

/// Decodes and validates inbound frames, counts and logs what it refuses, and detects sequence gaps.
/// A bad frame never stops the stream: it becomes a `.rejected` event and the next frame is read.
public final class BusSubscriber: Sendable {
    private let source: AsyncStream<[Data]>
    private let codec: FrameCodec
    private let logger: Logger
    private let detectGaps: Bool
    private let state = Mutex((stats: SubscriberStats(), tracker: SequenceTracker()))

    /// - Parameter detectGaps: false for a subscriber to some of a publisher's topics only (e.g.
    ///   `heartbeat`): a publisher numbers all its messages in one sequence, so the ones filtered out
    ///   would look like gaps.
    public init(source: AsyncStream<[Data]>, codec: FrameCodec = FrameCodec(), logger: Logger, detectGaps: Bool = true) {
        self.source = source
        self.codec = codec
        self.logger = logger
        self.detectGaps = detectGaps
    }

    /// A snapshot of the counters.
    public var stats: SubscriberStats { state.withLock { $0.stats } }

    /// The events, in arrival order. Iterate once.
    ///
    /// Frames are decoded in the task that iterates, when it asks for the next event: a message
    /// crosses one stream (socket thread → consumer), not a second one through a decoding task.
    public func events() -> AsyncStream<SubscriberEvent> {
        let pump = DecodePump(source: source)
        return AsyncStream(unfolding: { await pump.next(self) })
    }

    /// Only the valid messages (rejections and gaps are still counted and logged), decoded like
    /// `events()` in the iterating task.
    public func messages() -> AsyncStream<BusMessage> {
        let pump = DecodePump(source: source)
        return AsyncStream(unfolding: {
            while let event = await pump.next(self) {
                if case .message(let m) = event { return m }
            }
            return nil
        })
    }

    /// Decodes one message and updates the counters. Exposed for tests and for synchronous consumers.
    public func process(_ frames: [Data], decoder: JSONDecoder) -> [SubscriberEvent] {
        do {
            let message = try codec.decode(frames, decoder: decoder)
            BusMetrics.received.increment(message.header.type)
            let observation = state.withLock { s -> SequenceObservation? in
                s.stats.accepted += 1
                guard detectGaps else { return nil }
                let o = s.tracker.observe(source: message.header.source, seq: message.header.seq)
                if case .gap(_, _, let missing) = o {
                    s.stats.gaps += 1
                    s.stats.missing += missing
                }
                return o
            }
            if case .gap(let expected, let got, let missing)? = observation {
                BusMetrics.gaps.increment()
                logger.warning("bus.sequence_gap", metadata: [
                    "msg.source": "\(message.header.source)", "seq.expected": "\(expected)", "seq.got": "\(got)",
                    "seq.missing": "\(missing)",
                ])
                return [.gap(source: message.header.source, expected: expected, got: got, missing: missing), .message(message)]
            }
            return [.message(message)]
        } catch let rejection as BusRejection {
            reject(rejection)
            return [.rejected(rejection)]
        } catch {
            let rejection = BusRejection(.notEnvelope, "\(error)")
            reject(rejection)
            return [.rejected(rejection)]
        }
    }

    private func reject(_ rejection: BusRejection) {
        state.withLock { $0.stats.rejected[rejection.reason, default: 0] += 1 }
        BusMetrics.rejected.increment(rejection.reason.rawValue)
        logger.warning("bus.rejected", metadata: [
            "reject.reason": "\(rejection.reason.rawValue)", "reject.detail": "\(rejection.detail.prefix(300))",
        ])
    }
}

/// The iteration state of one `events()`/`messages()` stream: the source's iterator and the events
/// of the last frames not yet handed out (a gap comes with its message).
///
/// `@unchecked Sendable`: an `AsyncStream` is iterated by one task at a time ("iterate once"), and
/// only that task's `next()` calls reach this state, one after another.
private final class DecodePump: @unchecked Sendable {
    private var iterator: AsyncStream<[Data]>.AsyncIterator
    private var pending: [SubscriberEvent] = []
    private var head = 0
    private let decoder = CandlewickJSON.decoder()

    init(source: AsyncStream<[Data]>) { iterator = source.makeAsyncIterator() }

    func next(_ subscriber: BusSubscriber) async -> SubscriberEvent? {
        while head == pending.count {
            guard let frames = await iterator.next() else { return nil }
            pending = subscriber.process(frames, decoder: decoder)
            head = 0
        }
        defer { head += 1 }
        return pending[head]
    }
}
