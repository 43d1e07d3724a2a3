import Foundation

/// What the model must state it reads on each chart, in fields that can be checked against the
/// numbers computed for that same timeframe (`daily_readings` against the daily indicators,
/// `weekly_readings` against the weekly ones). Each field has a fixed vocabulary; `n/a` is the
/// only right answer when the value is undefined (history too short). Near a boundary (inside
/// the tolerances of `GroundingPolicy`) both neighbouring answers are accepted.
public enum StateReadings {
    /// Field → allowed values, in schema order.
    public static let fields: [(key: String, values: [String])] = [
        ("close_vs_sma50", ["above", "below", "n/a"]),
        ("close_vs_sma200", ["above", "below", "n/a"]),
        ("sma50_vs_sma200", ["above", "below", "n/a"]),
        ("rsi_zone", ["oversold", "neutral", "overbought", "n/a"]),
        ("macd_vs_signal", ["above", "below", "n/a"]),
        ("trend", ["up", "down", "sideways", "n/a"]),
    ]

    /// The JSON Schema of one timeframe's readings.
    public static var schema: [String: Any] {
        [
            "type": "object", "additionalProperties": false, "required": fields.map(\.key),
            "properties": Dictionary(uniqueKeysWithValues: fields.map { ($0.key, ["type": "string", "enum": $0.values] as [String: Any]) }),
        ]
    }

    /// How the fields are defined, for the prompt.
    public static let definitions = """
        Readings (for daily_readings from the daily values, for weekly_readings from the weekly values; "n/a" only when \
        a value is n/a): close_vs_sma50 / close_vs_sma200: the last close above or below that SMA; sma50_vs_sma200: \
        SMA 50 above or below SMA 200; rsi_zone: oversold below 30, overbought above 70, else neutral; macd_vs_signal: \
        the MACD line above or below its signal line; trend: up when close > SMA 50 > SMA 200, down when \
        close < SMA 50 < SMA 200, else sideways.
        """

    /// The answers that are right for each field, given the computed values of one timeframe.
    public static func acceptable(close: Double, indicators i: TechnicalIndicators?, policy: GroundingPolicy) -> [String: Set<String>] {
        func compare(_ a: Double?, _ b: Double?) -> Set<String> {
            guard let a, let b, b != 0 else { return ["n/a"] }
            let rel = (a - b) / abs(b)
            if abs(rel) <= policy.levelTolerance { return ["above", "below"] }
            return [rel > 0 ? "above" : "below"]
        }
        let s50 = compare(close, i?.sma50), s200 = compare(close, i?.sma200), cross = compare(i?.sma50, i?.sma200)
        var rsi: Set<String> = ["n/a"]
        if let r = i?.rsi14 {
            let t = policy.rsiZoneTolerance
            rsi = []
            if r < 30 + t { rsi.insert("oversold") }
            if r > 70 - t { rsi.insert("overbought") }
            if r >= 30 - t && r <= 70 + t { rsi.insert("neutral") }
        }
        var macd: Set<String> = ["n/a"]
        if let m = i?.macd, let s = i?.macdSignal {
            let tol = abs(close) * policy.macdTolerance
            macd = abs(m - s) <= tol ? ["above", "below"] : [m > s ? "above" : "below"]
        }
        var trend: Set<String> = ["n/a"]
        if !s50.contains("n/a") && !s200.contains("n/a") {
            trend = []
            for a in s50 { for c in cross {
                if a == "above" && c == "above" { trend.insert("up") } else if a == "below" && c == "below" { trend.insert("down") } else {
                    trend.insert("sideways")
                }
            } }
        }
        return ["close_vs_sma50": s50, "close_vs_sma200": s200, "sma50_vs_sma200": cross, "rsi_zone": rsi,
                "macd_vs_signal": macd, "trend": trend]
    }

    /// Refusals for every claimed reading that is not among the acceptable ones.
    static func check(_ claimed: [String: String], timeframe: String, close: Double, indicators: TechnicalIndicators?,
                      policy: GroundingPolicy) -> [Refusal] {
        let ok = acceptable(close: close, indicators: indicators, policy: policy)
        return fields.compactMap { field in
            guard let said = claimed[field.key], let right = ok[field.key], !right.contains(said) else { return nil }
            return Refusal(.stateMismatch, "\(timeframe)_readings.\(field.key) is \"\(said)\" but the computed \(timeframe) data say "
                           + right.sorted().map { "\"\($0)\"" }.joined(separator: " or "))
        }
    }
}
