import Foundation

/// What the analyst recommends.
public enum SignalAction: String, Codable, Sendable, CaseIterable {
    case buy = "BUY", sell = "SELL", hold = "HOLD"
}

/// How sure the analyst is, as a label. Each label owns a band of `confidence_score`.
public enum SignalConfidence: String, Codable, Sendable, CaseIterable {
    case high = "HIGH", medium = "MEDIUM", low = "LOW"

    /// Whether `score` lies in this label's band: HIGH 70–100, MEDIUM 40–69.99…, LOW 0–39.99….
    public func admits(_ score: Double) -> Bool { Self.forScore(score) == self }

    /// The label whose band holds `score` (0...100).
    public static func forScore(_ score: Double) -> SignalConfidence {
        score >= 70 ? .high : score >= 40 ? .medium : .low
    }
}

/// A validated trading signal for one symbol.
///
/// Rules: `symbol` upper case; `confidence_score` in 0...100 and inside its label's band
/// (HIGH 70–100, MEDIUM 40–69.99, LOW 0–39.99); prices finite and > 0 when present; for BUY
/// `stop_loss < entry_price < take_profit`, for SELL `take_profit < entry_price < stop_loss`
/// (each pair checked when both are present); `reasoning` non-empty; `key_factors` entries non-empty.
public struct TradingSignal: Sendable, Hashable {
    /// A unique id, carried into order intents.
    public let signalId: String
    public let symbol: String
    public let action: SignalAction
    public let confidence: SignalConfidence
    public let confidenceScore: Double
    public let entryPrice: Decimal?
    public let stopLoss: Decimal?
    public let takeProfit: Decimal?
    public let reasoning: String
    public let keyFactors: [String]
    public let dailyAnalysis: String?
    public let weeklyAnalysis: String?
    public let model: String?
    public let provider: String?
    public let promptVersion: String?
    public let timestamp: Date

    public init(signalId: String = UUID().uuidString.lowercased(), symbol: String, action: SignalAction,
                confidence: SignalConfidence, confidenceScore: Double, entryPrice: Decimal? = nil,
                stopLoss: Decimal? = nil, takeProfit: Decimal? = nil, reasoning: String, keyFactors: [String] = [],
                dailyAnalysis: String? = nil, weeklyAnalysis: String? = nil, model: String? = nil,
                provider: String? = nil, promptVersion: String? = nil, timestamp: Date) throws {
        let v = Validator("TradingSignal")
        try v.nonEmpty(signalId, "signal_id")
        try SymbolRule.validate(symbol, model: "TradingSignal")
        try v.require(confidenceScore.isFinite && (0...100).contains(confidenceScore), "confidence_score",
                      "must be in 0...100, got \(confidenceScore)")
        try v.require(confidence.admits(confidenceScore), "confidence_score",
                      "\(confidenceScore) is outside the \(confidence.rawValue) band \(Self.bandText(confidence))")
        try v.positive(entryPrice, "entry_price")
        try v.positive(stopLoss, "stop_loss")
        try v.positive(takeProfit, "take_profit")
        switch action {
        case .buy:
            if let e = entryPrice, let s = stopLoss { try v.require(s < e, "stop_loss", "must be below entry_price for BUY (\(s) >= \(e))") }
            if let e = entryPrice, let t = takeProfit { try v.require(t > e, "take_profit", "must be above entry_price for BUY (\(t) <= \(e))") }
            if let s = stopLoss, let t = takeProfit { try v.require(s < t, "stop_loss", "must be below take_profit for BUY") }
        case .sell:
            if let e = entryPrice, let s = stopLoss { try v.require(s > e, "stop_loss", "must be above entry_price for SELL (\(s) <= \(e))") }
            if let e = entryPrice, let t = takeProfit { try v.require(t < e, "take_profit", "must be below entry_price for SELL (\(t) >= \(e))") }
            if let s = stopLoss, let t = takeProfit { try v.require(s > t, "stop_loss", "must be above take_profit for SELL") }
        case .hold:
            break
        }
        try v.nonEmpty(reasoning, "reasoning")
        for (i, f) in keyFactors.enumerated() { try v.nonEmpty(f, "key_factors[\(i)]") }
        self.signalId = signalId
        self.symbol = symbol
        self.action = action
        self.confidence = confidence
        self.confidenceScore = confidenceScore
        self.entryPrice = entryPrice
        self.stopLoss = stopLoss
        self.takeProfit = takeProfit
        self.reasoning = reasoning
        self.keyFactors = keyFactors
        self.dailyAnalysis = dailyAnalysis
        self.weeklyAnalysis = weeklyAnalysis
        self.model = model
        self.provider = provider
        self.promptVersion = promptVersion
        self.timestamp = timestamp
    }

    private static func bandText(_ c: SignalConfidence) -> String {
        switch c {
        case .high: "70–100"
        case .medium: "40–69.99"
        case .low: "0–39.99"
        }
    }

    /// BUY or SELL with HIGH or MEDIUM confidence.
    public var isActionable: Bool { action != .hold && confidence != .low }

    /// |take_profit − entry| / |entry − stop_loss| when all three levels are present.
    public var riskRewardRatio: Double? {
        guard let e = entryPrice, let s = stopLoss, let t = takeProfit, e != s else { return nil }
        let risk = abs((e - s).doubleValue)
        return risk > 0 ? abs((t - e).doubleValue) / risk : nil
    }
}

extension TradingSignal: Codable {
    enum CodingKeys: String, CodingKey {
        case symbol, action, confidence, reasoning, model, provider, timestamp
        case signalId = "signal_id", confidenceScore = "confidence_score", entryPrice = "entry_price"
        case stopLoss = "stop_loss", takeProfit = "take_profit", keyFactors = "key_factors"
        case dailyAnalysis = "daily_analysis", weeklyAnalysis = "weekly_analysis", promptVersion = "prompt_version"
        case isActionable = "is_actionable", riskRewardRatio = "risk_reward_ratio"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            signalId: c.decode(String.self, forKey: .signalId), symbol: c.decode(String.self, forKey: .symbol),
            action: c.decode(SignalAction.self, forKey: .action),
            confidence: c.decode(SignalConfidence.self, forKey: .confidence),
            confidenceScore: c.decode(Double.self, forKey: .confidenceScore),
            entryPrice: c.decodeIfPresent(Decimal.self, forKey: .entryPrice),
            stopLoss: c.decodeIfPresent(Decimal.self, forKey: .stopLoss),
            takeProfit: c.decodeIfPresent(Decimal.self, forKey: .takeProfit),
            reasoning: c.decode(String.self, forKey: .reasoning),
            keyFactors: c.decodeIfPresent([String].self, forKey: .keyFactors) ?? [],
            dailyAnalysis: c.decodeIfPresent(String.self, forKey: .dailyAnalysis),
            weeklyAnalysis: c.decodeIfPresent(String.self, forKey: .weeklyAnalysis),
            model: c.decodeIfPresent(String.self, forKey: .model),
            provider: c.decodeIfPresent(String.self, forKey: .provider),
            promptVersion: c.decodeIfPresent(String.self, forKey: .promptVersion),
            timestamp: c.decode(Date.self, forKey: .timestamp))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(signalId, forKey: .signalId)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(action, forKey: .action)
        try c.encode(confidence, forKey: .confidence)
        try c.encode(confidenceScore, forKey: .confidenceScore)
        try c.encodeIfPresent(entryPrice, forKey: .entryPrice)
        try c.encodeIfPresent(stopLoss, forKey: .stopLoss)
        try c.encodeIfPresent(takeProfit, forKey: .takeProfit)
        try c.encode(reasoning, forKey: .reasoning)
        try c.encode(keyFactors, forKey: .keyFactors)
        try c.encodeIfPresent(dailyAnalysis, forKey: .dailyAnalysis)
        try c.encodeIfPresent(weeklyAnalysis, forKey: .weeklyAnalysis)
        try c.encodeIfPresent(model, forKey: .model)
        try c.encodeIfPresent(provider, forKey: .provider)
        try c.encodeIfPresent(promptVersion, forKey: .promptVersion)
        try c.encode(timestamp, forKey: .timestamp)
        try c.encode(isActionable, forKey: .isActionable)
        try c.encodeIfPresent(riskRewardRatio, forKey: .riskRewardRatio)
    }
}
