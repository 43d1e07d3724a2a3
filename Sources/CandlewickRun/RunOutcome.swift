import CandlewickCore

/// A symbol (or `(run)`, `(orders)`) that did not make it, and why.
public struct RunFailure: Sendable, Hashable {
    public let symbol: String
    public let reason: String

    public init(_ symbol: String, _ reason: String) {
        self.symbol = symbol
        self.reason = reason
    }
}

/// What a run came to.
public struct RunOutcome: Sendable {
    public let runId: String
    /// Signals by symbol.
    public let signals: [AnalysisResult]
    /// Chart results by symbol (failed ones included).
    public let charts: [ChartJobResult]
    public let failures: [RunFailure]
    /// Jobs sent again after their lease expired, and results that came twice.
    public let reissued: Int
    public let duplicates: Int
    /// Seconds from the start of the run to the end of each stage (`data`, `charts`, `orders`, `total`).
    public let stageSeconds: [String: Double]
    /// Orders, fills and the portfolio (nil when the run sent no orders).
    public let orders: RunOrders?
}
