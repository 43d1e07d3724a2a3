import CandlewickCore
import Testing

@Suite("RetryPolicy")
struct RetryPolicyTests {
    let policy = RetryPolicy()

    func decide(_ status: Int?, attempt: Int = 1, retryAfter: Double? = nil, body: String = "", jitter: Double = 0) -> RetryDecision {
        policy.decide(attempt: attempt, status: status, retryAfter: retryAfter, body: body, jitter: jitter)
    }

    func retries(_ d: RetryDecision) -> Bool { if case .retry = d { true } else { false } }
    func reason(_ d: RetryDecision) -> String? { if case .giveUp(let r) = d { r } else { nil } }

    @Test("408, 409, 429, 5xx (529 too) and transport errors are retried; 400, 401, 403, 404, 413, 422 are not")
    func retryableStatuses() {
        for s in [408, 409, 429, 500, 502, 503, 504, 529] { #expect(retries(decide(s)), "HTTP \(s)") }
        #expect(retries(decide(nil)), "a transport error or timeout")
        for s in [400, 401, 403, 404, 413, 422] {
            #expect(reason(decide(s)) == "HTTP \(s) is not retryable")
        }
    }

    @Test("exponential backoff from 0.5 s, capped at 8 s, jitter takes off up to a quarter")
    func backoff() {
        var p = RetryPolicy()
        p.maxAttempts = 10
        let delays = (1...7).map { p.decide(attempt: $0, status: 503, retryAfter: nil, body: "", jitter: 0) }
        #expect(delays == [0.5, 1, 2, 4, 8, 8, 8].map { RetryDecision.retry(after: $0) })
        #expect(p.decide(attempt: 3, status: nil, retryAfter: nil, body: "", jitter: 1) == .retry(after: 1.5))
        #expect(p.decide(attempt: 3, status: nil, retryAfter: nil, body: "", jitter: 0.5) == .retry(after: 1.75))
    }

    @Test("gives up after maxAttempts, naming the last status")
    func attempts() {
        #expect(retries(decide(503, attempt: 2)))
        #expect(reason(decide(503, attempt: 3)) == "gave up after 3 attempts (last HTTP 503)")
        #expect(reason(decide(nil, attempt: 3)) == "gave up after 3 attempts")
    }

    @Test("Retry-After is obeyed up to maxRetryAfter; a longer wait is not retried")
    func retryAfter() {
        #expect(decide(429, retryAfter: 2.5, jitter: 1) == .retry(after: 2.5))
        #expect(decide(429, retryAfter: 120) == .retry(after: 120))
        #expect(reason(decide(429, retryAfter: 121)) == "server asked to wait 121 s; not retried")
        #expect(decide(429, retryAfter: 0) == .retry(after: 0.5), "a zero Retry-After falls back to the backoff")
        // Retry-After never makes a non-retryable status retryable.
        #expect(reason(decide(400, retryAfter: 1)) == "HTTP 400 is not retryable")
    }

    @Test("quota and context-length errors are final even on a retryable status")
    func finalBodies() {
        #expect(reason(decide(429, body: #"{"error":{"code":"insufficient_quota"}}"#))?.hasPrefix("quota or spend limit") == true)
        #expect(reason(decide(429, body: "Enforced_Spend_Limit_Reached"))?.hasPrefix("quota or spend limit") == true)
        #expect(reason(decide(500, body: #"{"code":"context_length_exceeded"}"#))?.hasPrefix("context length exceeded") == true)
        #expect(reason(decide(400, body: "prompt is too long: 300000 tokens"))?.hasPrefix("context length exceeded") == true)
        #expect(retries(decide(429, body: #"{"error":"rate_limit_exceeded"}"#)))
    }

    @Test("retry-after-ms wins over retry-after; an HTTP date is ignored")
    func headers() {
        #expect(RetryPolicy.retryAfter(headers: ["retry-after-ms": "1500", "retry-after": "3"]) == 1.5)
        #expect(RetryPolicy.retryAfter(headers: ["retry-after": "3"]) == 3)
        #expect(RetryPolicy.retryAfter(headers: ["retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"]) == nil)
        #expect(RetryPolicy.retryAfter(headers: [:]) == nil)
    }
}
