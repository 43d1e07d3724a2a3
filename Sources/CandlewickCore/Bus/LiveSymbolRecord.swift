import Foundation

/// One finished symbol of a run, for live observers (the console): what `run.symbol` says minus the
/// model's raw answer and the chart PNGs, plus where the charts are on disk. The run owner publishes it
/// right after the symbol's `run.symbol`, under the topic `live.symbol`, which no `run.` subscription
/// (the tracker's) matches: with no live observer subscribed, the publisher drops it, and an observer
/// never receives the ~270 KB of chart attachments a `run.symbol` carries. It is not part of the
/// audit trail (no `trail`, never in the outbox).
///
/// `run_folder` is the run folder's name (its last path component: `runs/<run id>` by default) and
/// `chart_files` maps `daily` / `weekly` to a chart PNG's path relative to that folder (e.g.
/// `charts/MSFT/MSFT_daily.png`); a chart that was not written to disk is left out.
///
/// Rules: `run_id` non-empty; `symbol` valid and equal to the signal's; token counts >= 0;
/// `llm_latency_ms` finite and >= 0; `cost_usd` finite and >= 0; `latest_price` > 0; stage timings
/// finite; `run_folder` one plain path segment; `chart_files` keys `daily` or `weekly`, each value
/// a relative path of plain segments (none empty, none starting with `.`, no `\` or NUL).
public struct LiveSymbolRecord: BusPayload, Hashable {
    public static let messageType = "live.symbol"
    /// The keys of `chart_files`.
    public static let timeframes = ["daily", "weekly"]

    public let runId: String
    public let symbol: String
    public let signal: TradingSignal
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
    /// The run folder's name, where `chartFiles` are (nil: the run keeps no folder).
    public let runFolder: String?
    /// `daily` / `weekly` → the chart PNG's path relative to the run folder.
    public let chartFiles: [String: String]

    /// The live view of `record`: everything but `raw_answer` and `trail`, with where its charts are.
    public init(_ record: SymbolRecord, runFolder: String?, chartFiles: [String: String]) throws {
        try self.init(runId: record.runId, symbol: record.symbol, signal: record.signal, reasons: record.reasons,
                      llmProvider: record.llmProvider, llmModel: record.llmModel, promptVersion: record.promptVersion,
                      inputTokens: record.inputTokens, outputTokens: record.outputTokens, llmLatencyMs: record.llmLatencyMs,
                      costUsd: record.costUsd, latestPrice: record.latestPrice, stageTimings: record.stageTimings,
                      runFolder: runFolder, chartFiles: chartFiles)
    }

    public init(runId: String, symbol: String, signal: TradingSignal, reasons: [String] = [], llmProvider: String, llmModel: String,
                promptVersion: String, inputTokens: Int = 0, outputTokens: Int = 0, llmLatencyMs: Double = 0, costUsd: Double? = nil,
                latestPrice: Decimal, stageTimings: [String: Double] = [:], runFolder: String? = nil, chartFiles: [String: String] = [:]) throws {
        let v = Validator("LiveSymbolRecord")
        try SymbolRecord.validate(v, runId: runId, symbol: symbol, signal: signal, inputTokens: inputTokens, outputTokens: outputTokens,
                                  llmLatencyMs: llmLatencyMs, costUsd: costUsd, latestPrice: latestPrice, stageTimings: stageTimings)
        if let runFolder {
            try v.require(Self.plainSegment(runFolder), "run_folder", "must be one plain path segment, got \(runFolder)")
        }
        for (timeframe, path) in chartFiles {
            try v.require(Self.timeframes.contains(timeframe), "chart_files", "keys must be daily or weekly, got \(timeframe)")
            try v.require(Self.relativePath(path) != nil, "chart_files.\(timeframe)",
                          "must be a relative path of plain segments, got \(path)")
        }
        self.runId = runId
        self.symbol = symbol
        self.signal = signal
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
        self.runFolder = runFolder
        self.chartFiles = chartFiles
    }

    /// The segments of a relative path of plain segments, or nil when `path` is absolute, empty, or has a
    /// segment that is empty, starts with `.` (so no `..`), or holds `\` or NUL.
    public static func relativePath(_ path: String) -> [String]? {
        let segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !path.isEmpty, segments.allSatisfy(plainSegment) else { return nil }
        return segments
    }

    /// Not empty, not starting with `.`, no `/`, `\` or NUL.
    public static func plainSegment(_ s: String) -> Bool {
        !s.isEmpty && !s.hasPrefix(".") && !s.contains("/") && !s.contains("\\") && !s.contains("\u{0}")
    }

    enum CodingKeys: String, CodingKey {
        case symbol, signal, reasons
        case runId = "run_id", llmProvider = "llm_provider", llmModel = "llm_model"
        case promptVersion = "prompt_version", inputTokens = "input_tokens", outputTokens = "output_tokens"
        case llmLatencyMs = "llm_latency_ms", latestPrice = "latest_price", stageTimings = "stage_timings", costUsd = "cost_usd"
        case runFolder = "run_folder", chartFiles = "chart_files"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            runId: c.decode(String.self, forKey: .runId), symbol: c.decode(String.self, forKey: .symbol),
            signal: c.decode(TradingSignal.self, forKey: .signal),
            reasons: c.decodeIfPresent([String].self, forKey: .reasons) ?? [],
            llmProvider: c.decode(String.self, forKey: .llmProvider), llmModel: c.decode(String.self, forKey: .llmModel),
            promptVersion: c.decode(String.self, forKey: .promptVersion),
            inputTokens: c.decodeIfPresent(Int.self, forKey: .inputTokens) ?? 0,
            outputTokens: c.decodeIfPresent(Int.self, forKey: .outputTokens) ?? 0,
            llmLatencyMs: c.decodeIfPresent(Double.self, forKey: .llmLatencyMs) ?? 0,
            costUsd: c.decodeIfPresent(Double.self, forKey: .costUsd), latestPrice: c.decode(Decimal.self, forKey: .latestPrice),
            stageTimings: c.decodeIfPresent([String: Double].self, forKey: .stageTimings) ?? [:],
            runFolder: c.decodeIfPresent(String.self, forKey: .runFolder),
            chartFiles: c.decodeIfPresent([String: String].self, forKey: .chartFiles) ?? [:])
    }
}
