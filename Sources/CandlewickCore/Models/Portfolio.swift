import Foundation

/// A holding in one symbol. Negative `quantity` is a short position.
///
/// Rules: `quantity != 0`; `average_cost > 0`; `market_price > 0`.
public struct Position: Sendable, Hashable {
    public let symbol: String
    public let quantity: Decimal
    public let averageCost: Decimal
    public let marketPrice: Decimal
    public let realizedPnl: Decimal

    public init(symbol: String, quantity: Decimal, averageCost: Decimal, marketPrice: Decimal, realizedPnl: Decimal = 0) throws {
        let v = Validator("Position")
        try SymbolRule.validate(symbol, model: "Position")
        try v.require(quantity.isFinite && quantity != 0, "quantity", "must be a finite non-zero number, got \(quantity)")
        try v.positive(averageCost, "average_cost")
        try v.positive(marketPrice, "market_price")
        try v.require(realizedPnl.isFinite, "realized_pnl", "must be finite")
        self.symbol = symbol
        self.quantity = quantity
        self.averageCost = averageCost
        self.marketPrice = marketPrice
        self.realizedPnl = realizedPnl
    }

    /// `quantity × market_price` (negative for a short).
    public var marketValue: Decimal { quantity * marketPrice }
    /// `quantity × average_cost`.
    public var costBasis: Decimal { quantity * averageCost }
    /// `market_value − cost_basis`.
    public var unrealizedPnl: Decimal { marketValue - costBasis }
    /// Whether the position is long.
    public var isLong: Bool { quantity > 0 }
}

/// Cash and positions of one account.
///
/// Rules: `cash` finite; at most one position per symbol.
public struct Portfolio: Sendable, Hashable {
    public let account: String?
    public let cash: Decimal
    public let positions: [Position]
    public let timestamp: Date

    public init(account: String? = nil, cash: Decimal, positions: [Position], timestamp: Date) throws {
        let v = Validator("Portfolio")
        try v.require(cash.isFinite, "cash", "must be finite")
        var seen = Set<String>()
        for p in positions {
            try v.require(seen.insert(p.symbol).inserted, "positions", "duplicate position for \(p.symbol)")
        }
        self.account = account
        self.cash = cash
        self.positions = positions
        self.timestamp = timestamp
    }

    /// Cash plus the market value of every position.
    public var totalValue: Decimal { positions.reduce(cash) { $0 + $1.marketValue } }
    /// Σ unrealised P&L.
    public var unrealizedPnl: Decimal { positions.reduce(0) { $0 + $1.unrealizedPnl } }
    /// Σ realised P&L.
    public var realizedPnl: Decimal { positions.reduce(0) { $0 + $1.realizedPnl } }
    /// Whether the account holds `symbol`.
    public func hasPosition(_ symbol: String) -> Bool { position(for: symbol) != nil }
    /// The position in `symbol`, if any.
    public func position(for symbol: String) -> Position? { positions.first { $0.symbol == symbol } }
    /// Cash as a percentage of total value (0 when the total is not positive).
    public var cashPercentage: Double {
        let total = totalValue
        return total > 0 ? (cash / total * 100).doubleValue : 0
    }
    /// Whether unrealised plus realised P&L is positive.
    public var isProfitable: Bool { unrealizedPnl + realizedPnl > 0 }
    /// The position with the largest absolute market value.
    public var largestPosition: Position? { positions.max { abs($0.marketValue) < abs($1.marketValue) } }
}

extension Position: Codable {
    enum CodingKeys: String, CodingKey {
        case symbol, quantity
        case averageCost = "average_cost", marketPrice = "market_price", realizedPnl = "realized_pnl"
        case marketValue = "market_value", unrealizedPnl = "unrealized_pnl"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            symbol: c.decode(String.self, forKey: .symbol), quantity: c.decode(Decimal.self, forKey: .quantity),
            averageCost: c.decode(Decimal.self, forKey: .averageCost),
            marketPrice: c.decode(Decimal.self, forKey: .marketPrice),
            realizedPnl: c.decodeIfPresent(Decimal.self, forKey: .realizedPnl) ?? 0)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(quantity, forKey: .quantity)
        try c.encode(averageCost, forKey: .averageCost)
        try c.encode(marketPrice, forKey: .marketPrice)
        try c.encode(realizedPnl, forKey: .realizedPnl)
        try c.encode(marketValue, forKey: .marketValue)
        try c.encode(unrealizedPnl, forKey: .unrealizedPnl)
    }
}

extension Portfolio: Codable {
    enum CodingKeys: String, CodingKey {
        case account, cash, positions, timestamp
        case totalValue = "total_value", cashPercentage = "cash_percentage", unrealizedPnl = "unrealized_pnl"
        case realizedPnl = "realized_pnl"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            account: c.decodeIfPresent(String.self, forKey: .account), cash: c.decode(Decimal.self, forKey: .cash),
            positions: c.decode([Position].self, forKey: .positions), timestamp: c.decode(Date.self, forKey: .timestamp))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(account, forKey: .account)
        try c.encode(cash, forKey: .cash)
        try c.encode(positions, forKey: .positions)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(totalValue, forKey: .totalValue)
        try c.encode(cashPercentage, forKey: .cashPercentage)
        try c.encode(unrealizedPnl, forKey: .unrealizedPnl)
        try c.encode(realizedPnl, forKey: .realizedPnl)
    }
}
