import Foundation

/// The result of judging a model's answer: the signal to use (HOLD when refused), why it was
/// refused, and the raw answer kept for audit.
public struct AnalysisOutcome: Sendable {
    public let signal: TradingSignal
    /// Empty when the answer was accepted.
    public let reasons: [String]
    public let rawAnswer: String

    public init(signal: TradingSignal, reasons: [String], rawAnswer: String) {
        self.signal = signal
        self.reasons = reasons
        self.rawAnswer = rawAnswer
    }

    public var accepted: Bool { reasons.isEmpty }
}

/// Turns a model's raw answer into a validated `TradingSignal`, or into HOLD with every reason it
/// was refused: the schema (pure JSON, known keys, right types), then the model rules
/// (`TradingSignal`'s initialiser), then grounding against the computed data (entry near the last
/// close, stop and target on the right sides and within a sane range, no contradicted indicator
/// readings, no instructions injected into the text). Never guesses a trade.
public struct SignalValidator: Sendable {
    public let policy: GroundingPolicy

    public init(policy: GroundingPolicy = GroundingPolicy()) { self.policy = policy }

    static let allowedKeys: Set<String> = [
        "symbol", "action", "confidence", "confidence_score", "entry_price", "stop_loss", "take_profit", "reasoning",
        "key_factors", "daily_analysis", "weekly_analysis",
    ]
    static let requiredKeys = ["action", "confidence", "confidence_score", "reasoning", "key_factors"]

    public func validate(_ raw: String, context: AnalysisContext, provider: String, model: String, promptVersion: String,
                         signalId: String, now: Date) -> AnalysisOutcome {
        var reasons: [String] = []
        let signal = parse(raw, context: context, provider: provider, model: model, promptVersion: promptVersion,
                           signalId: signalId, now: now, reasons: &reasons)
        if let signal, reasons.isEmpty {
            reasons += ground(signal, context: context)
            if reasons.isEmpty { return AnalysisOutcome(signal: signal, reasons: [], rawAnswer: raw) }
        }
        return AnalysisOutcome(signal: Self.hold(context: context, reasons: reasons, provider: provider, model: model,
                                                 promptVersion: promptVersion, signalId: signalId, now: now),
                               reasons: reasons, rawAnswer: raw)
    }

    /// HOLD, LOW, score 0, with the reasons as key factors.
    public static func hold(context: AnalysisContext, reasons: [String], provider: String, model: String,
                            promptVersion: String, signalId: String, now: Date) -> TradingSignal {
        let text = reasons.isEmpty ? ["no usable answer"] : reasons.map { String($0.prefix(300)) }
        return (try? TradingSignal(
            signalId: signalId, symbol: context.symbol, action: .hold, confidence: .low, confidenceScore: 0,
            reasoning: "Model answer refused; holding. " + text.joined(separator: "; "), keyFactors: text,
            model: model, provider: provider, promptVersion: promptVersion, timestamp: now))!
    }

    private func parse(_ raw: String, context: AnalysisContext, provider: String, model: String, promptVersion: String,
                       signalId: String, now: Date, reasons: inout [String]) -> TradingSignal? {
        let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard trimmed.hasPrefix("{"), trimmed.hasSuffix("}") else {
            reasons.append(trimmed.isEmpty ? "empty answer" : "answer is not a bare JSON object (prose, code fences or truncation)")
            return nil
        }
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(trimmed.utf8)) else {
            reasons.append("answer is not valid JSON")
            return nil
        }
        let unknown = Set(object.keys).subtracting(Self.allowedKeys)
        if !unknown.isEmpty { reasons.append("unexpected field(s): \(unknown.sorted().joined(separator: ", "))") }
        for key in Self.requiredKeys where object[key] == nil || object[key] == .null {
            reasons.append("missing field \(key)")
        }
        func string(_ key: String) -> String? {
            switch object[key] {
            case nil, .null?: return nil
            case .string(let s)?: return s
            case let v?: reasons.append("\(key) must be a string, got \(v.kind)"); return nil
            }
        }
        func number(_ key: String) -> Double? {
            switch object[key] {
            case nil, .null?: return nil
            case .number(let n)?: return n
            case let v?: reasons.append("\(key) must be a number, got \(v.kind)"); return nil
            }
        }
        if let s = string("symbol"), s != context.symbol { reasons.append("symbol \(s) is not \(context.symbol)") }
        let action = string("action").flatMap { a -> SignalAction? in
            if let x = SignalAction(rawValue: a) { return x }
            reasons.append("action must be BUY, SELL or HOLD, got \(a.prefix(20))")
            return nil
        }
        let confidence = string("confidence").flatMap { c -> SignalConfidence? in
            if let x = SignalConfidence(rawValue: c) { return x }
            reasons.append("confidence must be HIGH, MEDIUM or LOW, got \(c.prefix(20))")
            return nil
        }
        let score = number("confidence_score")
        let (entry, stop, target) = (number("entry_price"), number("stop_loss"), number("take_profit"))
        let reasoning = string("reasoning")
        var factors: [String] = []
        switch object["key_factors"] {
        case nil, .null?: break
        case .array(let list)?:
            for item in list {
                guard case .string(let s) = item else {
                    reasons.append("key_factors must be a list of strings")
                    break
                }
                factors.append(s)
            }
        case let v?: reasons.append("key_factors must be a list of strings, got \(v.kind)")
        }
        let daily = string("daily_analysis"), weekly = string("weekly_analysis")
        guard reasons.isEmpty, let action, let confidence, let score, let reasoning else { return nil }
        func decimal(_ d: Double?) -> Decimal? { d.map { Decimal(string: String(format: "%.6f", $0)) ?? Decimal($0) } }
        do {
            return try TradingSignal(
                signalId: signalId, symbol: context.symbol, action: action, confidence: confidence, confidenceScore: score,
                entryPrice: decimal(entry), stopLoss: decimal(stop), takeProfit: decimal(target), reasoning: reasoning,
                keyFactors: factors, dailyAnalysis: daily, weeklyAnalysis: weekly, model: model, provider: provider,
                promptVersion: promptVersion, timestamp: now)
        } catch {
            reasons.append("\(error)")
            return nil
        }
    }

    /// Checks a well-formed signal against the data it was made from.
    func ground(_ s: TradingSignal, context: AnalysisContext) -> [String] {
        var reasons: [String] = []
        let close = context.lastClose
        if s.action != .hold {
            if policy.requireLevels, s.entryPrice == nil || s.stopLoss == nil || s.takeProfit == nil {
                reasons.append("\(s.action.rawValue) needs entry_price, stop_loss and take_profit")
            }
            if let e = s.entryPrice?.doubleValue, abs(e - close) / close > policy.maxEntryDistance {
                reasons.append(String(format: "entry_price %.4g is %.1f%% from the last close %.4g (limit %.1f%%)", e,
                                      abs(e - close) / close * 100, close, policy.maxEntryDistance * 100))
            }
            let slack = (context.chartHigh - context.chartLow) * policy.chartRangeSlack
            for (name, level) in [("stop_loss", s.stopLoss), ("take_profit", s.takeProfit)] {
                guard let v = level?.doubleValue else { continue }
                if abs(v - close) / close > policy.maxLevelDistance {
                    reasons.append(String(format: "%@ %.4g is %.0f%% from the last close %.4g", name, v, abs(v - close) / close * 100, close))
                } else if v < context.chartLow - slack || v > context.chartHigh + slack {
                    reasons.append(String(format: "%@ %.4g is outside the charted range %.4g–%.4g", name, v, context.chartLow, context.chartHigh))
                }
            }
            if s.entryPrice == nil, let stop = s.stopLoss?.doubleValue {
                // Without an entry the last close is the reference for the side rule.
                if (s.action == .buy && stop >= close) || (s.action == .sell && stop <= close) {
                    reasons.append("stop_loss is on the wrong side of the last close for \(s.action.rawValue)")
                }
            }
        }
        let text = ([s.reasoning] + s.keyFactors + [s.dailyAnalysis ?? "", s.weeklyAnalysis ?? ""]).joined(separator: "\n")
        reasons += ClaimChecker.contradictions(in: text, context: context, policy: policy)
        reasons += ClaimChecker.injections(in: text)
        return reasons
    }
}
