import CandlewickCore
import CandlewickTWS

/// An `OrderPlan` as the TWS orders that place it. Pure: the plan, its qualified contract and one IB
/// order id per leg (taken in leg order) give the requests to write, in that order.
///
/// A bracket is entry + take-profit + stop-loss: the children point at the entry (`parentId`), share
/// the plan's OCA group with `ocaType` 1 (a fill of one cancels the other), and only the last leg
/// transmits, so IB activates all three together and never works a parent without its protection.
/// A single order (an exit) stands alone and transmits itself.
public enum BracketMapping {
    /// The requests for `plan`; `orderIds` must hold one id per leg.
    public static func requests(for plan: OrderPlan, contract: TWSContract, orderIds: [Int]) -> [TWSPlaceOrder] {
        precondition(orderIds.count == plan.legs.count, "one IB order id per leg")
        let parent = zip(plan.legs, orderIds).first { $0.0.role == .entry }?.1 ?? 0
        return zip(plan.legs, orderIds).enumerated().map { i, pair in
            let (leg, id) = pair
            let child = leg.role == .takeProfit || leg.role == .stopLoss
            let order = TWSOrder(action: leg.side.rawValue, totalQuantity: leg.quantity, orderType: ibType(leg.orderType),
                                 lmtPrice: leg.limitPrice.flatMap { Double("\($0)") }, auxPrice: leg.stopPrice.flatMap { Double("\($0)") },
                                 tif: leg.tif.rawValue, ocaGroup: child ? (plan.ocaGroup ?? "") : "", ocaType: child ? 1 : 0,
                                 account: plan.account, orderRef: leg.orderRef, transmit: i == plan.legs.count - 1,
                                 parentId: child ? parent : 0, outsideRth: leg.outsideRth)
            return TWSPlaceOrder(orderId: id, contract: contract, order: order)
        }
    }

    /// IB's order type code.
    public static func ibType(_ t: OrderType) -> String {
        switch t {
        case .market: "MKT"
        case .limit: "LMT"
        case .stop: "STP"
        case .stopLimit: "STP LMT"
        }
    }
}
