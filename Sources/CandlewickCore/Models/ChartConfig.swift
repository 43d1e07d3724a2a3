import Foundation

/// What to draw: one chart of one symbol at one timeframe.
///
/// Rules: `symbol` upper case; `lookback_periods > 0`; `width` and `height` in 320...8192;
/// `indicators` drawn from `ChartConfig.knownIndicators`.
public struct ChartConfig: Sendable, Hashable {
    /// Indicator names a chart can draw.
    public static let knownIndicators: [String] = ["sma_20", "sma_50", "sma_200", "bollinger", "volume", "rsi", "macd"]

    public let symbol: String
    public let timeframe: Timeframe
    public let lookbackPeriods: Int
    public let width: Int
    public let height: Int
    public let indicators: [String]

    public init(symbol: String, timeframe: Timeframe, lookbackPeriods: Int? = nil, width: Int = 1920, height: Int = 1080,
                indicators: [String] = ChartConfig.knownIndicators) throws {
        let v = Validator("ChartConfig")
        try SymbolRule.validate(symbol, model: "ChartConfig")
        let lookback = lookbackPeriods ?? (timeframe == .daily ? 60 : 52)
        try v.require(lookback > 0, "lookback_periods", "must be > 0, got \(lookback)")
        try v.require((320...8192).contains(width), "width", "must be in 320...8192, got \(width)")
        try v.require((240...8192).contains(height), "height", "must be in 240...8192, got \(height)")
        for name in indicators {
            try v.require(Self.knownIndicators.contains(name), "indicators",
                          "unknown indicator \"\(name)\"; known: \(Self.knownIndicators.joined(separator: ", "))")
        }
        self.symbol = symbol
        self.timeframe = timeframe
        self.lookbackPeriods = lookback
        self.width = width
        self.height = height
        self.indicators = indicators
    }
}

extension ChartConfig: Codable {
    enum CodingKeys: String, CodingKey {
        case symbol, timeframe, width, height, indicators
        case lookbackPeriods = "lookback_periods"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            symbol: c.decode(String.self, forKey: .symbol), timeframe: c.decode(Timeframe.self, forKey: .timeframe),
            lookbackPeriods: c.decodeIfPresent(Int.self, forKey: .lookbackPeriods),
            width: c.decodeIfPresent(Int.self, forKey: .width) ?? 1920,
            height: c.decodeIfPresent(Int.self, forKey: .height) ?? 1080,
            indicators: c.decodeIfPresent([String].self, forKey: .indicators) ?? Self.knownIndicators)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(timeframe, forKey: .timeframe)
        try c.encode(lookbackPeriods, forKey: .lookbackPeriods)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        try c.encode(indicators, forKey: .indicators)
    }
}
