/// What a subscriber concluded from one message's sequence number.
public enum SequenceObservation: Sendable, Hashable {
    /// The first message seen from this source.
    case first
    /// The next number, as expected.
    case inOrder
    /// Numbers were skipped: `missing` messages never arrived (dropped at a high-water mark, or lost
    /// while a peer reconnected).
    case gap(expected: UInt64, got: UInt64, missing: UInt64)
    /// A number at or below the last one: a duplicate, or (when `got == 1`) the source restarted.
    case restartOrDuplicate(last: UInt64, got: UInt64)
}

/// Tracks per-source sequence numbers and reports gaps. A pure value type.
public struct SequenceTracker: Sendable {
    private var last: [String: UInt64] = [:]
    /// Total messages reported missing so far.
    public private(set) var missingTotal: UInt64 = 0
    /// Number of gaps seen so far.
    public private(set) var gapCount: UInt64 = 0

    public init() {}

    /// Records `seq` from `source` and says how it relates to the previous one.
    public mutating func observe(source: String, seq: UInt64) -> SequenceObservation {
        defer { last[source] = max(seq, seq == 1 ? seq : (last[source] ?? 0)) }
        guard let previous = last[source] else { return .first }
        if seq == previous + 1 { return .inOrder }
        if seq > previous + 1 {
            let missing = seq - previous - 1
            missingTotal += missing
            gapCount += 1
            return .gap(expected: previous + 1, got: seq, missing: missing)
        }
        return .restartOrDuplicate(last: previous, got: seq)
    }

    /// The last sequence number seen from `source`.
    public func lastSeen(from source: String) -> UInt64? { last[source] }
}
