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
    public func events() -> AsyncStream<SubscriberEvent> {
        let source = self.source
        return AsyncStream { continuation in
            let task = Task {
                let decoder = CandlewickJSON.decoder()
                for await frames in source {
                    for event in self.process(frames, decoder: decoder) { continuation.yield(event) }
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Only the valid messages (rejections and gaps are still counted and logged).
    public func messages() -> AsyncStream<BusMessage> {
        let events = self.events()
        return AsyncStream { continuation in
            let task = Task {
                for await event in events { if case .message(let m) = event { continuation.yield(m) } }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// Decodes one message and updates the counters. Exposed for tests and for synchronous consumers.
    public func process(_ frames: [Data], decoder: JSONDecoder) -> [SubscriberEvent] {
        do {
            let message = try codec.decode(frames, decoder: decoder)
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
        logger.warning("bus.rejected", metadata: [
            "reject.reason": "\(rejection.reason.rawValue)", "reject.detail": "\(rejection.detail.prefix(300))",
        ])
    }
}
