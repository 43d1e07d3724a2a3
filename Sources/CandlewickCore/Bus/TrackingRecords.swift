import Foundation

/// Where a `run.*` record stands in its run's audit trail, so the tracker can tell what it lacks.
/// The run owner numbers its records 1, 2, 3 … in the order it publishes them (`run.started` is 1,
/// `run.finished` the last) and writes each, before publishing it, to its outbox directory as
/// `<seq, 6 digits>.json` (the envelope) and `<seq>-<attachment index>.bin` (the attachments), so a
/// tracker that missed a record reads it back from there.
///
/// Rules: `seq` >= 1; `outbox`, when given, an absolute path; `symbols` (on `run.finished` only):
/// every symbol whose `run.symbol` record the run published.
public struct TrailPosition: Codable, Sendable, Hashable {
    public let seq: Int
    public let outbox: String?
    public let symbols: [String]?

    public init(seq: Int, outbox: String?, symbols: [String]? = nil) throws {
        let v = Validator("TrailPosition")
        try v.require(seq >= 1, "trail.seq", "must be >= 1, got \(seq)")
        if let outbox { try v.require(outbox.hasPrefix("/"), "trail.outbox", "must be an absolute path, got \(outbox)") }
        self.seq = seq
        self.outbox = outbox
        self.symbols = symbols
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(seq: c.decode(Int.self, forKey: .seq), outbox: c.decodeIfPresent(String.self, forKey: .outbox),
                      symbols: c.decodeIfPresent([String].self, forKey: .symbols))
    }
}

/// The start of a pipeline run, for the tracker: which symbols, and the run's settings as
/// string parameters (e.g. `llm_provider`, `position_size`).
///
/// Rules: `run_id` non-empty; every symbol valid; parameter keys non-empty.
public struct RunStarted: BusPayload, Hashable {
    public static let messageType = "run.started"

    public let runId: String
    public let symbols: [String]
    public let params: [String: String]
    public let startedAt: Date
    /// The record's place in the run's audit trail (absent from publishers that do not number their records).
    public let trail: TrailPosition?

    public init(runId: String, symbols: [String], params: [String: String] = [:], startedAt: Date, trail: TrailPosition? = nil) throws {
        let v = Validator("RunStarted")
        try v.nonEmpty(runId, "run_id")
        for (i, s) in symbols.enumerated() { try SymbolRule.validate(s, model: "RunStarted", field: "symbols[\(i)]") }
        for key in params.keys { try v.nonEmpty(key, "params") }
        self.runId = runId
        self.symbols = symbols
        self.params = params
        self.startedAt = startedAt
        self.trail = trail
    }

    enum CodingKeys: String, CodingKey {
        case symbols, params, trail
        case runId = "run_id", startedAt = "started_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(runId: c.decode(String.self, forKey: .runId), symbols: c.decode([String].self, forKey: .symbols),
                      params: c.decodeIfPresent([String: String].self, forKey: .params) ?? [:],
                      startedAt: c.decode(Date.self, forKey: .startedAt), trail: c.decodeIfPresent(TrailPosition.self, forKey: .trail))
    }
}

/// One finished symbol of a run, for the tracker: the signal, how it was obtained and what it cost.
/// The daily and weekly chart PNGs travel as attachment frames named `daily_chart.png` and
/// `weekly_chart.png` (either may be missing when its chart failed).
///
/// Rules: `run_id` non-empty; `symbol` valid and equal to the signal's; token counts >= 0;
/// `llm_latency_ms` finite and >= 0; `latest_price` > 0; stage timings finite.
public struct SymbolRecord: BusPayload, Hashable {
    public static let messageType = "run.symbol"
    /// Attachment names the tracker looks for.
    public static let dailyChartName = "daily_chart.png"
    public static let weeklyChartName = "weekly_chart.png"

    public let runId: String
    public let symbol: String
    public let signal: TradingSignal
    /// The model's answer as received (empty for the rules analyst).
    public let rawAnswer: String
    /// Why the answer was refused (then the signal is HOLD); empty when accepted.
    public let reasons: [String]
    public let llmProvider: String
    public let llmModel: String
    public let promptVersion: String
    public let inputTokens: Int
    public let outputTokens: Int
    public let llmLatencyMs: Double
    /// What the model call cost in USD (nil: no price for the model, or no model).
    public let costUsd: Double?
    public let latestPrice: Decimal
    /// Seconds per stage for this symbol (e.g. `charts`, `analysis`).
    public let stageTimings: [String: Double]
    /// The record's place in the run's audit trail.
    public let trail: TrailPosition?

    public init(runId: String, symbol: String, signal: TradingSignal, rawAnswer: String = "", reasons: [String] = [],
                llmProvider: String, llmModel: String, promptVersion: String, inputTokens: Int = 0, outputTokens: Int = 0,
                llmLatencyMs: Double = 0, costUsd: Double? = nil, latestPrice: Decimal, stageTimings: [String: Double] = [:],
                trail: TrailPosition? = nil) throws {
        try Self.validate(Validator("SymbolRecord"), runId: runId, symbol: symbol, signal: signal, inputTokens: inputTokens,
                          outputTokens: outputTokens, llmLatencyMs: llmLatencyMs, costUsd: costUsd, latestPrice: latestPrice,
                          stageTimings: stageTimings)
        self.runId = runId
        self.symbol = symbol
        self.signal = signal
        self.rawAnswer = rawAnswer
        self.reasons = reasons
        self.llmProvider = llmProvider
        self.llmModel = llmModel
        self.promptVersion = promptVersion
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.llmLatencyMs = llmLatencyMs
        self.costUsd = costUsd
        self.latestPrice = latestPrice
        self.stageTimings = stageTimings
        self.trail = trail
    }

    /// The rules a symbol's record keeps, here and in its live view (`LiveSymbolRecord`), reported under `v`'s model name.
    static func validate(_ v: Validator, runId: String, symbol: String, signal: TradingSignal, inputTokens: Int, outputTokens: Int,
                         llmLatencyMs: Double, costUsd: Double?, latestPrice: Decimal, stageTimings: [String: Double]) throws {
        try v.nonEmpty(runId, "run_id")
        try SymbolRule.validate(symbol, model: v.model)
        try v.require(signal.symbol == symbol, "signal.symbol", "must be \(symbol), got \(signal.symbol)")
        try v.require(inputTokens >= 0 && outputTokens >= 0, "input_tokens", "token counts must be >= 0")
        try v.require(llmLatencyMs.isFinite && llmLatencyMs >= 0, "llm_latency_ms", "must be finite and >= 0")
        try v.require(costUsd.map { $0.isFinite && $0 >= 0 } ?? true, "cost_usd", "must be finite and >= 0")
        try v.positive(latestPrice, "latest_price")
        for (k, t) in stageTimings { try v.require(t.isFinite, "stage_timings.\(k)", "must be finite") }
    }

    /// The same record at a place in the audit trail.
    public func at(_ trail: TrailPosition) throws -> SymbolRecord {
        try SymbolRecord(runId: runId, symbol: symbol, signal: signal, rawAnswer: rawAnswer, reasons: reasons, llmProvider: llmProvider,
                         llmModel: llmModel, promptVersion: promptVersion, inputTokens: inputTokens, outputTokens: outputTokens,
                         llmLatencyMs: llmLatencyMs, costUsd: costUsd, latestPrice: latestPrice, stageTimings: stageTimings, trail: trail)
    }

    enum CodingKeys: String, CodingKey {
        case symbol, signal, reasons, trail
        case runId = "run_id", rawAnswer = "raw_answer", llmProvider = "llm_provider", llmModel = "llm_model"
        case promptVersion = "prompt_version", inputTokens = "input_tokens", outputTokens = "output_tokens"
        case llmLatencyMs = "llm_latency_ms", latestPrice = "latest_price", stageTimings = "stage_timings", costUsd = "cost_usd"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            runId: c.decode(String.self, forKey: .runId), symbol: c.decode(String.self, forKey: .symbol),
            signal: c.decode(TradingSignal.self, forKey: .signal),
            rawAnswer: c.decodeIfPresent(String.self, forKey: .rawAnswer) ?? "",
            reasons: c.decodeIfPresent([String].self, forKey: .reasons) ?? [],
            llmProvider: c.decode(String.self, forKey: .llmProvider), llmModel: c.decode(String.self, forKey: .llmModel),
            promptVersion: c.decode(String.self, forKey: .promptVersion),
            inputTokens: c.decodeIfPresent(Int.self, forKey: .inputTokens) ?? 0,
            outputTokens: c.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0,
            llmLatencyMs: c.decodeIfPresent(Double.self, forKey: .llmLatencyMs) ?? 0,
            costUsd: c.decodeIfPresent(Double.self, forKey: .costUsd), latestPrice: c.decode(Decimal.self, forKey: .latestPrice),
            stageTimings: c.decodeIfPresent([String: Double].self, forKey: .stageTimings) ?? [:],
            trail: c.decodeIfPresent(TrailPosition.self, forKey: .trail))
    }
}

/// How a run ended, in MLflow's words.
public enum RunEndStatus: String, Codable, Sendable, CaseIterable {
    case finished = "FINISHED", failed = "FAILED"
}

/// The end of a pipeline run, for the tracker: its status and totals (e.g. `symbols`, `actionable`, `failed`).
///
/// Rules: `run_id` non-empty; totals finite.
public struct RunFinished: BusPayload, Hashable {
    public static let messageType = "run.finished"

    public let runId: String
    public let status: RunEndStatus
    public let totals: [String: Double]
    public let finishedAt: Date
    /// The record's place in the run's audit trail: the last one; `trail.symbols` lists the symbols with a record.
    public let trail: TrailPosition?

    public init(runId: String, status: RunEndStatus, totals: [String: Double] = [:], finishedAt: Date, trail: TrailPosition? = nil) throws {
        let v = Validator("RunFinished")
        try v.nonEmpty(runId, "run_id")
        for (k, t) in totals { try v.require(t.isFinite, "totals.\(k)", "must be finite") }
        self.runId = runId
        self.status = status
        self.totals = totals
        self.finishedAt = finishedAt
        self.trail = trail
    }

    enum CodingKeys: String, CodingKey {
        case status, totals, trail
        case runId = "run_id", finishedAt = "finished_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(runId: c.decode(String.self, forKey: .runId), status: c.decode(RunEndStatus.self, forKey: .status),
                      totals: c.decodeIfPresent([String: Double].self, forKey: .totals) ?? [:],
                      finishedAt: c.decode(Date.self, forKey: .finishedAt), trail: c.decodeIfPresent(TrailPosition.self, forKey: .trail))
    }
}
