import Foundation

/// What to do after an attempt at a provider failed.
public enum RetryDecision: Sendable, Equatable {
    case retry(after: Double)
    case giveUp(reason: String)
}

/// The retry rules of the official SDKs, made explicit: retry 408, 409, 429 and ≥ 500 (incl. 529)
/// and transport errors with exponential backoff, jitter and `Retry-After`; never retry 400, 401,
/// 403, 404, 413, quota errors, context-length errors or refusals. Pure: the caller supplies the
/// jitter, so tests are deterministic.
public struct RetryPolicy: Sendable {
    public var maxAttempts = 3
    public var baseDelay = 0.5
    public var maxDelay = 8.0
    /// A server asking for a longer wait than this is not retried.
    public var maxRetryAfter = 120.0

    public init() {}

    /// - Parameters:
    ///   - attempt: attempts made so far (1 after the first failure).
    ///   - status: the HTTP status, or nil for a transport error or timeout.
    ///   - retryAfter: the server's `retry-after-ms`/`retry-after`, in seconds.
    ///   - body: the error body (for quota and context-length codes).
    ///   - jitter: a value in 0...1.
    public func decide(attempt: Int, status: Int?, retryAfter: Double?, body: String, jitter: Double) -> RetryDecision {
        if attempt >= maxAttempts { return .giveUp(reason: "gave up after \(attempt) attempts" + (status.map { " (last HTTP \($0))" } ?? "")) }
        let lower = body.lowercased()
        if let status {
            if lower.contains("insufficient_quota") || lower.contains("enforced_spend_limit_reached") {
                return .giveUp(reason: "quota or spend limit reached (HTTP \(status)); not retried")
            }
            if lower.contains("context_length_exceeded") || lower.contains("prompt is too long") {
                return .giveUp(reason: "context length exceeded (HTTP \(status)); not retried")
            }
            guard [408, 409, 429].contains(status) || status >= 500 else {
                return .giveUp(reason: "HTTP \(status) is not retryable")
            }
        }
        if let retryAfter, retryAfter > 0 {
            if retryAfter > maxRetryAfter { return .giveUp(reason: "server asked to wait \(Int(retryAfter)) s; not retried") }
            return .retry(after: retryAfter)
        }
        let delay = min(baseDelay * pow(2, Double(attempt - 1)), maxDelay) * (1 - 0.25 * jitter)
        return .retry(after: delay)
    }

    /// Seconds from `retry-after-ms` or `retry-after` (seconds; an HTTP date is ignored).
    public static func retryAfter(headers: [String: String]) -> Double? {
        if let ms = headers["retry-after-ms"].flatMap(Double.init) { return ms / 1000 }
        return headers["retry-after"].flatMap(Double.init)
    }
}
