import CandlewickCore

/// Order submissions: one per actionable symbol, asked again while the answer is not final.
extension RunPipeline {
    /// A signal handed to order-router, until its final answer or its deadline.
    struct Submission: Sendable {
        let submission: SignalSubmission
        let firstAt: Double
        var sentAt: Double
        var retryAt: Double?
        var inFlight = true
        var final = false
    }

    mutating func decided(symbol: String, decision d: RouterDecision, now: Double) {
        guard var s = submissions[symbol], s.inFlight else { return }
        s.inFlight = false
        if d.outcome == .pending || d.note?.code == .notReconciled {
            // Not final yet (an intent in flight, the journal not reconciled): ask again shortly.
            s.retryAt = now + Self.pendingRetry
        } else {
            s.final = true
            orders.decisions[symbol] = d
        }
        submissions[symbol] = s
    }

    /// Submissions due again, or given up after `orderDeadline`.
    mutating func retrySubmissions(now: Double) -> [Action] {
        var actions: [Action] = []
        for symbol in submissions.keys.sorted() {
            if var s = submissions[symbol], s.inFlight, now >= s.sentAt + settings.submitTimeout + 1 {
                s.inFlight = false  // its answer never came (the request's own deadline should have said so)
                s.retryAt = now
                submissions[symbol] = s
            }
            guard var s = submissions[symbol], !s.final, !s.inFlight, let at = s.retryAt, at <= now else { continue }
            if now - s.firstAt >= settings.orderDeadline {
                s.final = true
                failures.append(RunFailure(symbol, "order-router gave no final answer"))
            } else {
                s.inFlight = true
                s.retryAt = nil
                s.sentAt = now
                actions.append(.submitSignal(s.submission))
            }
            submissions[symbol] = s
        }
        return actions
    }
}
