import Foundation

/// A deterministic technical analyst: trend from the moving averages, momentum from MACD and RSI,
/// stretch from the Bollinger Bands, confirmation from the weekly trend, and ATR-based stop and
/// target. It is the offline default (no API key needed) and the baseline model signals are
/// compared with. Same context → same signal.
public struct RulesAnalyst: Sendable {
    public static let provider = "rules"
    public static let model = "rules-v1"
    /// Stop and target distances in ATRs.
    public var stopATRs = 2.0
    public var targetATRs = 3.0
    /// The same geometry floors a model's levels must meet: the target is kept inside the daily
    /// chart's range plus slack, and a trade whose reward:risk then falls below the minimum is HOLD.
    public var policy = GroundingPolicy()

    public init() {}

    /// One scored observation behind the decision.
    struct Factor {
        let points: Int
        let text: String
    }

    public func analyze(_ c: AnalysisContext, signalId: String, promptVersion: String = "rules-v1") throws -> TradingSignal {
        let i = c.indicators
        let close = c.lastClose
        var factors: [Factor] = []
        func add(_ p: Int, _ t: String) { factors.append(Factor(points: p, text: t)) }
        if let s50 = i.sma50, let s200 = i.sma200 {
            if close > s50 && s50 > s200 { add(2, "uptrend: close above SMA 50 above SMA 200") }
            else if close < s50 && s50 < s200 { add(-2, "downtrend: close below SMA 50 below SMA 200") }
            else if s50 > s200 { add(1, "SMA 50 above SMA 200") } else { add(-1, "SMA 50 below SMA 200") }
        } else if let s20 = i.sma20, let s50 = i.sma50 {
            add(close > s20 && s20 > s50 ? 1 : close < s20 && s20 < s50 ? -1 : 0, "short history: SMA 20 vs SMA 50 only")
        }
        if let h = i.macdHistogram, let m = i.macd {
            if h > 0 && m > 0 { add(1, "MACD above signal and zero") } else if h < 0 && m < 0 { add(-1, "MACD below signal and zero") }
        }
        if let rsi = i.rsi14 {
            switch rsi {
            case 80...: add(-2, String(format: "RSI %.1f: extremely overbought", rsi))
            case 70..<80: add(-1, String(format: "RSI %.1f: overbought", rsi))
            case ..<20: add(2, String(format: "RSI %.1f: extremely oversold", rsi))
            case 20..<30: add(1, String(format: "RSI %.1f: oversold", rsi))
            case 50..<70: add(1, String(format: "RSI %.1f: bullish momentum", rsi))
            default: add(-1, String(format: "RSI %.1f: bearish momentum", rsi))
            }
        }
        if let up = i.bbUpper, let low = i.bbLower {
            if close > up { add(-1, "close above the upper Bollinger Band (stretched)") }
            else if close < low { add(1, "close below the lower Bollinger Band (stretched)") }
        }
        if let w = c.weeklyIndicators, let w20 = w.sma20, let w50 = w.sma50 {
            add(w20 > w50 ? 1 : -1, w20 > w50 ? "weekly SMA 20 above SMA 50" : "weekly SMA 20 below SMA 50")
        }
        var score = factors.reduce(0) { $0 + $1.points }
        var vetoes: [String] = []
        let fallingLongTrend = (i.sma200.map { close < $0 } ?? false) && (i.sma50 ?? 0) < (i.sma200 ?? 0)
        if score > 0, let rsi = i.rsi14, rsi > 80 { vetoes.append("no buying with RSI above 80") }
        if score > 0, fallingLongTrend { vetoes.append("no buying into a falling 200-day trend") }
        if score < 0, let rsi = i.rsi14, rsi < 20 { vetoes.append("no selling with RSI below 20") }
        if i.atr14 == nil { vetoes.append("ATR undefined: no stop can be placed") }
        if abs(score) >= 3, let atr = i.atr14, atr > 0 {
            let dir = score > 0 ? 1.0 : -1.0
            let slack = (c.chartHigh - c.chartLow) * policy.chartRangeSlack
            let target = dir > 0 ? min(close + targetATRs * atr, c.chartHigh + slack) : max(close - targetATRs * atr, c.chartLow - slack)
            let stop = close - dir * stopATRs * atr
            if abs(target - close) / abs(close - stop) < policy.minRewardRisk {
                vetoes.append(String(format: "reward:risk %.2f inside the charted range is below %.2f", abs(target - close) / abs(close - stop),
                                     policy.minRewardRisk))
            } else if stop < c.chartLow - slack || stop > c.chartHigh + slack {
                vetoes.append("a \(stopATRs)-ATR stop lies outside the charted range")
            }
        }
        if !vetoes.isEmpty { score = max(-2, min(2, score)) }
        let action: SignalAction = score >= 3 ? .buy : score <= -3 ? .sell : .hold
        let magnitude = Double(abs(score))
        let confidenceScore = action == .hold ? min(39, 10 + magnitude * 8) : min(95, 40 + magnitude * 8)
        let confidence = SignalConfidence.forScore(confidenceScore)
        var entry: Decimal?, stop: Decimal?, target: Decimal?
        if action != .hold, let atr = i.atr14 {
            let dir = action == .buy ? 1.0 : -1.0
            entry = Self.round(close)
            let slack = (c.chartHigh - c.chartLow) * policy.chartRangeSlack
            stop = Self.round(close - dir * stopATRs * atr)
            target = Self.round(dir > 0 ? min(close + targetATRs * atr, c.chartHigh + slack) : max(close - targetATRs * atr, c.chartLow - slack))
        }
        let lines = factors.filter { $0.points != 0 }.map { "\($0.points > 0 ? "+" : "")\($0.points) \($0.text)" } + vetoes
        let reasoning = "Rules analyst: score \(score) from \(factors.count) factors → \(action.rawValue)."
            + (vetoes.isEmpty ? "" : " Vetoes: \(vetoes.joined(separator: "; ")).")
        return try TradingSignal(
            signalId: signalId, symbol: c.symbol, action: action, confidence: confidence, confidenceScore: confidenceScore,
            entryPrice: entry, stopLoss: stop, takeProfit: target, reasoning: reasoning, keyFactors: lines,
            dailyAnalysis: Self.describe(i, close: close), weeklyAnalysis: c.weeklyIndicators.map { Self.describe($0, close: close) },
            model: Self.model, provider: Self.provider, promptVersion: promptVersion, timestamp: c.asOf)
    }

    /// Prices rounded to the 0.01 tick (0.0001 below 1).
    static func round(_ x: Double) -> Decimal {
        let digits = x < 1 ? 4 : 2
        return Decimal(string: String(format: "%.\(digits)f", x))!
    }

    static func describe(_ i: TechnicalIndicators, close: Double) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "n/a" }
        return "close \(f(close)), SMA 20 \(f(i.sma20)), SMA 50 \(f(i.sma50)), SMA 200 \(f(i.sma200)), RSI 14 \(f(i.rsi14)), "
            + "MACD \(f(i.macd)) / signal \(f(i.macdSignal)), BB \(f(i.bbLower))–\(f(i.bbUpper)), ATR 14 \(f(i.atr14))"
    }
}
