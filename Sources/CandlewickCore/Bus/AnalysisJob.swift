import Foundation

/// Work for an llm-worker: one symbol's computed numbers; the daily and weekly chart PNGs travel as
/// attachment frames 0 and 1.
///
/// Rules: `job_id` non-empty; prices > 0; `chart_low <= chart_high`; the indicators are for `symbol`.
public struct AnalysisJob: BusPayload, Hashable {
    public static let messageType = "analysis.job"

    public let jobId: String
    public let symbol: String
    public let lastClose: Decimal
    public let chartLow: Decimal
    public let chartHigh: Decimal
    public let indicators: TechnicalIndicators
    public let weeklyIndicators: TechnicalIndicators?
    /// Shares held now (negative = short), if any.
    public let position: Decimal?

    public init(jobId: String, symbol: String, lastClose: Decimal, chartLow: Decimal, chartHigh: Decimal,
                indicators: TechnicalIndicators, weeklyIndicators: TechnicalIndicators? = nil, position: Decimal? = nil) throws {
        let v = Validator("AnalysisJob")
        try v.nonEmpty(jobId, "job_id")
        try SymbolRule.validate(symbol, model: "AnalysisJob")
        try v.positive(lastClose, "last_close")
        try v.positive(chartLow, "chart_low")
        try v.positive(chartHigh, "chart_high")
        try v.require(chartLow <= chartHigh, "chart_low", "must be <= chart_high")
        try v.require(indicators.symbol == symbol, "indicators.symbol", "must be \(symbol), got \(indicators.symbol)")
        self.jobId = jobId
        self.symbol = symbol
        self.lastClose = lastClose
        self.chartLow = chartLow
        self.chartHigh = chartHigh
        self.indicators = indicators
        self.weeklyIndicators = weeklyIndicators
        self.position = position
    }

    /// The context the answer is judged against.
    public var context: AnalysisContext {
        AnalysisContext(symbol: symbol, lastClose: lastClose.doubleValue, indicators: indicators, weeklyIndicators: weeklyIndicators,
                        chartLow: chartLow.doubleValue, chartHigh: chartHigh.doubleValue, position: position?.doubleValue,
                        asOf: indicators.timestamp)
    }

    enum CodingKeys: String, CodingKey {
        case symbol, indicators, position
        case jobId = "job_id", lastClose = "last_close", chartLow = "chart_low", chartHigh = "chart_high"
        case weeklyIndicators = "weekly_indicators"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(jobId: c.decode(String.self, forKey: .jobId), symbol: c.decode(String.self, forKey: .symbol),
                      lastClose: c.decode(Decimal.self, forKey: .lastClose), chartLow: c.decode(Decimal.self, forKey: .chartLow),
                      chartHigh: c.decode(Decimal.self, forKey: .chartHigh),
                      indicators: c.decode(TechnicalIndicators.self, forKey: .indicators),
                      weeklyIndicators: c.decodeIfPresent(TechnicalIndicators.self, forKey: .weeklyIndicators),
                      position: c.decodeIfPresent(Decimal.self, forKey: .position))
    }
}

/// What an llm-worker returns for a job: the validated signal (HOLD with reasons when refused),
/// the raw answer for audit, and the cost of getting it.
public struct AnalysisResult: BusPayload, Hashable {
    public static let messageType = "analysis.result"

    public let jobId: String
    public let signal: TradingSignal
    public let reasons: [String]
    public let rawAnswer: String
    public let inputTokens: Int
    public let outputTokens: Int
    public let imageTokens: Int?
    public let latencyMs: Double
    public let attempts: Int
    public let cached: Bool
    public let worker: String
    /// What the model call cost in USD (0 when no call was made; nil when the model has no price).
    public let costUsd: Double?
    /// Shadow mode: recorded, never submitted.
    public let shadow: Bool

    public init(jobId: String, signal: TradingSignal, reasons: [String], rawAnswer: String, inputTokens: Int, outputTokens: Int,
                imageTokens: Int?, latencyMs: Double, attempts: Int, cached: Bool, worker: String, costUsd: Double? = nil,
                shadow: Bool = false) throws {
        let v = Validator("AnalysisResult")
        try v.nonEmpty(jobId, "job_id")
        try v.nonEmpty(worker, "worker")
        try v.require(inputTokens >= 0 && outputTokens >= 0, "input_tokens", "token counts must be >= 0")
        try v.require(latencyMs.isFinite && latencyMs >= 0, "latency_ms", "must be >= 0")
        try v.require(reasons.isEmpty || signal.action == .hold, "signal", "a refused answer must be HOLD")
        try v.require(costUsd.map { $0.isFinite && $0 >= 0 } ?? true, "cost_usd", "must be finite and >= 0")
        self.jobId = jobId
        self.signal = signal
        self.reasons = reasons
        self.rawAnswer = rawAnswer
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.imageTokens = imageTokens
        self.latencyMs = latencyMs
        self.attempts = attempts
        self.cached = cached
        self.worker = worker
        self.costUsd = costUsd
        self.shadow = shadow
    }

    enum CodingKeys: String, CodingKey {
        case signal, reasons, attempts, cached, worker, shadow
        case jobId = "job_id", rawAnswer = "raw_answer", inputTokens = "input_tokens", outputTokens = "output_tokens"
        case imageTokens = "image_tokens", latencyMs = "latency_ms", costUsd = "cost_usd"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(jobId: c.decode(String.self, forKey: .jobId), signal: c.decode(TradingSignal.self, forKey: .signal),
                      reasons: c.decodeIfPresent([String].self, forKey: .reasons) ?? [],
                      rawAnswer: c.decodeIfPresent(String.self, forKey: .rawAnswer) ?? "",
                      inputTokens: c.decode(Int.self, forKey: .inputTokens), outputTokens: c.decode(Int.self, forKey: .outputTokens),
                      imageTokens: c.decodeIfPresent(Int.self, forKey: .imageTokens), latencyMs: c.decode(Double.self, forKey: .latencyMs),
                      attempts: c.decode(Int.self, forKey: .attempts), cached: c.decode(Bool.self, forKey: .cached),
                      worker: c.decode(String.self, forKey: .worker), costUsd: c.decodeIfPresent(Double.self, forKey: .costUsd),
                      shadow: c.decodeIfPresent(Bool.self, forKey: .shadow) ?? false)
    }
}
