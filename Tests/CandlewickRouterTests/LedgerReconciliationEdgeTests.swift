import CandlewickCore
import Foundation
import Testing

/// The intent ledger's fold and the reconciliation's verdicts, branch by branch (see scripts/mutants.toml).
@Suite("Intent ledger and reconciliation: edges")
struct LedgerReconciliationEdgeTests {
    let at = Date(timeIntervalSince1970: 1_700_000_000)

    func exitPlan(_ symbol: String = "SPY", signal: String = "x") throws -> OrderPlan {
        var gate = RiskGate(policy: RiskPolicy(), now: at)
        let s = try buySignal(symbol, entry: 100, stop: 105, target: 90, id: signal, action: .sell)
        return try #require(gate.evaluate(s, runId: "run-1", book: RiskBook(positions: [symbol: 10]), now: at).plan)
    }

    func ledger(_ entries: [JournalEntry]) -> IntentLedger {
        var l = IntentLedger()
        for e in entries { l.apply(e) }
        return l
    }

    func planned(_ p: OrderPlan) -> JournalEntry { JournalEntry(kind: .planned, at: at, intentId: p.intentId, plan: p) }
    func entry(_ kind: JournalEntry.Kind, _ p: OrderPlan, ids: [String: Int]? = nil) -> JournalEntry {
        JournalEntry(kind: kind, at: at, intentId: p.intentId, brokerIds: ids)
    }

    func order(_ ref: String, _ id: Int, _ status: String, filled: Decimal = 0) -> BrokerOrder {
        BrokerOrder(orderRef: ref, brokerOrderId: id, permId: id, symbol: "SPY", side: .buy, orderType: "LMT", quantity: 10,
                    filled: filled, avgFillPrice: nil, status: status, parentId: 0, ocaGroup: "")
    }

    func all(_ p: OrderPlan, _ statuses: [String], from id: Int = 1) -> [BrokerOrder] {
        zip(p.legs, statuses).enumerated().map { i, pair in order(pair.0.orderRef, id + i, pair.1) }
    }

    @Test("phases: sent is in flight, filled and rejected read back as themselves, broker ids accumulate")
    func phases() throws {
        let a = try samplePlan("AAA", signal: "a"), b = try samplePlan("BBB", signal: "b"), c = try samplePlan("CCC", signal: "c")
        let l = ledger([planned(a), planned(b), planned(c), entry(.sent, a),
                        entry(.placed, b, ids: [b.legs[0].orderRef: 1, b.legs[1].orderRef: 2, b.legs[2].orderRef: 3]),
                        entry(.filled, b, ids: [b.legs[0].orderRef: 1]), entry(.rejected, c)])
        #expect(l.intents[a.intentId]?.phase == .sent && l.inFlight.map(\.plan.intentId) == [a.intentId])
        #expect(l.intents[b.intentId]?.phase == .filled && l.intents[b.intentId]?.brokerIds.count == 3)
        #expect(l.intents[c.intentId]?.phase == .rejected)
    }

    @Test("pending symbols: opening intents in flight, working or unknown — not exits, not rejected ones")
    func pending() throws {
        let a = try samplePlan("AAA", signal: "a"), b = try samplePlan("BBB", signal: "b"), x = try exitPlan("XXX")
        let l = ledger([planned(a), planned(b), planned(x), entry(.unknown, a), entry(.rejected, b), entry(.placed, x)])
        #expect(l.pendingSymbols == ["AAA"])
        #expect(l.unknown.map(\.plan.intentId) == [a.intentId])
    }

    @Test("one live intent per run and symbol: a rejected one or another run's does not count")
    func liveIntent() throws {
        let a = try samplePlan("AAA", signal: "a")
        let rejected = ledger([planned(a), entry(.rejected, a)])
        #expect(rejected.liveIntent(runId: "run-1", symbol: "AAA") == nil)
        let placed = ledger([planned(a), entry(.placed, a)])
        #expect(placed.liveIntent(runId: "run-1", symbol: "AAA")?.plan == a)
        #expect(placed.liveIntent(runId: "run-2", symbol: "AAA") == nil)
    }

    @Test("a plan journaled twice is one intent; an update for an intent never planned is reported and ignored")
    func replayOddities() throws {
        let a = try samplePlan("AAA", signal: "a"), b = try samplePlan("BBB", signal: "b")
        var l = ledger([planned(a), planned(a)])
        #expect(l.order == [a.intentId] && l.inFlight.count == 1)
        #expect(l.apply(entry(.placed, b)) != nil)
        #expect(l.intents[b.intentId] == nil && l.order == [a.intentId])
    }

    @Test("cancelled or rejected at IB → cancelled; all legs with the entry filled → filled")
    func cancelledRejectedFilled() throws {
        let a = try samplePlan("AAA", signal: "a"), b = try samplePlan("BBB", signal: "b"), c = try samplePlan("CCC", signal: "c")
        let l = ledger([planned(a), planned(b), planned(c), entry(.placed, a), entry(.sent, b), entry(.placed, c)])
        let orders = all(a, ["Cancelled", "Cancelled", "Cancelled"], from: 1) + all(b, ["Inactive", "Cancelled", "Cancelled"], from: 4)
            + [order(c.legs[0].orderRef, 7, "Filled", filled: 10), order(c.legs[1].orderRef, 8, "Submitted"), order(c.legs[2].orderRef, 9, "Submitted")]
        #expect(BrokerOrder(orderRef: "x", brokerOrderId: 1, permId: 1, symbol: "SPY", side: .buy, orderType: "LMT", quantity: 1, filled: 0,
                            avgFillPrice: nil, status: "Inactive", parentId: 0, ocaGroup: "").candlewickStatus == .rejected)
        let out = Reconciliation.reconcile(l, with: orders, now: at)
        let kinds = Dictionary(out.entries.map { ($0.intentId!, $0.kind) }, uniquingKeysWith: { a, _ in a })
        #expect(kinds == [a.intentId: .cancelled, b.intentId: .cancelled, c.intentId: .filled])
        #expect(out.absent.isEmpty && out.missing.isEmpty && out.partial.isEmpty)
    }

    @Test("a completed order's status says who cancelled it (IB's completedStatus): every \"Cancelled by …\" is cancelled, not working")
    func completedStatusTexts() throws {
        for text in ["Cancelled by API", "Cancelled by Trader", "Cancelled by System"] {
            let a = try samplePlan("AAA", signal: "a")
            let l = ledger([planned(a), entry(.placed, a)])
            let out = Reconciliation.reconcile(l, with: all(a, [text, text, text], from: 1), now: at)
            #expect(out.entries.map(\.kind) == [.cancelled], "\(text)")
            #expect(order(a.legs[0].orderRef, 1, text).candlewickStatus == .cancelled)
        }
    }

    @Test("an old cancelled copy of a leg never hides the live copy, in either order")
    func liveCopyWins() throws {
        let a = try samplePlan("AAA", signal: "a")
        let l = ledger([planned(a), entry(.sent, a)])
        let live = all(a, ["Submitted", "PreSubmitted", "PreSubmitted"], from: 10)
        let old = order(a.legs[0].orderRef, 1, "Cancelled")
        for orders in [[old] + live, live + [old]] {
            let out = Reconciliation.reconcile(l, with: orders, now: at)
            #expect(out.entries.map(\.kind) == [.placed])
            #expect(out.entries.first?.brokerIds?[a.legs[0].orderRef] == 10)
        }
    }

    @Test("children still waiting for their parent (PreSubmitted) without the parent are a partial bracket, not a fill")
    func orphanChildren() throws {
        let a = try samplePlan("AAA", signal: "a")
        let l = ledger([planned(a), entry(.placed, a)])
        let orders = [order(a.legs[1].orderRef, 2, "PreSubmitted"), order(a.legs[2].orderRef, 3, "PreSubmitted")]
        let out = Reconciliation.reconcile(l, with: orders, now: at)
        #expect(out.partial == [a.intentId] && out.entries.map(\.kind) == [.unknown])
    }

    @Test("an unknown intent settles once IB reports every leg; reconciling the same report twice journals nothing new")
    func settleAndIdempotent() throws {
        let a = try samplePlan("AAA", signal: "a"), f = try samplePlan("FFF", signal: "f")
        var l = ledger([planned(a), planned(f), entry(.unknown, a), entry(.placed, f)])
        let orders = all(a, ["Submitted", "PreSubmitted", "PreSubmitted"], from: 1)
            + [order(f.legs[0].orderRef, 10, "Submitted"), order(f.legs[1].orderRef, 11, "PreSubmitted")]
        let first = Reconciliation.reconcile(l, with: orders, now: at)
        let kinds = Dictionary(first.entries.map { ($0.intentId!, $0.kind) }, uniquingKeysWith: { a, _ in a })
        #expect(kinds == [a.intentId: .placed, f.intentId: .unknown])
        for e in first.entries { l.apply(e) }
        let second = Reconciliation.reconcile(l, with: orders, now: at)
        #expect(second.entries.isEmpty, "nothing changed at IB: \(second.entries.map(\.kind))")
        #expect(second.partial == [f.intentId], "still alerted, not journaled again")
    }

    @Test("a partly filled entry reads back as placed; once filled, its completed order (no order id) keeps IB's id")
    func partialThenCompletedEntry() throws {
        let p = try samplePlan("AAA", signal: "a")
        let ids = [p.legs[0].orderRef: 1, p.legs[1].orderRef: 2, p.legs[2].orderRef: 3]
        let l = ledger([planned(p), entry(.placed, p, ids: ids)])
        var partly = all(p, ["Submitted", "Submitted", "Submitted"])
        partly[0] = order(p.legs[0].orderRef, 1, "Submitted", filled: 6)
        #expect(Reconciliation.reconcile(l, with: partly, now: at).entries.isEmpty, "6 of 10 filled: still placed")
        var done = all(p, ["Filled", "Submitted", "Submitted"])
        done[0] = order(p.legs[0].orderRef, 0, "Filled", filled: 10)
        let out = Reconciliation.reconcile(l, with: done, now: at)
        #expect(out.entries.map(\.kind) == [.filled])
        #expect(out.entries.first?.brokerIds == ids)
        var expired = all(p, ["Cancelled", "Submitted", "Submitted"])
        expired[0] = order(p.legs[0].orderRef, 0, "Cancelled", filled: 6)
        #expect(Reconciliation.reconcile(l, with: expired, now: at).entries.map(\.kind) == [.filled], "6 filled, the rest expired: a position, not a cancel")
    }

    @Test("arming: DF accounts are paper; the configured account must be the gateway's, in paper and live; no account is refused")
    func arming() {
        #expect(LiveArming.check(mode: .paper, armed: false, configuredAccount: "", gatewayAccounts: ["DF123"]) == nil)
        #expect(LiveArming.check(mode: .paper, armed: false, configuredAccount: "DU1", gatewayAccounts: ["DU1", "DU2"]) == nil)
        #expect(LiveArming.check(mode: .paper, armed: false, configuredAccount: "DU1", gatewayAccounts: ["DU2"])?.contains("DU1") == true)
        #expect(LiveArming.check(mode: .paper, armed: false, configuredAccount: "", gatewayAccounts: []) != nil)
        #expect(LiveArming.check(mode: .live, armed: true, configuredAccount: "U1", gatewayAccounts: ["U2"])?.contains("U1") == true)
        #expect(LiveArming.check(mode: .live, armed: true, configuredAccount: "U1", gatewayAccounts: ["U2", "U1"]) == nil)
    }
}
