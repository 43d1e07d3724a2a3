import CandlewickCore
import Foundation

/// What is recorded with each signal for audit and cost tracking: the signal, the raw model answer,
/// why an answer was refused, token usage (image tokens included when reported), latency,
/// attempts and whether it came from the cache. Never contains secrets.
public struct AnalysisRecord: Encodable, Sendable {
    public let signal: TradingSignal
    public let rawAnswer: String
    public let reasons: [String]
    public let usage: TokenUsage
    public let latencyMs: Double
    public let attempts: Int
    public let cached: Bool

    public init(_ r: AnalysisReport) {
        signal = r.outcome.signal
        rawAnswer = r.outcome.rawAnswer
        reasons = r.outcome.reasons
        usage = r.usage
        latencyMs = r.latencyMs
        attempts = r.attempts
        cached = r.cached
    }

    /// A record for the rules analyst (no model call).
    public init(signal: TradingSignal, latencyMs: Double) {
        self.signal = signal
        rawAnswer = ""
        reasons = []
        usage = TokenUsage()
        self.latencyMs = latencyMs
        attempts = 0
        cached = false
    }

    enum CodingKeys: String, CodingKey {
        case signal, reasons, usage, attempts, cached
        case rawAnswer = "raw_answer", latencyMs = "latency_ms"
    }

    public func write(to path: String) throws {
        let e = CandlewickJSON.encoder()
        e.outputFormatting.insert(.prettyPrinted)
        try e.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
