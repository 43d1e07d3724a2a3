import CandlewickCore
import CandlewickRun

/// A run's symbols counted by action, by confidence and by order-router's outcome, plus the denials and rejections
/// by reason code and the symbols whose entry filled: the figures at the top of report.html and under `totals` in
/// summary.json. Every list is in a fixed order (never a dictionary's), so the same run gives the same bytes.
struct RunCounts {
    /// The router column's value for a symbol the run did not send to order-router (not actionable, refused, shadow
    /// mode, `--no-orders`) or for which it had no final answer.
    static let notSent = "not sent"
    static let actions = SignalAction.allCases.map(\.rawValue)
    static let confidences = SignalConfidence.allCases.map(\.rawValue)
    static let routerOutcomes = ["placed", "duplicate", "denied", "rejected", "pending", "unknown", notSent]

    let byAction: [String: Int]
    let byConfidence: [String: Int]
    let byRouterOutcome: [String: Int]
    /// Denied or rejected symbols by the router's reason code, sorted by code.
    let byReason: [(code: String, count: Int)]
    let filled: Int

    init(_ summary: RunSummary) {
        func count(_ keys: [String], _ all: [String]) -> [String: Int] {
            Dictionary(uniqueKeysWithValues: all.map { k in (k, keys.filter { $0 == k }.count) })
        }
        let signals = summary.signals.map(\.signal)
        let outcomes = signals.map { summary.orders?.outcome($0.symbol) }
        byAction = count(signals.map(\.action.rawValue), Self.actions)
        byConfidence = count(signals.map(\.confidence.rawValue), Self.confidences)
        byRouterOutcome = count(outcomes.map(Self.routerLabel), Self.routerOutcomes)
        let reasons = outcomes.compactMap { o in o.flatMap { $0.outcome == .denied || $0.outcome == .rejected ? $0.note?.code.rawValue : nil } }
        byReason = Set(reasons).sorted().map { code in (code, reasons.filter { $0 == code }.count) }
        filled = outcomes.filter { $0?.filled ?? false }.count
    }

    /// The router column's value for a symbol: the outcome's name, or `notSent`.
    static func routerLabel(_ o: SymbolOrderOutcome?) -> String { o?.outcome.rawValue ?? notSent }
}
