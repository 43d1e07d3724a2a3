import CandlewickBus
import Metrics

/// The run owner's metrics (docs/metrics.md): jobs sent and re-issued per stage, signals submitted to
/// order-router, and each stage's queue (jobs leased out and waiting), sampled as the run's clock ticks.
final class RunMetrics: Sendable {
    /// `candlewick_run_jobs_sent_total{stage}`: jobs handed to a work queue (first attempts and re-issues).
    let sent = LabelledCounters("candlewick_run_jobs_sent_total", labels: ["stage"])
    /// `candlewick_run_leases_reissued_total{stage}`: jobs sent again because their lease expired.
    let reissued = LabelledCounters("candlewick_run_leases_reissued_total", labels: ["stage"])
    /// `candlewick_run_signals_submitted_total`: signals sent to order-router.
    let submitted = Counter(label: "candlewick_run_signals_submitted_total")
    /// `candlewick_run_queue_depth{stage,state}`: state `leased` (out at a worker) or `waiting` (not sent yet).
    let depth = LabelledGauges("candlewick_run_queue_depth", labels: ["stage", "state"])

    /// Sets the queue gauges from the pipeline.
    func sample(_ pipeline: RunPipeline) {
        depth.set("charts", "leased", to: Double(pipeline.charts.leased))
        depth.set("charts", "waiting", to: Double(pipeline.charts.outstanding - pipeline.charts.leased))
        depth.set("analysis", "leased", to: Double(pipeline.analyses.leased))
        depth.set("analysis", "waiting", to: Double(pipeline.analyses.outstanding - pipeline.analyses.leased))
    }
}
