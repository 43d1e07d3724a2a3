import Foundation

/// The indicator snapshot at the latest bar of a series. Every value is optional: `nil` means
/// undefined because the history is too short (never 0).
///
/// Rules: values finite; `rsi_14` in [0, 100]; `bb_upper >= bb_middle >= bb_lower`; `atr_14 >= 0`.
public struct TechnicalIndicators: Sendable, Hashable {
    public var symbol: String
    public var timestamp: Date
    public var sma20: Double?
    public var sma50: Double?
    public var sma200: Double?
    public var rsi14: Double?
    public var macd: Double?
    public var macdSignal: Double?
    public var macdHistogram: Double?
    public var bbUpper: Double?
    public var bbMiddle: Double?
    public var bbLower: Double?
    public var atr14: Double?

    public init(symbol: String, timestamp: Date, sma20: Double? = nil, sma50: Double? = nil, sma200: Double? = nil,
                rsi14: Double? = nil, macd: Double? = nil, macdSignal: Double? = nil, macdHistogram: Double? = nil,
                bbUpper: Double? = nil, bbMiddle: Double? = nil, bbLower: Double? = nil, atr14: Double? = nil) throws {
        let v = Validator("TechnicalIndicators")
        try SymbolRule.validate(symbol, model: "TechnicalIndicators")
        let all: [(Double?, String)] = [
            (sma20, "sma_20"), (sma50, "sma_50"), (sma200, "sma_200"), (rsi14, "rsi_14"), (macd, "macd"),
            (macdSignal, "macd_signal"), (macdHistogram, "macd_histogram"), (bbUpper, "bb_upper"),
            (bbMiddle, "bb_middle"), (bbLower, "bb_lower"), (atr14, "atr_14"),
        ]
        for (value, field) in all { try v.finite(value, field) }
        if let rsi14 { try v.require((0...100).contains(rsi14), "rsi_14", "must be in [0, 100], got \(rsi14)") }
        if let atr14 { try v.require(atr14 >= 0, "atr_14", "must be >= 0, got \(atr14)") }
        let tolerance = 1e-9 * max(1, abs(bbMiddle ?? 0))
        if let bbUpper, let bbMiddle {
            try v.require(bbUpper + tolerance >= bbMiddle, "bb_upper", "must be >= bb_middle (\(bbMiddle)), got \(bbUpper)")
        }
        if let bbMiddle, let bbLower {
            try v.require(bbMiddle + tolerance >= bbLower, "bb_lower", "must be <= bb_middle (\(bbMiddle)), got \(bbLower)")
        }
        if let bbUpper, let bbLower {
            try v.require(bbUpper + tolerance >= bbLower, "bb_lower", "must be <= bb_upper (\(bbUpper)), got \(bbLower)")
        }
        self.symbol = symbol
        self.timestamp = timestamp
        self.sma20 = sma20
        self.sma50 = sma50
        self.sma200 = sma200
        self.rsi14 = rsi14
        self.macd = macd
        self.macdSignal = macdSignal
        self.macdHistogram = macdHistogram
        self.bbUpper = bbUpper
        self.bbMiddle = bbMiddle
        self.bbLower = bbLower
        self.atr14 = atr14
    }
}

extension TechnicalIndicators: Codable {
    enum CodingKeys: String, CodingKey {
        case symbol, timestamp, macd
        case sma20 = "sma_20", sma50 = "sma_50", sma200 = "sma_200", rsi14 = "rsi_14"
        case macdSignal = "macd_signal", macdHistogram = "macd_histogram"
        case bbUpper = "bb_upper", bbMiddle = "bb_middle", bbLower = "bb_lower", atr14 = "atr_14"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        func d(_ k: CodingKeys) throws -> Double? { try c.decodeIfPresent(Double.self, forKey: k) }
        try self.init(
            symbol: c.decode(String.self, forKey: .symbol), timestamp: c.decode(Date.self, forKey: .timestamp),
            sma20: d(.sma20), sma50: d(.sma50), sma200: d(.sma200), rsi14: d(.rsi14), macd: d(.macd),
            macdSignal: d(.macdSignal), macdHistogram: d(.macdHistogram), bbUpper: d(.bbUpper),
            bbMiddle: d(.bbMiddle), bbLower: d(.bbLower), atr14: d(.atr14))
    }

    /// Undefined values are written as JSON `null`, so a reader sees every key.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(timestamp, forKey: .timestamp)
        let pairs: [(Double?, CodingKeys)] = [
            (sma20, .sma20), (sma50, .sma50), (sma200, .sma200), (rsi14, .rsi14), (macd, .macd),
            (macdSignal, .macdSignal), (macdHistogram, .macdHistogram), (bbUpper, .bbUpper),
            (bbMiddle, .bbMiddle), (bbLower, .bbLower), (atr14, .atr14),
        ]
        for (value, key) in pairs { try c.encode(value, forKey: key) }
    }
}
