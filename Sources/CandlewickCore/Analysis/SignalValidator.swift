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
/// was refused, each naming a `RefusalRule`. In order: the strict JSON reader (duplicate keys,
/// numbers, trailing content, depth, size), the schema (known keys, types, enums, the per-timeframe
/// readings), the model rules (`TradingSignal`'s initialiser), the risk geometry of the levels,
/// the structured readings against the computed data of their timeframe, and the prose screen.
/// Never guesses a trade.
public struct SignalValidator: Sendable {
    public let policy: GroundingPolicy

    public init(policy: GroundingPolicy = GroundingPolicy()) { self.policy = policy }

    /// The answer's fields, as the schema (`AnalysisPrompt.schema`) lists them.
    static let fieldKinds: [(key: String, kind: String)] = [
        ("action", "enum"), ("confidence", "enum"), ("confidence_score", "number"), ("entry_price", "number?"),
        ("stop_loss", "number?"), ("take_profit", "number?"), ("reasoning", "string"), ("key_factors", "strings"),
        ("daily_analysis", "string"), ("weekly_analysis", "string"), ("daily_readings", "readings"), ("weekly_readings", "readings"),
    ]

    public func validate(_ raw: String, context: AnalysisContext, provider: String, model: String, promptVersion: String,
                         signalId: String, now: Date) -> AnalysisOutcome {
        let refusals: [Refusal]
        var accepted: TradingSignal?
        switch parse(raw, context: context, provider: provider, model: model, promptVersion: promptVersion, signalId: signalId, now: now) {
        case .failure(let list):
            refusals = list.items
        case .success(let (signal, readings)):
            refusals = ground(signal, readings: readings, context: context)
            if refusals.isEmpty { accepted = signal }
        }
        let audit = AuditText.bounded(raw, limit: policy.maxAnswerBytes)
        if let accepted { return AnalysisOutcome(signal: accepted, reasons: [], rawAnswer: audit) }
        return Self.refused(refusals, context: context, provider: provider, model: model, promptVersion: promptVersion,
                            signalId: signalId, now: now, raw: audit)
    }

    /// The HOLD outcome for refusals (reasons as `rule.id: detail`).
    public static func refused(_ refusals: [Refusal], context: AnalysisContext, provider: String, model: String, promptVersion: String,
                               signalId: String, now: Date, raw: String) -> AnalysisOutcome {
        let reasons = refusals.map(\.description)
        return AnalysisOutcome(signal: hold(context: context, reasons: reasons, provider: provider, model: model,
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

    /// The readings the answer states per timeframe.
    struct Readings {
        var daily: [String: String] = [:]
        var weekly: [String: String] = [:]
    }

    private func parse(_ raw: String, context: AnalysisContext, provider: String, model: String, promptVersion: String,
                       signalId: String, now: Date) -> Result<(TradingSignal, Readings), RefusalList> {
        if raw.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return .failure(RefusalList([Refusal(.jsonEmpty, "empty answer")])) }
        let node: StrictJSON.Node
        do { node = try StrictJSON(maxBytes: policy.maxAnswerBytes, maxDepth: 4).parse(raw) } catch {
            return .failure(RefusalList([Refusal(Self.rule(for: error.kind), "answer: \(error)")]))
        }
        guard case .object(let members) = node.value else {
            return .failure(RefusalList([Refusal(.jsonNotObject, "answer is \(node.jsonValue.kind), not an object")]))
        }
        var reasons: [Refusal] = []
        let known = Set(Self.fieldKinds.map(\.key))
        let unknown = members.map(\.key).filter { !known.contains($0) }
        if !unknown.isEmpty { reasons.append(Refusal(.schemaUnknownField, "unexpected field(s): \(unknown.prefix(5).joined(separator: ", "))")) }
        for (key, kind) in Self.fieldKinds where node[key] == nil || (node[key]!.isNull && !kind.hasSuffix("?")) {
            reasons.append(Refusal(.schemaMissingField, "missing field \(key)"))
        }
        func string(_ key: String) -> String? {
            guard let n = node[key], !n.isNull else { return nil }
            guard let s = n.string else { reasons.append(Refusal(.schemaType, "\(key) must be a string, got \(n.jsonValue.kind)")); return nil }
            return s
        }
        func number(_ key: String) -> Double? {
            guard let n = node[key], !n.isNull else { return nil }
            guard let d = n.number else { reasons.append(Refusal(.schemaType, "\(key) must be a number, got \(n.jsonValue.kind)")); return nil }
            return d
        }
        let action = string("action").flatMap { a -> SignalAction? in
            if let x = SignalAction(rawValue: a) { return x }
            reasons.append(Refusal(.schemaEnum, "action must be BUY, SELL or HOLD, got \(a.prefix(20))"))
            return nil
        }
        let confidence = string("confidence").flatMap { c -> SignalConfidence? in
            if let x = SignalConfidence(rawValue: c) { return x }
            reasons.append(Refusal(.schemaEnum, "confidence must be HIGH, MEDIUM or LOW, got \(c.prefix(20))"))
            return nil
        }
        let score = number("confidence_score")
        let (entry, stop, target) = (number("entry_price"), number("stop_loss"), number("take_profit"))
        let reasoning = string("reasoning")
        var factors: [String] = []
        if let n = node["key_factors"], !n.isNull {
            if let list = n.array, list.allSatisfy({ $0.string != nil }) { factors = list.compactMap(\.string) } else {
                reasons.append(Refusal(.schemaType, "key_factors must be a list of strings"))
            }
        }
        let daily = string("daily_analysis"), weekly = string("weekly_analysis")
        var readings = Readings()
        for (key, timeframe) in [("daily_readings", "daily"), ("weekly_readings", "weekly")] {
            guard let n = node[key], !n.isNull else { continue }
            guard case .object(let fields) = n.value else {
                reasons.append(Refusal(.schemaType, "\(key) must be an object, got \(n.jsonValue.kind)"))
                continue
            }
            let allowed = Dictionary(uniqueKeysWithValues: StateReadings.fields.map { ($0.key, $0.values) })
            var got: [String: String] = [:]
            for f in fields {
                guard let values = allowed[f.key] else { reasons.append(Refusal(.schemaUnknownField, "\(key).\(f.key)")); continue }
                guard let v = f.node.string else { reasons.append(Refusal(.schemaType, "\(key).\(f.key) must be a string")); continue }
                guard values.contains(v) else {
                    reasons.append(Refusal(.schemaEnum, "\(key).\(f.key) must be one of \(values.joined(separator: ", ")), got \(v.prefix(20))"))
                    continue
                }
                got[f.key] = v
            }
            for f in StateReadings.fields where got[f.key] == nil && !fields.contains(where: { $0.key == f.key }) {
                reasons.append(Refusal(.schemaMissingField, "missing field \(key).\(f.key)"))
            }
            if timeframe == "daily" { readings.daily = got } else { readings.weekly = got }
        }
        guard reasons.isEmpty, let action, let confidence, let score, let reasoning else { return .failure(RefusalList(reasons)) }
        func decimal(_ d: Double?) -> Decimal? { d.map { Decimal(string: String(format: "%.6f", $0)) ?? Decimal($0) } }
        do {
            let signal = try TradingSignal(
                signalId: signalId, symbol: context.symbol, action: action, confidence: confidence, confidenceScore: score,
                entryPrice: decimal(entry), stopLoss: decimal(stop), takeProfit: decimal(target), reasoning: reasoning,
                keyFactors: factors, dailyAnalysis: daily, weeklyAnalysis: weekly, model: model, provider: provider,
                promptVersion: promptVersion, timestamp: now)
            return .success((signal, readings))
        } catch {
            return .failure(RefusalList([Refusal(.modelRule, "\(error)")]))
        }
    }

    static func rule(for kind: StrictJSON.Failure.Kind) -> RefusalRule {
        switch kind {
        case .tooLarge: .jsonTooLarge
        case .tooDeep: .jsonTooDeep
        case .duplicateKey: .jsonDuplicateKey
        case .numberRange: .jsonNumberRange
        case .trailingContent: .jsonTrailingContent
        case .syntax: .jsonSyntax
        }
    }

    /// Checks a well-formed signal against the data it was made from.
    func ground(_ s: TradingSignal, readings: Readings, context: AnalysisContext) -> [Refusal] {
        var out = geometry(s, context: context)
        out += StateReadings.check(readings.daily, timeframe: "daily", close: context.lastClose, indicators: context.indicators, policy: policy)
        out += StateReadings.check(readings.weekly, timeframe: "weekly", close: context.lastClose, indicators: context.weeklyIndicators,
                                   policy: policy)
        let fields = [ProseScreen.Field(name: "reasoning", text: s.reasoning, scope: .either, maxLength: policy.maxTextLength)]
            + s.keyFactors.enumerated().map { ProseScreen.Field(name: "key_factors[\($0.offset)]", text: $0.element, scope: .either,
                                                                 maxLength: policy.maxFactorLength) }
            + [ProseScreen.Field(name: "daily_analysis", text: s.dailyAnalysis ?? "", scope: .daily, maxLength: policy.maxTextLength),
               ProseScreen.Field(name: "weekly_analysis", text: s.weeklyAnalysis ?? "", scope: .weekly, maxLength: policy.maxTextLength)]
        if s.keyFactors.count > policy.maxFactors {
            out.append(Refusal(.textTooLong, "\(s.keyFactors.count) key_factors; the limit is \(policy.maxFactors)"))
        }
        let screen = ProseScreen(policy: policy)
        out += screen.screen(fields, action: s.action, context: context)
        out += screen.instructions(fields)
        return out
    }

    /// The risk geometry of BUY/SELL levels (`GroundingPolicy`).
    func geometry(_ s: TradingSignal, context: AnalysisContext) -> [Refusal] {
        guard s.action != .hold else { return [] }
        guard let e = s.entryPrice?.doubleValue, let stop = s.stopLoss?.doubleValue, let target = s.takeProfit?.doubleValue else {
            return [Refusal(.levelsMissing, "\(s.action.rawValue) needs entry_price, stop_loss and take_profit")]
        }
        guard let atr = context.indicators.atr14, atr > 0 else {
            return [Refusal(.levelsNoATR, "\(s.action.rawValue) while the daily ATR 14 is undefined")]
        }
        var out: [Refusal] = []
        let close = context.lastClose
        let p = policy
        func f(_ x: Double) -> String { String(format: "%.4g", x) }
        let entryOff = abs(e - close)
        if entryOff > p.maxEntryATR * atr || entryOff > p.maxEntryPercent * close {
            out.append(Refusal(.levelsEntryDistance, "entry_price \(f(e)) is \(String(format: "%.2f", entryOff / atr)) ATR / "
                               + "\(String(format: "%.1f", entryOff / close * 100))% from the last close \(f(close)) "
                               + "(limits \(f(p.maxEntryATR)) ATR, \(f(p.maxEntryPercent * 100))%)"))
        }
        let risk = abs(e - stop)
        if risk < p.minStopATR * atr {
            out.append(Refusal(.levelsStopDistance, "stop_loss \(f(stop)) is \(String(format: "%.2f", risk / atr)) ATR from the entry "
                               + "\(f(e)); the minimum is \(f(p.minStopATR)) ATR (ATR 14 = \(f(atr)))"))
        }
        if risk > 0, abs(target - e) / risk < p.minRewardRisk {
            out.append(Refusal(.levelsRewardRisk, "reward:risk \(String(format: "%.3f", abs(target - e) / risk)) is below the minimum \(f(p.minRewardRisk))"))
        }
        let slack = (context.chartHigh - context.chartLow) * p.chartRangeSlack
        for (name, v) in [("stop_loss", stop), ("take_profit", target)] {
            if v < context.chartLow - slack || v > context.chartHigh + slack || abs(v - close) / close > p.maxLevelDistance {
                out.append(Refusal(.levelsOutsideRange, "\(name) \(f(v)) is outside the daily chart's range \(f(context.chartLow))–"
                                   + "\(f(context.chartHigh)) plus \(f(p.chartRangeSlack * 100))% slack"))
            }
        }
        return out
    }
}

/// Refusals as an error, for `Result`.
struct RefusalList: Error {
    let items: [Refusal]
    init(_ items: [Refusal]) { self.items = items }
}

/// Bounded audit copies of untrusted text: kept verbatim up to a limit, then cut with the total
/// size and the sha256 of the whole, so an oversize answer is evidenced without being stored.
public enum AuditText {
    public static func bounded(_ raw: String, limit: Int) -> String {
        let bytes = Array(raw.utf8)
        guard bytes.count > limit else { return raw }
        return String(decoding: bytes.prefix(limit), as: UTF8.self)
            + "…[cut for audit: \(bytes.count) bytes in all, sha256 \(SHA256Digest.hex(of: Data(bytes)))]"
    }
}
