import Foundation

/// One bar of open/high/low/close prices and volume. Prices are `Decimal`; volume is whole shares.
///
/// Rules: prices finite and > 0; `high >= max(open, close)`; `low <= min(open, close)`;
/// `high >= low`; `volume >= 0`.
public struct OHLCVBar: Sendable, Hashable {
    public let timestamp: Date
    public let open: Decimal
    public let high: Decimal
    public let low: Decimal
    public let close: Decimal
    public let volume: Decimal

    /// Validates every rule; throws `ModelValidationError` naming the field otherwise.
    public init(timestamp: Date, open: Decimal, high: Decimal, low: Decimal, close: Decimal, volume: Decimal) throws {
        let v = Validator("OHLCVBar")
        try v.positive(open, "open")
        try v.positive(high, "high")
        try v.positive(low, "low")
        try v.positive(close, "close")
        try v.nonNegative(volume, "volume")
        try v.require(high >= low, "high", "must be >= low (\(low)), got \(high)")
        try v.require(high >= max(open, close), "high", "must be >= max(open, close), got \(high)")
        try v.require(low <= min(open, close), "low", "must be <= min(open, close), got \(low)")
        self.timestamp = timestamp
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
    }

    /// Whether the bar closed at or above its open.
    public var isUp: Bool { close >= open }
}

extension OHLCVBar: Codable {
    enum CodingKeys: String, CodingKey { case timestamp, open, high, low, close, volume }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        // The timestamp is read as text and parsed here (the decoder's date strategy does the same, slower).
        let text = try c.decode(String.self, forKey: .timestamp)
        guard let timestamp = UTCTimestamp.parse(text) else {
            throw DecodingError.dataCorruptedError(forKey: .timestamp, in: c, debugDescription: "not an ISO-8601 timestamp: \(text)")
        }
        try self.init(
            timestamp: timestamp,
            open: c.decode(Decimal.self, forKey: .open), high: c.decode(Decimal.self, forKey: .high),
            low: c.decode(Decimal.self, forKey: .low), close: c.decode(Decimal.self, forKey: .close),
            volume: c.decode(Decimal.self, forKey: .volume))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(UTCTimestamp.format(timestamp), forKey: .timestamp)
        try c.encodeExact(open, forKey: .open)
        try c.encodeExact(high, forKey: .high)
        try c.encodeExact(low, forKey: .low)
        try c.encodeExact(close, forKey: .close)
        try c.encodeExact(volume, forKey: .volume)
    }
}

extension Decimal {
    /// The nearest `Double`, for indicator arithmetic.
    public var doubleValue: Double { NSDecimalNumber(decimal: self).doubleValue }
}
