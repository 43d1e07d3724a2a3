import CandlewickCore
import Foundation

/// The operator's clean-up commands, after the router has halted: `cancel_all` cancels every working
/// Candlewick order at IB, `flatten` also closes every position. What IB reports is believed, not the
/// journal: the orders to cancel and the positions to close come from a fresh broker snapshot.
extension OrderRouter {
    /// How long `flatten` waits for IB to confirm its cancels before it gives up on a symbol.
    static let cleanupWait: Duration = .seconds(10)
    /// How often it asks IB again while waiting.
    static let cleanupPoll: Duration = .milliseconds(200)

    /// Cancels every working Candlewick order; for `flatten`, then closes each position with a market exit once
    /// IB reports no working order of ours for its symbol (a stop still working beside the exit could fill too
    /// and open the opposite position). Orders at IB that are not Candlewick's are left alone and reported.
    func cleanUp(_ c: TradingCommand) async -> CleanupOutcome {
        var out = CleanupOutcome()
        let why = "operator \(c.action.rawValue) by \(c.source): \(c.reason)"
        let first: BrokerSnapshot
        do {
            first = try await gateway.snapshot(reason: why)
        } catch {
            out.problems.append("cannot read IB's orders (\(error)): nothing cancelled or closed; trading is HALTED")
            count("cleanup.failed")
            logger.critical("router.cleanup_failed", metadata: ["action": "\(c.action.rawValue)", "error": "\(error)"])
            return out
        }
        let working = first.orders.filter(Self.isWorking)
        for o in working where IntentId.intent(ofRef: o.orderRef) == nil {
            out.problems.append("order \(o.brokerOrderId) (\(o.symbol) \(o.side.rawValue) \(o.quantity), ref \"\(o.orderRef)\") is not Candlewick's: left alone")
        }
        for id in Set(working.compactMap { IntentId.intent(ofRef: $0.orderRef) }).sorted() {
            do {
                try await gateway.cancel(try CancelRequest(intentId: id, reason: why))
                out.cancelledIntents.append(id)
                count("cleanup.cancelled")
            } catch {
                out.problems.append("cancel of \(id) failed: \(error)")
            }
        }
        logger.notice("router.cleanup_cancelled", metadata: ["action": "\(c.action.rawValue)", "intents": "\(out.cancelledIntents.count)",
                                                             "left_alone": "\(working.count { IntentId.intent(ofRef: $0.orderRef) == nil })"])
        guard c.action == .flatten else { return out }

        // IB's word that our cancels took effect, symbol by symbol, before anything closes a position.
        var snapshot = first
        let deadline = ContinuousClock.now + Self.cleanupWait
        while !Self.symbolsWorking(snapshot).isEmpty && ContinuousClock.now < deadline {
            try? await Task.sleep(for: Self.cleanupPoll)
            if let s = try? await gateway.snapshot(reason: why) { snapshot = s }
        }
        let busy = Self.symbolsWorking(snapshot)
        for p in snapshot.portfolio.positions.sorted(by: { $0.symbol < $1.symbol }) where p.quantity != 0 {
            guard !busy.contains(p.symbol) else {
                out.problems.append("\(p.symbol): Candlewick orders still working at IB after the cancel; not closed (an exit beside them could open the opposite position)")
                continue
            }
            out.exits.append(await closePosition(p, command: c, why: why, at: snapshot.ibTime ?? clock()))
        }
        return out
    }

    /// A market exit for the whole position, journaled before it is sent, like any intent.
    private func closePosition(_ p: Position, command c: TradingCommand, why: String, at now: Date) async -> CleanupOutcome.Exit {
        let side: OrderSide = p.quantity > 0 ? .sell : .buy
        let quantity = abs(p.quantity)
        let signalId = "flatten-\(Int(now.timeIntervalSince1970 * 1000))"
        let intentId = IntentId.make(runId: "operator", symbol: p.symbol, signalId: signalId)
        func exit(_ outcome: String) -> CleanupOutcome.Exit {
            CleanupOutcome.Exit(intentId: intentId, symbol: p.symbol, side: side, quantity: quantity, outcome: outcome)
        }
        let plan: OrderPlan
        do {
            let leg = PlannedLeg(role: .exit, orderRef: IntentId.ref(intentId, .exit), side: side, orderType: .market, quantity: quantity,
                                 tif: .day, outsideRth: false)
            plan = try OrderPlan(intentId: intentId, runId: "operator", symbol: p.symbol, signalId: signalId, legs: [leg], ocaGroup: nil,
                                 account: account, notional: quantity * p.marketPrice, opening: false, receivedAt: wallClock())
            try record(JournalEntry(kind: .planned, at: clock(), intentId: intentId, plan: plan, message: why))
        } catch {
            logger.critical("router.flatten_failed", metadata: ["symbol": "\(p.symbol)", "error": "\(error)"])
            return exit("failed: \(error)")
        }
        let (outcome, note, _) = await send(plan, clamps: [])
        count("cleanup.exit.\(outcome.rawValue)")
        logger.notice("router.flatten_exit", metadata: ["intent": "\(intentId)", "symbol": "\(p.symbol)", "side": "\(side.rawValue)",
                                                        "quantity": "\(quantity)", "outcome": "\(outcome.rawValue)", "note": "\(note?.description ?? "")"])
        return exit(note.map { "\(outcome.rawValue): \($0.description)" } ?? outcome.rawValue)
    }

    /// Whether IB still works an order (not filled, cancelled or rejected).
    static func isWorking(_ o: BrokerOrder) -> Bool { ![.filled, .cancelled, .rejected].contains(o.candlewickStatus) }

    /// The symbols with a working Candlewick order.
    static func symbolsWorking(_ s: BrokerSnapshot) -> Set<String> {
        Set(s.orders.filter { isWorking($0) && IntentId.intent(ofRef: $0.orderRef) != nil }.map(\.symbol))
    }
}
