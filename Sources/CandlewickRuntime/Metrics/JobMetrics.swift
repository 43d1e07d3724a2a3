import Metrics

/// A worker's job counters (docs/metrics.md), made once per process: `candlewick_jobs_taken_total`,
/// `candlewick_jobs_finished_total` and `candlewick_jobs_failed_total`, labelled with the `stage`.
public struct JobMetrics: Sendable {
    /// A job arrived and was accepted for work.
    public let taken: Counter
    /// A job's result went out (whatever the result says).
    public let finished: Counter
    /// A job produced no usable result (a render error, a result that could not be sent).
    public let failed: Counter

    /// - Parameter stage: `charts` or `analysis`.
    public init(stage: String) {
        taken = Counter(label: "candlewick_jobs_taken_total", dimensions: [("stage", stage)])
        finished = Counter(label: "candlewick_jobs_finished_total", dimensions: [("stage", stage)])
        failed = Counter(label: "candlewick_jobs_failed_total", dimensions: [("stage", stage)])
    }
}
