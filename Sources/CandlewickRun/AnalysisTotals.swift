import CandlewickCore

/// A run's model totals: spend, refusals, shadow mode — for the summary and the tracker
/// (`total_cost_usd`, `total_refusal_rate`, … in MLflow).
public struct AnalysisTotals: Sendable {
    /// Model spend of the run in USD (analyses without a price count 0; see `unpriced`).
    public let costUSD: Double
    /// Analyses whose model has no price in `llm.prices` (their cost is unknown, not 0).
    public let unpriced: Int
    /// Analyses with at least one refusal reason.
    public let refused: Int
    /// Refused answers / analyses (0 when there were none).
    public let refusalRate: Double
    /// Refusals per rule id (the prefix of each reason).
    public let refusalsByRule: [String: Int]
    /// Any analysis made in shadow mode (recorded, never submitted).
    public let shadow: Bool

    public init(_ signals: [AnalysisResult]) {
        costUSD = signals.compactMap(\.costUsd).reduce(0, +)
        unpriced = signals.filter { $0.costUsd == nil }.count
        refused = signals.filter { !$0.reasons.isEmpty }.count
        refusalRate = signals.isEmpty ? 0 : Double(refused) / Double(signals.count)
        refusalsByRule = signals.flatMap(\.reasons).reduce(into: [:]) { $0[String($1.prefix { $0 != ":" }), default: 0] += 1 }
        shadow = signals.contains(where: \.shadow)
    }

    /// The totals the tracker logs with the parent run.
    public var tracked: [String: Double] {
        ["cost_usd": costUSD, "refusal_rate": refusalRate, "refused": Double(refused), "unpriced_analyses": Double(unpriced),
         "shadow": shadow ? 1 : 0]
    }
}
