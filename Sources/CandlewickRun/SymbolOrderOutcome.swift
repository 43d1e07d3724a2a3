import CandlewickCore
import Foundation

/// What became of one symbol's signal at order-router and the broker, as the run owner knows it: the router's final
/// decision (its outcome, the reason code and detail of a denial or rejection, the clamps), the planned quantity,
/// whether the broker's closing snapshot showed every leg, and the entry's fill (quantity and average price) when
/// the snapshot reported one. Built from `RunOrders`; a symbol without a decision (never sent) has none.
public struct SymbolOrderOutcome: Sendable, Hashable {
    public let intentId: String
    public let outcome: RouterDecision.Outcome
    /// Why it was denied or rejected (or what the router noted), nil when it said nothing.
    public let note: RiskNote?
    /// Changes the gate made to the order (e.g. a clamped quantity).
    public let clamps: [RiskNote]
    /// The entry leg's quantity as planned (nil without a plan: denied, rejected before planning).
    public let quantity: Decimal?
    /// Whether the closing snapshot showed every leg at IB: nil without a snapshot, or when nothing was sent.
    public let confirmedAtIB: Bool?
    /// Shares of the entry filled, and their average price (nil when the snapshot reported no fill).
    public let filledQuantity: Decimal?
    public let fillPrice: Decimal?

    /// Whether the entry filled (fully or partly).
    public var filled: Bool { filledQuantity.map { $0 > 0 } ?? false }
}

extension RunOrders {
    /// The router's decision on `symbol` and what the broker made of it; nil when the run sent it no signal or had
    /// no final answer.
    public func outcome(_ symbol: String) -> SymbolOrderOutcome? {
        guard let d = decisions[symbol] else { return nil }
        let sent = d.outcome == .placed || d.outcome == .duplicate
        let fill = sent ? fills[symbol] : nil
        return SymbolOrderOutcome(
            intentId: d.intentId, outcome: d.outcome, note: d.note, clamps: d.clamps, quantity: d.plan?.quantity,
            confirmedAtIB: sent ? confirmed.map { $0.contains(symbol) } : nil,
            filledQuantity: fill?.totalQuantity, fillPrice: fill?.averagePrice)
    }
}
