import CandlewickCore
import CandlewickRouter
import Foundation
import Testing

func tempPath(_ name: String) -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cw-router-\(UUID().uuidString)")
    return dir.appendingPathComponent(name).path
}

func samplePlan(_ symbol: String = "SPY", run: String = "run-1", signal: String = "s1") throws -> OrderPlan {
    var gate = RiskGate(policy: RiskPolicy(), now: Date())
    return try #require(gate.evaluate(try buySignal(symbol, id: signal), runId: run, book: RiskBook(), now: Date()).plan)
}

@Suite("Intent journal")
struct IntentJournalTests {
    @Test("entries survive reopening, in order")
    func replay() throws {
        let path = tempPath("intents.jsonl")
        let plan = try samplePlan()
        do {
            let j = try IntentJournal(path: path)
            try j.append(JournalEntry(kind: .planned, at: Date(), intentId: plan.intentId, plan: plan))
            try j.append(JournalEntry(kind: .sent, at: Date(), intentId: plan.intentId))
        }
        let j = try IntentJournal(path: path)
        #expect(j.replayed.map(\.kind) == [.planned, .sent] && j.repaired == nil)
        var ledger = IntentLedger()
        for e in j.replayed { ledger.apply(e) }
        #expect(ledger.intents[plan.intentId]?.phase == .sent && ledger.inFlight.count == 1)
        #expect(ledger.pendingSymbols == ["SPY"])
    }

    @Test("a torn last line (crash mid-write) is cut off; a damaged middle line refuses to open")
    func torn() throws {
        let path = tempPath("intents.jsonl")
        let plan = try samplePlan()
        do { try IntentJournal(path: path).append(JournalEntry(kind: .planned, at: Date(), intentId: plan.intentId, plan: plan)) }
        let h = try #require(FileHandle(forWritingAtPath: path))
        h.seekToEndOfFile()
        h.write(Data("{\"kind\":\"sent\",\"at\":".utf8))
        try h.close()
        let j = try IntentJournal(path: path)
        #expect(j.replayed.count == 1 && j.repaired != nil)
        try j.append(JournalEntry(kind: .sent, at: Date(), intentId: plan.intentId))
        #expect(try IntentJournal(path: path).replayed.count == 2)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = "garbage\n" + text
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: JournalError.self) { try IntentJournal(path: path) }
    }
}

@Suite("Reconciliation and live arming")
struct ReconciliationTests {
    func order(_ ref: String, _ id: Int, _ status: String) -> BrokerOrder {
        BrokerOrder(orderRef: ref, brokerOrderId: id, permId: id, symbol: "SPY", side: .buy, orderType: "LMT", quantity: 10,
                    filled: status == "Filled" ? 10 : 0, avgFillPrice: nil, status: status, parentId: 0, ocaGroup: "")
    }

    @Test("every leg at IB → IB's state; in flight and absent → may be sent; placed but absent, or only some legs → unknown, never placed")
    func reconcile() throws {
        var ledger = IntentLedger()
        let a = try samplePlan("AAA", signal: "a"), b = try samplePlan("BBB", signal: "b"), c = try samplePlan("CCC", signal: "c"),
            d = try samplePlan("DDD", signal: "d"), e = try samplePlan("EEE", signal: "e"), f = try samplePlan("FFF", signal: "f")
        #expect(a.legs.count == 3)
        for p in [a, b, c, d, e, f] { ledger.apply(JournalEntry(kind: .planned, at: Date(), intentId: p.intentId, plan: p)) }
        ledger.apply(JournalEntry(kind: .sent, at: Date(), intentId: b.intentId))
        ledger.apply(JournalEntry(kind: .placed, at: Date(), intentId: d.intentId, brokerIds: [:]))
        let orders = [order(a.legs[0].orderRef, 1, "Submitted"), order(a.legs[1].orderRef, 2, "PreSubmitted"), order(a.legs[2].orderRef, 3, "PreSubmitted"),
                      order(c.legs[0].orderRef, 5, "Filled"),
                      order(e.legs[1].orderRef, 7, "Submitted"), order(e.legs[2].orderRef, 8, "Submitted"),
                      order(f.legs[0].orderRef, 10, "Submitted"), order(f.legs[1].orderRef, 11, "PreSubmitted"),
                      order("not-ours", 9, "Submitted")]
        let out = Reconciliation.reconcile(ledger, with: orders, now: Date())
        let kinds = Dictionary(out.entries.map { ($0.intentId!, $0.kind) }, uniquingKeysWith: { a, _ in a })
        #expect(kinds == [a.intentId: .placed, c.intentId: .unknown, d.intentId: .unknown, e.intentId: .filled, f.intentId: .unknown])
        #expect(out.entries.first { $0.intentId == a.intentId }?.brokerIds == [a.legs[0].orderRef: 1, a.legs[1].orderRef: 2, a.legs[2].orderRef: 3])
        #expect(out.absent == [b.intentId])
        #expect(out.missing == [d.intentId])
        #expect(Set(out.partial) == [c.intentId, f.intentId], "an entry without its protective legs is never 'placed'")
        #expect(out.entries.first { $0.intentId == f.intentId }?.message?.contains("missing SL") == true)
        #expect(out.strangers.isEmpty, "every cw- order here belongs to a journaled intent; 'not-ours' is not Candlewick's")
    }

    @Test("cw- orders at IB whose intent the journal does not know are strangers (unless cancelled or rejected); the alerts list them with the unknown intents")
    func strangers() throws {
        var ledger = IntentLedger()
        let a = try samplePlan("AAA", signal: "a"), d = try samplePlan("DDD", signal: "d")
        for p in [a, d] { ledger.apply(JournalEntry(kind: .planned, at: Date(), intentId: p.intentId, plan: p)) }
        ledger.apply(JournalEntry(kind: .placed, at: Date(), intentId: d.intentId, brokerIds: [:]))
        let foreign = "cw-0123456789abcdef0123"
        let orders = [order(a.legs[0].orderRef, 1, "Submitted"), order(a.legs[1].orderRef, 2, "PreSubmitted"), order(a.legs[2].orderRef, 3, "PreSubmitted"),
                      order("\(foreign)-E", 20, "Submitted"), order("\(foreign)-TP", 21, "Filled"), order("cw-99999999999999999999-SL", 22, "Cancelled"),
                      order("cw-hand-made", 23, "Submitted"), order("other-E", 24, "Submitted")]
        let out = Reconciliation.reconcile(ledger, with: orders, now: Date())
        #expect(out.strangers.map(\.orderRef) == ["\(foreign)-E", "\(foreign)-TP"])
        #expect(out.missing == [d.intentId])
        for e in out.entries { ledger.apply(e) }
        let alerts = OrderAlerts.alerts(ledger: ledger, strangers: out.strangers)
        #expect(alerts.map(\.kind) == ["intent_unknown", "order_not_in_journal", "order_not_in_journal"])
        #expect(alerts.map(\.id) == [d.intentId, "\(foreign)-E", "\(foreign)-TP"])
        #expect(alerts[0].detail.contains("IB reports none"))
        #expect(alerts[1].detail.contains("#20 Submitted") && alerts[1].detail.contains(foreign))
        #expect(OrderAlerts.counters(alerts) == ["alerts.intents_unknown": 1, "alerts.orders_not_in_journal": 2])
        // Once IB reports every leg of the unknown intent it is settled and no longer an alert.
        let settled = Reconciliation.reconcile(ledger, with: orders + d.legs.enumerated().map { order($1.orderRef, 30 + $0, "Submitted") }, now: Date())
        for e in settled.entries { ledger.apply(e) }
        #expect(OrderAlerts.alerts(ledger: ledger, strangers: []).isEmpty)
    }

    @Test("live needs the flag and a matching live account; paper refuses a live gateway")
    func arming() {
        #expect(LiveArming.check(mode: .paper, armed: false, configuredAccount: "", gatewayAccounts: ["DU123"]) == nil)
        #expect(LiveArming.check(mode: .paper, armed: false, configuredAccount: "", gatewayAccounts: ["U123"]) != nil)
        #expect(LiveArming.check(mode: .live, armed: false, configuredAccount: "U123", gatewayAccounts: ["U123"])?.contains("arming") == true)
        #expect(LiveArming.check(mode: .live, armed: true, configuredAccount: "U123", gatewayAccounts: ["DU999"]) != nil)
        #expect(LiveArming.check(mode: .live, armed: true, configuredAccount: "DU999", gatewayAccounts: ["DU999"]) != nil)
        #expect(LiveArming.check(mode: .live, armed: true, configuredAccount: "U123", gatewayAccounts: ["U123"]) == nil)
    }
}
