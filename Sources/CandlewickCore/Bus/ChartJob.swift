import Foundation

/// Work for a chart-worker: a symbol's daily bars and how to draw its two charts.
///
/// Rules: `job_id` non-empty; both configs are for `market_data.symbol`; `daily` is daily and
/// `weekly` is weekly; `market_data` is daily bars.
///
/// Equality and hashing are over the values; `marketDataJSON` is only how `market_data` is written.
public struct ChartJob: BusPayload, Hashable {
    public static let messageType = "chart.job"

    public let jobId: String
    public let marketData: MarketData
    public let daily: ChartConfig
    public let weekly: ChartConfig
    /// When set, the worker also writes `<dir>/<SYMBOL>_daily.png` and `_weekly.png`.
    public let artifactDir: String?
    /// The JSON `marketData` was decoded from, as received (a `market_data` reply's payload): when
    /// set, the job's `market_data` is these bytes, forwarded instead of encoded again (see
    /// `forwarding(_:)`). Never decoded here; never sent back out by `Codable`'s `encode(to:)`.
    public let marketDataJSON: Data?

    /// - Parameter marketDataJSON: the bytes `marketData` was decoded from, to forward as they are
    ///   (the caller vouches that they decode to `marketData`), or nil to encode `marketData`.
    public init(jobId: String, marketData: MarketData, daily: ChartConfig, weekly: ChartConfig, artifactDir: String? = nil,
                marketDataJSON: Data? = nil) throws {
        let v = Validator("ChartJob")
        try v.nonEmpty(jobId, "job_id")
        try v.require(marketData.timeframe == .daily, "market_data.timeframe", "must be daily (weekly bars are resampled by the worker)")
        try v.require(daily.symbol == marketData.symbol, "daily.symbol", "must be \(marketData.symbol), got \(daily.symbol)")
        try v.require(weekly.symbol == marketData.symbol, "weekly.symbol", "must be \(marketData.symbol), got \(weekly.symbol)")
        try v.require(daily.timeframe == .daily, "daily.timeframe", "must be daily")
        try v.require(weekly.timeframe == .weekly, "weekly.timeframe", "must be weekly")
        if let artifactDir { try v.nonEmpty(artifactDir, "artifact_dir") }
        self.jobId = jobId
        self.marketData = marketData
        self.daily = daily
        self.weekly = weekly
        self.artifactDir = artifactDir
        self.marketDataJSON = marketDataJSON
    }

    public static func == (a: ChartJob, b: ChartJob) -> Bool {
        a.jobId == b.jobId && a.marketData == b.marketData && a.daily == b.daily && a.weekly == b.weekly && a.artifactDir == b.artifactDir
    }

    public func hash(into h: inout Hasher) {
        h.combine(jobId)
        h.combine(marketData)
        h.combine(daily)
        h.combine(weekly)
        h.combine(artifactDir)
    }

    enum CodingKeys: String, CodingKey {
        case daily, weekly
        case jobId = "job_id", marketData = "market_data", artifactDir = "artifact_dir"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(jobId: c.decode(String.self, forKey: .jobId), marketData: c.decode(MarketData.self, forKey: .marketData),
                      daily: c.decode(ChartConfig.self, forKey: .daily), weekly: c.decode(ChartConfig.self, forKey: .weekly),
                      artifactDir: c.decodeIfPresent(String.self, forKey: .artifactDir))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(jobId, forKey: .jobId)
        try c.encode(marketData, forKey: .marketData)
        try c.encode(daily, forKey: .daily)
        try c.encode(weekly, forKey: .weekly)
        try c.encodeIfPresent(artifactDir, forKey: .artifactDir)
    }
}

/// What a chart-worker returns for a job: both `ChartResult`s (PNG bytes in attachments 0 and 1)
/// and the indicator snapshots, or the reason it failed.
///
/// Rules: `job_id`, `worker` non-empty; status `ok` needs two charts and `indicators`; status
/// `failed` needs `error`.
public struct ChartJobResult: BusPayload, Hashable {
    public static let messageType = "chart.result"

    public let jobId: String
    public let symbol: String
    public let status: String
    public let charts: [ChartResult]
    public let indicators: TechnicalIndicators?
    public let weeklyIndicators: TechnicalIndicators?
    public let error: String?
    public let worker: String
    public let renderMs: Double
    /// The last daily close (the price the indicators are read against).
    public let lastClose: Decimal?

    public init(jobId: String, symbol: String, status: String, charts: [ChartResult] = [], indicators: TechnicalIndicators? = nil,
                weeklyIndicators: TechnicalIndicators? = nil, error: String? = nil, worker: String, renderMs: Double,
                lastClose: Decimal? = nil) throws {
        let v = Validator("ChartJobResult")
        try v.nonEmpty(jobId, "job_id")
        try v.nonEmpty(worker, "worker")
        try v.require(status == "ok" || status == "failed", "status", "must be ok or failed, got \(status)")
        if status == "ok" {
            try v.require(charts.count == 2, "charts", "an ok result has the daily and the weekly chart")
            try v.require(indicators != nil, "indicators", "is required when status is ok")
        } else {
            try v.require(error.map { !$0.isEmpty } == true, "error", "is required when status is failed")
        }
        try v.require(renderMs.isFinite && renderMs >= 0, "render_ms", "must be >= 0")
        try v.positive(lastClose, "last_close")
        self.lastClose = lastClose
        self.jobId = jobId
        self.symbol = symbol
        self.status = status
        self.charts = charts
        self.indicators = indicators
        self.weeklyIndicators = weeklyIndicators
        self.error = error
        self.worker = worker
        self.renderMs = renderMs
    }

    enum CodingKeys: String, CodingKey {
        case symbol, status, charts, indicators, error, worker
        case jobId = "job_id", weeklyIndicators = "weekly_indicators", renderMs = "render_ms", lastClose = "last_close"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(jobId: c.decode(String.self, forKey: .jobId), symbol: c.decode(String.self, forKey: .symbol),
                      status: c.decode(String.self, forKey: .status),
                      charts: c.decodeIfPresent([ChartResult].self, forKey: .charts) ?? [],
                      indicators: c.decodeIfPresent(TechnicalIndicators.self, forKey: .indicators),
                      weeklyIndicators: c.decodeIfPresent(TechnicalIndicators.self, forKey: .weeklyIndicators),
                      error: c.decodeIfPresent(String.self, forKey: .error), worker: c.decode(String.self, forKey: .worker),
                      renderMs: c.decode(Double.self, forKey: .renderMs),
                      lastClose: c.decodeIfPresent(Decimal.self, forKey: .lastClose))
    }
}
