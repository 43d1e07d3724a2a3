import CandlewickCore
import Foundation

/// What is recorded with each signal for audit and cost tracking: the signal, the raw model answer
/// (the provider's bytes; bounded with size and sha256 when oversize), why an answer was refused
/// (each reason starts with its `RefusalRule` id), token usage (image tokens as reported or
/// computed, cache tokens), `cost_usd`, latency, attempts, whether it came from the cache and
/// whether it is a shadow signal. Never contains secrets.
public struct AnalysisRecord: Encodable, Sendable {
    public let signal: TradingSignal
    public let rawAnswer: String
    public let reasons: [String]
    public let usage: TokenUsage
    public let latencyMs: Double
    public let attempts: Int
    public let cached: Bool
    public let costUSD: Double?
    public let shadow: Bool

    public init(_ r: AnalysisReport) {
        signal = r.outcome.signal
        rawAnswer = r.outcome.rawAnswer
        reasons = r.outcome.reasons
        usage = r.usage
        latencyMs = r.latencyMs
        attempts = r.attempts
        cached = r.cached
        costUSD = r.costUSD
        shadow = r.shadow
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
        costUSD = 0
        shadow = false
    }

    enum CodingKeys: String, CodingKey {
        case signal, reasons, usage, attempts, cached, shadow
        case rawAnswer = "raw_answer", latencyMs = "latency_ms", costUSD = "cost_usd"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(signal, forKey: .signal)
        try c.encode(rawAnswer, forKey: .rawAnswer)
        try c.encode(reasons, forKey: .reasons)
        try c.encode(usage, forKey: .usage)
        try c.encode(latencyMs, forKey: .latencyMs)
        try c.encode(attempts, forKey: .attempts)
        try c.encode(cached, forKey: .cached)
        try c.encode(costUSD, forKey: .costUSD)  // null when the model has no price: present, never silently absent
        try c.encode(shadow, forKey: .shadow)
    }

    public func write(to path: String) throws {
        let e = CandlewickJSON.encoder()
        e.outputFormatting.insert(.prettyPrinted)
        try e.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
