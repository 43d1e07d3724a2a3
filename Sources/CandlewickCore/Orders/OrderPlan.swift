import Foundation

/// What a leg of a plan is for.
public enum LegRole: String, Sendable, Hashable, Codable, CaseIterable {
    /// The bracket's entry (parent).
    case entry
    /// The bracket's take-profit limit (child).
    case takeProfit = "take_profit"
    /// The bracket's stop-loss stop (child).
    case stopLoss = "stop_loss"
    /// A single order that closes or reduces a position.
    case exit

    /// The suffix of the leg's `orderRef`.
    public var refSuffix: String {
        switch self {
        case .entry: "E"
        case .takeProfit: "TP"
        case .stopLoss: "SL"
        case .exit: "X"
        }
    }
}

/// One order of a plan, as it goes to the broker.
public struct PlannedLeg: Sendable, Hashable, Codable {
    public let role: LegRole
    /// `<intent id>-<suffix>`: the `orderRef` at IB.
    public let orderRef: String
    public let side: OrderSide
    public let orderType: OrderType
    public let quantity: Decimal
    public let limitPrice: Decimal?
    public let stopPrice: Decimal?
    public let tif: TimeInForce
    public let outsideRth: Bool

    public init(role: LegRole, orderRef: String, side: OrderSide, orderType: OrderType, quantity: Decimal, limitPrice: Decimal? = nil,
                stopPrice: Decimal? = nil, tif: TimeInForce, outsideRth: Bool) {
        self.role = role
        self.orderRef = orderRef
        self.side = side
        self.orderType = orderType
        self.quantity = quantity
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.tif = tif
        self.outsideRth = outsideRth
    }

    enum CodingKeys: String, CodingKey {
        case role, side, quantity, tif
        case orderRef = "order_ref", orderType = "order_type", limitPrice = "limit_price", stopPrice = "stop_price", outsideRth = "outside_rth"
    }
}

/// The orders for one intent: a bracket (entry + take-profit + stop-loss, children in one OCA group)
/// or a single exit. Sent to gateway-bridge as `order.place`.
///
/// Rules: `intent_id`, `run_id`, `signal_id` non-empty; notional ≥ 0; legs non-empty; every leg's
/// ref is `<intent id>-<role suffix>`; quantity > 0; limit (stop) price present and > 0 exactly for
/// LIMIT/STOP_LIMIT (STOP/STOP_LIMIT) legs; a bracket is entry, take-profit, stop-loss in that order,
/// children on the opposite side with the entry's quantity and an OCA group; a single leg is an exit.
public struct OrderPlan: BusPayload, Hashable {
    public static let messageType = "order.place"

    public let intentId: String
    public let runId: String
    public let symbol: String
    public let signalId: String
    public let legs: [PlannedLeg]
    /// The OCA group of a bracket's children (the intent id); nil for a single exit.
    public let ocaGroup: String?
    /// Account the orders go to ("" = the gateway's only account).
    public let account: String
    /// Entry price × quantity (the reference price for market entries).
    public let notional: Decimal
    /// Whether the plan opens or adds to a position (false: it closes or reduces one).
    public let opening: Bool
    /// When the router received the signal (wall clock, for the signal → socket latency).
    public let receivedAt: Date

    public init(intentId: String, runId: String, symbol: String, signalId: String, legs: [PlannedLeg], ocaGroup: String?, account: String,
                notional: Decimal, opening: Bool, receivedAt: Date) throws {
        let v = Validator("OrderPlan")
        try v.nonEmpty(intentId, "intent_id")
        try v.nonEmpty(runId, "run_id")
        try v.nonEmpty(signalId, "signal_id")
        try SymbolRule.validate(symbol, model: "OrderPlan")
        try v.nonNegative(notional, "notional")
        try v.require(!legs.isEmpty, "legs", "must not be empty")
        for (i, leg) in legs.enumerated() {
            let ref = IntentId.ref(intentId, leg.role)
            try v.require(leg.orderRef == ref, "legs[\(i)].order_ref", "must be \(ref) (intent id and role), got \(leg.orderRef)")
            try v.positive(leg.quantity, "legs[\(i)].quantity")
            let needsLimit = leg.orderType == .limit || leg.orderType == .stopLimit
            let needsStop = leg.orderType == .stop || leg.orderType == .stopLimit
            try v.require(needsLimit == (leg.limitPrice != nil), "legs[\(i)].limit_price",
                          needsLimit ? "is required for a \(leg.orderType.rawValue) order" : "must be absent for a \(leg.orderType.rawValue) order")
            try v.require(needsStop == (leg.stopPrice != nil), "legs[\(i)].stop_price",
                          needsStop ? "is required for a \(leg.orderType.rawValue) order" : "must be absent for a \(leg.orderType.rawValue) order")
            if let p = leg.limitPrice { try v.positive(p, "legs[\(i)].limit_price") }
            if let p = leg.stopPrice { try v.positive(p, "legs[\(i)].stop_price") }
        }
        if legs.count > 1 {
            try v.require(legs.map(\.role) == [.entry, .takeProfit, .stopLoss], "legs", "a bracket is entry, take_profit, stop_loss")
            for (i, child) in legs.enumerated().dropFirst() {
                try v.require(child.side == legs[0].side.opposite, "legs[\(i)].side", "a bracket's child must be \(legs[0].side.opposite.rawValue)")
                try v.require(child.quantity == legs[0].quantity, "legs[\(i)].quantity", "must equal the entry's \(legs[0].quantity)")
            }
            try v.require(!(ocaGroup ?? "").isEmpty, "oca_group", "a bracket's children need an OCA group")
        } else {
            try v.require(legs[0].role == .exit, "legs[0].role", "a single order is an exit (an entry comes with its take-profit and stop-loss)")
        }
        self.intentId = intentId
        self.runId = runId
        self.symbol = symbol
        self.signalId = signalId
        self.legs = legs
        self.ocaGroup = ocaGroup
        self.account = account
        self.notional = notional
        self.opening = opening
        self.receivedAt = receivedAt
    }

    /// Whether the plan is a bracket.
    public var isBracket: Bool { legs.count == 3 }
    /// The entry (or the single exit).
    public var firstLeg: PlannedLeg { legs[0] }
    /// The quantity of the entry or exit.
    public var quantity: Decimal { legs[0].quantity }

    enum CodingKeys: String, CodingKey {
        case symbol, legs, account, notional, opening
        case intentId = "intent_id", runId = "run_id", signalId = "signal_id", ocaGroup = "oca_group", receivedAt = "received_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(intentId: c.decode(String.self, forKey: .intentId), runId: c.decode(String.self, forKey: .runId),
                      symbol: c.decode(String.self, forKey: .symbol), signalId: c.decode(String.self, forKey: .signalId),
                      legs: c.decode([PlannedLeg].self, forKey: .legs), ocaGroup: c.decodeIfPresent(String.self, forKey: .ocaGroup),
                      account: c.decodeIfPresent(String.self, forKey: .account) ?? "", notional: c.decode(Decimal.self, forKey: .notional),
                      opening: c.decode(Bool.self, forKey: .opening), receivedAt: c.decode(Date.self, forKey: .receivedAt))
    }
}

/// Deterministic intent ids: the same run, symbol and signal always give the same id, so a signal
/// delivered twice, or replayed after a restart, maps to the intent already journaled.
public enum IntentId {
    /// `cw-` + the first 20 hex digits of SHA-256(run | symbol | signal id).
    public static func make(runId: String, symbol: String, signalId: String) -> String {
        "cw-" + SHA256Digest.hex(of: "\(runId)|\(symbol)|\(signalId)").prefix(20)
    }

    /// The `orderRef` of one leg.
    public static func ref(_ intentId: String, _ role: LegRole) -> String { "\(intentId)-\(role.refSuffix)" }

    /// The intent id an `orderRef` belongs to (nil when it is not one of ours).
    public static func intent(ofRef ref: String) -> String? {
        guard ref.hasPrefix("cw-"), let dash = ref.lastIndex(of: "-"), dash > ref.index(ref.startIndex, offsetBy: 2) else { return nil }
        let suffix = ref[ref.index(after: dash)...]
        return LegRole.allCases.contains { $0.refSuffix == suffix } ? String(ref[..<dash]) : nil
    }
}
