import CandlewickBus
import CandlewickRuntime
import Metrics

/// The console's own series (docs/metrics.md), beside the bus counters every process has, and where its own
/// exposition comes from. Make it after `MetricsSystem` is bootstrapped (`ProcessContext` does that); before, or
/// in a test without it, the handles count nothing.
public final class ConsoleMetrics: Sendable {
    /// The console's instance name: the key of its own exposition in the merge.
    public let instance: String
    /// This process's exposition (`ProcessMetrics.exposition` in the console; a fixed text in a test).
    let exposition: @Sendable () -> String?
    /// `candlewick_console_pages_connected`: pages with an open event stream, sampled at each scrape.
    let pages = Gauge(label: "candlewick_console_pages_connected")
    /// `candlewick_console_logins_total{outcome}`: `accepted`, `refused` (wrong credential) or `disabled` (none configured).
    let logins = LabelledCounters("candlewick_console_logins_total", labels: ["outcome"])
    /// `candlewick_console_operator_actions_total{action,outcome}`: each `/command`, by action (`unknown` for one not
    /// offered) and outcome: `done` (order-router did it), `router_refused` (it answered with a refusal), `refused`
    /// (the console refused: no session, CSRF, unconfirmed, unknown action, no operator key) or `failed` (no answer).
    let actions = LabelledCounters("candlewick_console_operator_actions_total", labels: ["action", "outcome"])

    /// - Parameters:
    ///   - instance: the console's instance name (`candlewick-console.<pid>`).
    ///   - exposition: the console's own Prometheus text; nil leaves it out.
    public init(instance: String, exposition: @escaping @Sendable () -> String? = { ProcessMetrics.exposition() }) {
        self.instance = instance
        self.exposition = exposition
    }
}
