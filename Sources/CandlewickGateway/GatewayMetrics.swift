import CandlewickBus
import Metrics

/// gateway-bridge's metrics (docs/metrics.md): IB's error and notice messages by code, and the pacing
/// queue of the rate-limited writer, sampled with each heartbeat.
public enum GatewayMetrics {
    /// `candlewick_ib_errors_total{code}`: IB error messages (codes ≥ 2100 are notices such as farm status).
    static let ibErrors = LabelledCounters("candlewick_ib_errors_total", labels: ["code"])
    /// `candlewick_gateway_pacing_queue_depth`: messages waiting for room under `ib.max_messages_per_second`.
    private static let queued = Gauge(label: "candlewick_gateway_pacing_queue_depth")
    /// `candlewick_gateway_ib_messages_written`: messages written to IB since start.
    private static let written = Gauge(label: "candlewick_gateway_ib_messages_written")

    /// Sets the pacing gauges from `link` (called with each heartbeat).
    public static func sample(_ link: GatewayLink) {
        queued.record(Double(link.pacingQueueDepth))
        written.record(Double(link.messagesWritten))
    }
}
