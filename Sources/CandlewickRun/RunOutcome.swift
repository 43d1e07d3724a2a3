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
    /// Why the run stopped before it finished (nil when it finished).
    public var stop: RunStop?
}

/// A symbol (or `(orders)`) that was still under way when the run stopped, and the stage it was in
/// (`bars`, `charts`, `analysis`, `orders`, `broker snapshot`).
public struct RunCutShort: Sendable, Hashable {
    public let symbol: String
    public let stage: String

    public init(symbol: String, stage: String) {
        self.symbol = symbol
        self.stage = stage
    }
}

/// Why a run stopped before it finished.
public struct RunStop: Sendable, Hashable {
    public enum Code: String, Sendable {
        /// SIGTERM or SIGINT.
        case signal
        /// A needed stage had no live worker for longer than `run.stage_dead_s`.
        case stageDead = "stage_dead"
    }

    public let code: Code
    /// The needed stages with no live worker (empty for a signal).
    public let stages: [String]
    /// What happened, naming the stage(s) and the workers last heard.
    public let message: String
    /// What was still under way, in universe order.
    public var cutShort: [RunCutShort] = []

    public init(code: Code, stages: [String], message: String, cutShort: [RunCutShort] = []) {
        self.code = code
        self.stages = stages
        self.message = message
        self.cutShort = cutShort
    }

    /// Why, in a few words (each cut-short symbol's failure says this; `message` has the detail).
    public var summary: String {
        switch code {
        case .signal: "the run was stopped by a shutdown signal"
        case .stageDead: "the run stopped: no live worker in stage \(stages.joined(separator: ", "))"
        }
    }
}
