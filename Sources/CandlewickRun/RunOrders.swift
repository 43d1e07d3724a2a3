import CandlewickCore
import Foundation

/// What a run's orders came to: the router's decision per symbol, what the broker confirmed (every
/// leg reported by IB in the closing snapshot), fills by intent, the portfolio. Brackets are counted
/// from the broker's report, never from the router's belief.
public struct RunOrders: Sendable {
    public var decisions: [String: RouterDecision] = [:]
    public var fills: [String: Trade] = [:]
    public var portfolio: Portfolio?
    /// ib-paper's answer to the clock advance (demo mode).
    public var paperDay: String?
    /// Symbols whose every leg IB reported in the closing snapshot (nil until a snapshot was absorbed).
    public var confirmed: Set<String>?
    /// Candlewick orders (`cw-…` orderRef) still working at IB in the closing snapshot that this run
    /// did not decide: earlier runs' resting legs, or orders the journal does not know (order-router's
    /// heartbeat alerts on those; see `candlewick status`). Sorted orderRefs; nil until a snapshot was absorbed.
    public var othersWorking: [String]?

    public init() {}

    /// Decisions that sent (or found) orders at IB.
    public var sent: [RouterDecision] { decisions.values.filter { $0.outcome == .placed || $0.outcome == .duplicate } }

    /// Intents whose state at IB is unknown (journaled `unknown`, alerted).
    public var unknown: [RouterDecision] { decisions.values.filter { $0.outcome == .unknown } }

    /// Gathers the broker's confirmation of every leg, fills and the portfolio from a gateway snapshot.
    public mutating func absorb(_ snapshot: BrokerSnapshot) {
        portfolio = snapshot.portfolio
        let refs = Set(snapshot.orders.filter { $0.candlewickStatus != .rejected }.map(\.orderRef))
        confirmed = Set(sent.filter { d in d.plan.map { $0.legs.allSatisfy { refs.contains($0.orderRef) } } ?? false }.map(\.symbol))
        let ours = Set(decisions.values.map(\.intentId))
        othersWorking = snapshot.orders.filter { o in
            ![.cancelled, .rejected, .filled].contains(o.candlewickStatus) && IntentId.intent(ofRef: o.orderRef).map { !ours.contains($0) } ?? false
        }.map(\.orderRef).sorted()
        for d in sent {
            let first = d.plan?.firstLeg.orderRef
            let execs = snapshot.executions.filter { $0.orderRef == first }
            if let e = execs.first, let t = try? Trade(symbol: d.symbol, side: e.side, orderRef: first, executions: execs) { fills[d.symbol] = t }
        }
    }

    /// What the summary must flag: orders the router believes in that the broker did not confirm, and
    /// intents whose state at IB is unknown.
    public var problems: [RunFailure] {
        var out: [RunFailure] = []
        for d in decisions.values.sorted(by: { $0.symbol < $1.symbol }) {
            if d.outcome == .unknown {
                out.append(RunFailure(d.symbol, "ALERT: order state unknown at IB (\(d.note?.detail ?? d.intentId)); check the account"))
            } else if let confirmed, d.outcome == .placed || d.outcome == .duplicate, !confirmed.contains(d.symbol) {
                out.append(RunFailure(d.symbol, "ALERT: order-router reported \(d.intentId) placed, but IB does not report all of its legs"))
            }
        }
        return out
    }

    /// One word and a detail for the summary table.
    public func status(_ symbol: String) -> String {
        guard let d = decisions[symbol] else { return "" }
        switch d.outcome {
        case .placed, .duplicate:
            if let confirmed, !confirmed.contains(symbol) { return "NOT CONFIRMED at IB" }
            let quantity = d.plan?.quantity ?? 0
            if let t = fills[symbol], let avg = t.averagePrice {
                let price = NSDecimalNumber(decimal: avg).doubleValue.formatted(.number.precision(.fractionLength(2)))
                return t.totalQuantity < quantity ? "partially filled \(t.totalQuantity)/\(quantity) @ \(price)" : "filled \(t.totalQuantity) @ \(price)"
            }
            return confirmed == nil ? "placed \(quantity) (unconfirmed)" : "at IB \(quantity)"
        case .denied, .rejected: return "\(d.outcome.rawValue): \(d.note?.code.rawValue ?? "")"
        case .pending: return "pending"
        case .unknown: return "UNKNOWN at IB"
        }
    }
}
