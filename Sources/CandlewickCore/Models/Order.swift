import Foundation

/// Buy or sell.
public enum OrderSide: String, Codable, Sendable, CaseIterable {
    case buy = "BUY", sell = "SELL"

    /// The other side (the side that closes a position opened on this one).
    public var opposite: OrderSide { self == .buy ? .sell : .buy }
}

/// The order types Candlewick sends.
public enum OrderType: String, Codable, Sendable, CaseIterable {
    case market = "MARKET", limit = "LIMIT", stop = "STOP", stopLimit = "STOP_LIMIT"
}

/// Time in force.
public enum TimeInForce: String, Codable, Sendable, CaseIterable {
    case day = "DAY", gtc = "GTC", ioc = "IOC", opg = "OPG"
}

/// Where an order stands.
public enum OrderStatus: String, Codable, Sendable, CaseIterable {
    case pending, submitted
    case partiallyFilled = "partially_filled"
    case filled, cancelled, rejected

    /// Filled, cancelled or rejected: nothing more will happen to the order.
    public var isTerminal: Bool { self == .filled || self == .cancelled || self == .rejected }
}

/// An order as Candlewick tracks it.
///
/// Rules: `quantity > 0`; LIMIT and STOP_LIMIT need `limit_price > 0`; STOP and STOP_LIMIT need
/// `stop_price > 0`; MARKET carries neither; `0 <= filled_quantity <= quantity`; `avg_fill_price > 0`
/// when present; `order_ref` non-empty when present.
public struct Order: Sendable, Hashable {
    public var symbol: String
    public var side: OrderSide
    public var quantity: Decimal
    public var orderType: OrderType
    public var limitPrice: Decimal?
    public var stopPrice: Decimal?
    public var tif: TimeInForce
    public var status: OrderStatus
    public var filledQuantity: Decimal
    public var avgFillPrice: Decimal?
    /// Candlewick's deterministic intent id, carried to IB as `orderRef`.
    public var orderRef: String?
    /// IB's numeric order id (never used as a key on its own: it can roll back).
    public var brokerOrderId: Int?
    /// The parent's broker order id, for bracket legs.
    public var parentId: Int?
    /// The OCA group shared by a bracket's children.
    public var ocaGroup: String?
    public var outsideRth: Bool
    public var createdAt: Date?

    public init(symbol: String, side: OrderSide, quantity: Decimal, orderType: OrderType, limitPrice: Decimal? = nil,
                stopPrice: Decimal? = nil, tif: TimeInForce = .day, status: OrderStatus = .pending,
                filledQuantity: Decimal = 0, avgFillPrice: Decimal? = nil, orderRef: String? = nil,
                brokerOrderId: Int? = nil, parentId: Int? = nil, ocaGroup: String? = nil, outsideRth: Bool = false,
                createdAt: Date? = nil) throws {
        let v = Validator("Order")
        try SymbolRule.validate(symbol, model: "Order")
        try v.positive(quantity, "quantity")
        switch orderType {
        case .limit, .stopLimit:
            try v.require(limitPrice != nil, "limit_price", "is required for \(orderType.rawValue) orders")
        case .market, .stop:
            try v.require(limitPrice == nil, "limit_price", "must be absent for \(orderType.rawValue) orders")
        }
        switch orderType {
        case .stop, .stopLimit:
            try v.require(stopPrice != nil, "stop_price", "is required for \(orderType.rawValue) orders")
        case .market, .limit:
            try v.require(stopPrice == nil, "stop_price", "must be absent for \(orderType.rawValue) orders")
        }
        try v.positive(limitPrice, "limit_price")
        try v.positive(stopPrice, "stop_price")
        try v.nonNegative(filledQuantity, "filled_quantity")
        try v.require(filledQuantity <= quantity, "filled_quantity", "must be <= quantity (\(quantity)), got \(filledQuantity)")
        try v.positive(avgFillPrice, "avg_fill_price")
        if let orderRef { try v.nonEmpty(orderRef, "order_ref") }
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.orderType = orderType
        self.limitPrice = limitPrice
        self.stopPrice = stopPrice
        self.tif = tif
        self.status = status
        self.filledQuantity = filledQuantity
        self.avgFillPrice = avgFillPrice
        self.orderRef = orderRef
        self.brokerOrderId = brokerOrderId
        self.parentId = parentId
        self.ocaGroup = ocaGroup
        self.outsideRth = outsideRth
        self.createdAt = createdAt
    }

    /// `quantity − filled_quantity`.
    public var remainingQuantity: Decimal { quantity - filledQuantity }
}

extension Order: Codable {
    enum CodingKeys: String, CodingKey {
        case symbol, side, quantity, tif, status
        case orderType = "order_type", limitPrice = "limit_price", stopPrice = "stop_price"
        case filledQuantity = "filled_quantity", avgFillPrice = "avg_fill_price", orderRef = "order_ref"
        case brokerOrderId = "broker_order_id", parentId = "parent_id", ocaGroup = "oca_group"
        case outsideRth = "outside_rth", createdAt = "created_at", remainingQuantity = "remaining_quantity"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            symbol: c.decode(String.self, forKey: .symbol), side: c.decode(OrderSide.self, forKey: .side),
            quantity: c.decode(Decimal.self, forKey: .quantity), orderType: c.decode(OrderType.self, forKey: .orderType),
            limitPrice: c.decodeIfPresent(Decimal.self, forKey: .limitPrice),
            stopPrice: c.decodeIfPresent(Decimal.self, forKey: .stopPrice),
            tif: c.decodeIfPresent(TimeInForce.self, forKey: .tif) ?? .day,
            status: c.decodeIfPresent(OrderStatus.self, forKey: .status) ?? .pending,
            filledQuantity: c.decodeIfPresent(Decimal.self, forKey: .filledQuantity) ?? 0,
            avgFillPrice: c.decodeIfPresent(Decimal.self, forKey: .avgFillPrice),
            orderRef: c.decodeIfPresent(String.self, forKey: .orderRef),
            brokerOrderId: c.decodeIfPresent(Int.self, forKey: .brokerOrderId),
            parentId: c.decodeIfPresent(Int.self, forKey: .parentId),
            ocaGroup: c.decodeIfPresent(String.self, forKey: .ocaGroup),
            outsideRth: c.decodeIfPresent(Bool.self, forKey: .outsideRth) ?? false,
            createdAt: c.decodeIfPresent(Date.self, forKey: .createdAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(side, forKey: .side)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(orderType, forKey: .orderType)
        try c.encodeIfPresent(limitPrice, forKey: .limitPrice)
        try c.encodeIfPresent(stopPrice, forKey: .stopPrice)
        try c.encode(tif, forKey: .tif)
        try c.encode(status, forKey: .status)
        try c.encode(filledQuantity, forKey: .filledQuantity)
        try c.encodeIfPresent(avgFillPrice, forKey: .avgFillPrice)
        try c.encodeIfPresent(orderRef, forKey: .orderRef)
        try c.encodeIfPresent(brokerOrderId, forKey: .brokerOrderId)
        try c.encodeIfPresent(parentId, forKey: .parentId)
        try c.encodeIfPresent(ocaGroup, forKey: .ocaGroup)
        try c.encode(outsideRth, forKey: .outsideRth)
        try c.encodeIfPresent(createdAt, forKey: .createdAt)
        try c.encode(remainingQuantity, forKey: .remainingQuantity)
    }
}
