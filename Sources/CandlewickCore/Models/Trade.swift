import Foundation

/// One fill reported by the broker.
///
/// Rules: `execution_id` non-empty; `quantity > 0`; `price > 0`; `commission >= 0`.
public struct TradeExecution: Sendable, Hashable {
    public let executionId: String
    public let symbol: String
    public let side: OrderSide
    public let quantity: Decimal
    public let price: Decimal
    public let commission: Decimal
    public let orderRef: String?
    public let brokerOrderId: Int?
    public let exchange: String?
    /// Realised P&L of this fill as the broker reports it (closing fills only).
    public let realizedPnl: Decimal?
    public let timestamp: Date

    public init(executionId: String, symbol: String, side: OrderSide, quantity: Decimal, price: Decimal,
                commission: Decimal = 0, orderRef: String? = nil, brokerOrderId: Int? = nil, exchange: String? = nil,
                timestamp: Date, realizedPnl: Decimal? = nil) throws {
        let v = Validator("TradeExecution")
        try v.nonEmpty(executionId, "execution_id")
        try SymbolRule.validate(symbol, model: "TradeExecution")
        try v.positive(quantity, "quantity")
        try v.positive(price, "price")
        try v.nonNegative(commission, "commission")
        self.executionId = executionId
        self.symbol = symbol
        self.side = side
        self.quantity = quantity
        self.price = price
        self.commission = commission
        self.orderRef = orderRef
        self.brokerOrderId = brokerOrderId
        self.exchange = exchange
        self.realizedPnl = realizedPnl
        self.timestamp = timestamp
    }
}

/// The executions of one order, aggregated.
///
/// Rules: every execution has the trade's symbol and side; execution ids are unique.
public struct Trade: Sendable, Hashable {
    public let symbol: String
    public let side: OrderSide
    public let orderRef: String?
    public let executions: [TradeExecution]

    public init(symbol: String, side: OrderSide, orderRef: String? = nil, executions: [TradeExecution]) throws {
        let v = Validator("Trade")
        try SymbolRule.validate(symbol, model: "Trade")
        for (i, e) in executions.enumerated() {
            try v.require(e.symbol == symbol, "executions[\(i)].symbol", "must be \(symbol), got \(e.symbol)")
            try v.require(e.side == side, "executions[\(i)].side", "must be \(side.rawValue), got \(e.side.rawValue)")
        }
        try v.require(Set(executions.map(\.executionId)).count == executions.count, "executions", "execution ids must be unique")
        self.symbol = symbol
        self.side = side
        self.orderRef = orderRef
        self.executions = executions
    }

    /// The sum of executed quantities.
    public var totalQuantity: Decimal { executions.reduce(0) { $0 + $1.quantity } }
    /// Volume-weighted average price, `nil` with no executions.
    public var averagePrice: Decimal? {
        let q = totalQuantity
        guard q > 0 else { return nil }
        return executions.reduce(Decimal(0)) { $0 + $1.quantity * $1.price } / q
    }
    /// The sum of commissions.
    public var totalCommission: Decimal { executions.reduce(0) { $0 + $1.commission } }
    /// Σ quantity × price.
    public var notional: Decimal { executions.reduce(0) { $0 + $1.quantity * $1.price } }
}

extension TradeExecution: Codable {
    enum CodingKeys: String, CodingKey {
        case symbol, side, quantity, price, commission, exchange, timestamp, realizedPnl = "realized_pnl"
        case executionId = "execution_id", orderRef = "order_ref", brokerOrderId = "broker_order_id"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            executionId: c.decode(String.self, forKey: .executionId), symbol: c.decode(String.self, forKey: .symbol),
            side: c.decode(OrderSide.self, forKey: .side), quantity: c.decode(Decimal.self, forKey: .quantity),
            price: c.decode(Decimal.self, forKey: .price),
            commission: c.decodeIfPresent(Decimal.self, forKey: .commission) ?? 0,
            orderRef: c.decodeIfPresent(String.self, forKey: .orderRef),
            brokerOrderId: c.decodeIfPresent(Int.self, forKey: .brokerOrderId),
            exchange: c.decodeIfPresent(String.self, forKey: .exchange),
            timestamp: c.decode(Date.self, forKey: .timestamp),
            realizedPnl: c.decodeIfPresent(Decimal.self, forKey: .realizedPnl))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(executionId, forKey: .executionId)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(side, forKey: .side)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(price, forKey: .price)
        try c.encode(commission, forKey: .commission)
        try c.encodeIfPresent(orderRef, forKey: .orderRef)
        try c.encodeIfPresent(brokerOrderId, forKey: .brokerOrderId)
        try c.encodeIfPresent(exchange, forKey: .exchange)
        try c.encodeIfPresent(realizedPnl, forKey: .realizedPnl)
        try c.encode(timestamp, forKey: .timestamp)
    }
}

extension Trade: Codable {
    enum CodingKeys: String, CodingKey {
        case symbol, side, executions, notional
        case orderRef = "order_ref", totalQuantity = "total_quantity", averagePrice = "average_price"
        case totalCommission = "total_commission"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            symbol: c.decode(String.self, forKey: .symbol), side: c.decode(OrderSide.self, forKey: .side),
            orderRef: c.decodeIfPresent(String.self, forKey: .orderRef),
            executions: c.decode([TradeExecution].self, forKey: .executions))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(side, forKey: .side)
        try c.encodeIfPresent(orderRef, forKey: .orderRef)
        try c.encode(executions, forKey: .executions)
        try c.encode(totalQuantity, forKey: .totalQuantity)
        try c.encodeIfPresent(averagePrice, forKey: .averagePrice)
        try c.encode(totalCommission, forKey: .totalCommission)
        try c.encode(notional, forKey: .notional)
    }
}
