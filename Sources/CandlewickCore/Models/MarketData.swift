import Foundation

/// A symbol's bar history as fetched from the broker.
///
/// Rules: `symbol` non-empty and upper case; `bars` non-empty, strictly ascending by timestamp
/// (so no duplicates); `exchange` and `currency` non-empty.
public struct MarketData: Sendable, Hashable {
    public let symbol: String
    public let exchange: String
    public let currency: String
    public let timeframe: Timeframe
    public let bars: [OHLCVBar]
    public let fetchedAt: Date

    public init(symbol: String, exchange: String = "SMART", currency: String = "USD", timeframe: Timeframe = .daily,
                bars: [OHLCVBar], fetchedAt: Date) throws {
        let v = Validator("MarketData")
        try SymbolRule.validate(symbol, model: "MarketData")
        try v.nonEmpty(exchange, "exchange")
        try v.nonEmpty(currency, "currency")
        try v.require(!bars.isEmpty, "bars", "must not be empty")
        for i in bars.indices.dropFirst() {
            let (a, b) = (bars[i - 1].timestamp, bars[i].timestamp)
            try v.require(a != b, "bars", "duplicate timestamp \(UTCTimestamp.format(b)) at index \(i)")
            try v.require(a < b, "bars", "must be in ascending order; index \(i) is earlier than index \(i - 1)")
        }
        self.symbol = symbol
        self.exchange = exchange
        self.currency = currency
        self.timeframe = timeframe
        self.bars = bars
        self.fetchedAt = fetchedAt
    }

    /// The most recent bar.
    public var latestBar: OHLCVBar { bars[bars.count - 1] }
    /// The most recent close.
    public var latestPrice: Decimal { latestBar.close }
}

extension MarketData: Codable {
    enum CodingKeys: String, CodingKey {
        case symbol, exchange, currency, timeframe, bars
        case fetchedAt = "fetched_at"
        case latestPrice = "latest_price"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            symbol: c.decode(String.self, forKey: .symbol),
            exchange: c.decodeIfPresent(String.self, forKey: .exchange) ?? "SMART",
            currency: c.decodeIfPresent(String.self, forKey: .currency) ?? "USD",
            timeframe: c.decodeIfPresent(Timeframe.self, forKey: .timeframe) ?? .daily,
            bars: c.decode([OHLCVBar].self, forKey: .bars),
            fetchedAt: c.decode(Date.self, forKey: .fetchedAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(exchange, forKey: .exchange)
        try c.encode(currency, forKey: .currency)
        try c.encode(timeframe, forKey: .timeframe)
        try c.encode(bars, forKey: .bars)
        try c.encode(fetchedAt, forKey: .fetchedAt)
        try c.encode(latestPrice, forKey: .latestPrice)
    }
}
