import CandlewickBus
import CandlewickRuntime
import Metrics
import Synchronization

/// llm-worker's metrics (docs/metrics.md): analyses by provider and outcome, the model's latency, tokens
/// and cost. Made once per service; `record` is one call per analysis.
final class LLMMetrics: Sendable {
    let jobs = JobMetrics(stage: "analysis")
    /// `candlewick_llm_requests_total{provider,outcome}`: outcome `accepted`, `refused` (the answer failed a
    /// check and became HOLD) or `cached`.
    let requests = LabelledCounters("candlewick_llm_requests_total", labels: ["provider", "outcome"])
    /// `candlewick_llm_tokens_total{provider,kind}`: kind `input`, `output` or `image`.
    let tokens = LabelledCounters("candlewick_llm_tokens_total", labels: ["provider", "kind"])
    /// `candlewick_llm_cost_usd_total{provider}`: priced cost of the answers.
    let cost = LabelledFloatCounters("candlewick_llm_cost_usd_total", labels: ["provider"])
    /// `candlewick_llm_request_duration_seconds{provider}` histogram: time to an answer (model providers only).
    private let latency = Mutex<[String: Timer]>([:])

    /// Counts one finished analysis.
    func record(_ report: AnalysisReport) {
        let provider = report.outcome.signal.provider ?? "none"
        let outcome = report.cached ? "cached" : report.outcome.accepted ? "accepted" : "refused"
        requests.increment(provider, outcome)
        if report.usage.inputTokens > 0 { tokens.increment(provider, "input", by: Int64(report.usage.inputTokens)) }
        if report.usage.outputTokens > 0 { tokens.increment(provider, "output", by: Int64(report.usage.outputTokens)) }
        if let image = report.usage.imageTokens, image > 0 { tokens.increment(provider, "image", by: Int64(image)) }
        if let usd = report.costUSD { cost.increment(provider, by: usd) }
        guard report.attempts > 0, !report.cached, report.latencyMs.isFinite, report.latencyMs >= 0 else { return }
        let timer = latency.withLock { timers in
            if let t = timers[provider] { return t }
            let t = Timer(label: "candlewick_llm_request_duration_seconds", dimensions: [("provider", provider)])
            timers[provider] = t
            return t
        }
        timer.recordNanoseconds(Int64(report.latencyMs * 1_000_000))
    }
}
