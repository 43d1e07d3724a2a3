import CandlewickCore
import Foundation

/// What a run's orders came to: the router's decision per symbol, fills by intent, the portfolio.
public struct RunOrders: Sendable {
    public var decisions: [String: RouterDecision] = [:]
    public var fills: [String: Trade] = [:]
    public var portfolio: Portfolio?
    /// ib-paper's answer to the clock advance (demo mode).
    public var paperDay: String?

    public init() {}

    /// Gathers fills and the portfolio from a gateway snapshot.
    public mutating func absorb(_ snapshot: BrokerSnapshot) {
        portfolio = snapshot.portfolio
        for (symbol, d) in decisions where d.outcome == .placed || d.outcome == .duplicate {
            let first = d.plan?.firstLeg.orderRef
            let execs = snapshot.executions.filter { $0.orderRef == first }
            if let e = execs.first, let t = try? Trade(symbol: symbol, side: e.side, orderRef: first, executions: execs) { fills[symbol] = t }
        }
    }

    /// One word and a detail for the summary table.
    public func status(_ symbol: String) -> String {
        guard let d = decisions[symbol] else { return "" }
        switch d.outcome {
        case .placed, .duplicate:
            if let t = fills[symbol], let avg = t.averagePrice {
                return "filled \(t.totalQuantity) @ \(NSDecimalNumber(decimal: avg).doubleValue.formatted(.number.precision(.fractionLength(2))))"
            }
            return "placed \(d.plan?.quantity ?? 0)"
        case .denied, .rejected: return "\(d.outcome.rawValue): \(d.note?.code.rawValue ?? "")"
        case .pending: return "pending"
        }
    }
}
