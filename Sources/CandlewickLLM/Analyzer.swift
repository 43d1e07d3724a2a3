import CandlewickCore
import CandlewickHTTP
import Foundation
import Logging

/// One finished analysis: the signal (HOLD with reasons when the answer was refused or the call
/// failed), the raw answer for audit, and what it cost.
public struct AnalysisReport: Sendable {
    public let outcome: AnalysisOutcome
    /// The signal as stored/sent: exact bytes (a cache replay returns the same bytes).
    public let signalJSON: Data
    public let usage: TokenUsage
    public let attempts: Int
    public let latencyMs: Double
    public let cached: Bool
    /// What the call cost (0 when no call was made; nil when the model has no price in `llm.prices`).
    public let costUSD: Double?
    /// Shadow mode: the signal is recorded, never submitted.
    public let shadow: Bool

    public init(outcome: AnalysisOutcome, signalJSON: Data, usage: TokenUsage, attempts: Int, latencyMs: Double, cached: Bool,
                costUSD: Double? = 0, shadow: Bool = false) {
        self.outcome = outcome
        self.signalJSON = signalJSON
        self.usage = usage
        self.attempts = attempts
        self.latencyMs = latencyMs
        self.cached = cached
        self.costUSD = costUSD
        self.shadow = shadow
    }
}

/// Runs analyses against one provider: cache first, then the spend guard, then the request through
/// the gate with the retry policy, then validation and costing. Failures never throw past it: they
/// become HOLD with the reason.
public struct Analyzer: Sendable {
    public let provider: any ModelProvider
    public let http: HTTPClient
    public let gate: RequestGate
    public let retry: RetryPolicy
    public let validator: SignalValidator
    public let cache: AnalysisCache?
    public let logger: Logger
    public let costing: Costing
    public let spend: SpendGuard?
    public let shadow: Bool

    public init(provider: any ModelProvider, gate: RequestGate, cache: AnalysisCache?, logger: Logger,
                retry: RetryPolicy = RetryPolicy(), validator: SignalValidator = SignalValidator(), http: HTTPClient = HTTPClient(),
                costing: Costing = Costing(), spend: SpendGuard? = nil, shadow: Bool = false) {
        self.provider = provider
        self.gate = gate
        self.cache = cache
        self.logger = logger
        self.retry = retry
        self.validator = validator
        self.http = http
        self.costing = costing
        self.spend = spend
        self.shadow = shadow
    }

    public func analyze(_ context: AnalysisContext, charts: [Data], signalId: String) async -> AnalysisReport {
        let started = ContinuousClock.now
        func ms() -> Double { let d = ContinuousClock.now - started; return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
        let prompt = AnalysisPrompt.user(context)
        let key = AnalysisCacheKey(provider: provider.name, model: provider.model, chartHashes: charts.map { SHA256Digest.hex(of: $0) },
                                   prompt: prompt)
        if let entry = cache?.load(key), let signal = try? CandlewickJSON.decode(TradingSignal.self, from: entry.signalJSON) {
            let outcome = AnalysisOutcome(signal: signal, reasons: entry.reasons, rawAnswer: entry.rawAnswer)
            return AnalysisReport(outcome: outcome, signalJSON: entry.signalJSON, usage: entry.usage, attempts: 0, latencyMs: ms(), cached: true,
                                  costUSD: 0, shadow: shadow)
        }
        var attempts = 0
        var usage = TokenUsage()
        var failure: String?
        var answer: ModelAnswer?
        var overBudget: String?
        do {
            let request = try provider.request(system: AnalysisPrompt.system, prompt: prompt, images: charts)
            while answer == nil && failure == nil {
                attempts += 1
                await gate.acquire()
                // The spend guard is read and charged inside the gate, so calls in flight cannot overshoot it.
                if let why = await spend?.refusal(now: Date()) {
                    await gate.release()
                    overBudget = why
                    break
                }
                let result: Result<HTTPResponse, any Error> = await Result { try await http.send(request) }
                let parsed = Result { try provider.parse(try result.get()) }
                if let spend, case .success(let a) = parsed, let c = costing.cost(provider: provider.name, model: provider.model, usage: a.usage) {
                    await spend.add(c, now: Date())
                }
                await gate.release()
                do {
                    answer = try parsed.get()
                } catch {
                    let (status, after, body): (Int?, Double?, String) = switch error {
                    case let e as ProviderHTTPError: (e.status, RetryPolicy.retryAfter(headers: e.headers), e.body)
                    default: (nil, nil, "\(error)")
                    }
                    switch retry.decide(attempt: attempts, status: status, retryAfter: after, body: body, jitter: Double.random(in: 0...1)) {
                    case .retry(let delay):
                        logger.warning("llm.retry", metadata: ["signal.id": "\(signalId)", "attempt": "\(attempts)",
                                                               "error": "\(String(describing: error).prefix(200))", "delay_s": "\(delay)"])
                        try? await Task.sleep(for: .milliseconds(Int(delay * 1000)))
                    case .giveUp(let reason):
                        failure = "\(reason): \(String(describing: error).prefix(300))"
                    }
                }
            }
        } catch {
            failure = "could not build the request: \(error)"
        }
        let now = Date()
        let outcome: AnalysisOutcome
        if let answer {
            usage = answer.usage
            if usage.imageTokens == nil { usage.imageTokens = costing.imageTokens(charts) }
            if let text = answer.text {
                outcome = validator.validate(text, context: context, provider: provider.name, model: provider.model,
                                             promptVersion: AnalysisPrompt.version, signalId: signalId, now: now)
            } else {
                outcome = hold(context, [answer.refusal ?? Refusal(.envelopeNoAnswer, "no answer")], raw: answer.raw, signalId: signalId, now: now)
            }
        } else if let overBudget {
            outcome = hold(context, [Refusal(.callSpendLimit, overBudget)], raw: "", signalId: signalId, now: now)
            attempts = 0
        } else {
            outcome = hold(context, [Refusal(.callFailed, failure ?? "no answer")], raw: "", signalId: signalId, now: now)
        }
        let cost = answer == nil ? 0 : costing.cost(provider: provider.name, model: provider.model, usage: usage)
        let signalJSON = (try? CandlewickJSON.encode(outcome.signal)) ?? Data()
        // Only model answers are cached (a transport failure is not an answer worth replaying).
        if answer != nil, let cache {
            try? cache.store(.init(signalJSON: signalJSON, rawAnswer: outcome.rawAnswer, reasons: outcome.reasons, usage: usage), for: key)
        }
        return AnalysisReport(outcome: outcome, signalJSON: signalJSON, usage: usage, attempts: attempts, latencyMs: ms(), cached: false,
                              costUSD: cost, shadow: shadow)
    }

    private func hold(_ c: AnalysisContext, _ refusals: [Refusal], raw: String, signalId: String, now: Date) -> AnalysisOutcome {
        SignalValidator.refused(refusals, context: c, provider: provider.name, model: provider.model, promptVersion: AnalysisPrompt.version,
                                signalId: signalId, now: now, raw: AuditText.bounded(raw, limit: max(validator.policy.maxAnswerBytes, 16_384)))
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
