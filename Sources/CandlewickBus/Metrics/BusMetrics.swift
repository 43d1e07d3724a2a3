import CandlewickCore

/// The bus's metrics (docs/metrics.md): messages sent and received by type, frames refused by reason. The
/// publisher and the subscriber call these with one line each; the counters are made once per series.
enum BusMetrics {
    /// `candlewick_bus_messages_sent_total{type}`: envelopes stamped and handed to a socket (or an outbox).
    static let sent = LabelledCounters("candlewick_bus_messages_sent_total", labels: ["type"])
    /// `candlewick_bus_messages_received_total{type}`: envelopes decoded and accepted.
    static let received = LabelledCounters("candlewick_bus_messages_received_total", labels: ["type"])
    /// `candlewick_bus_messages_rejected_total{reason}`: frames refused (the type of a refused frame is often unknown).
    static let rejected = LabelledCounters("candlewick_bus_messages_rejected_total", labels: ["reason"])
    /// `candlewick_bus_sequence_gaps_total`: holes in a publisher's sequence.
    static let gaps = LabelledCounters("candlewick_bus_sequence_gaps_total", labels: [])
}
