import CandlewickCore
import CandlewickRouter
import CandlewickTesting
import Foundation
import Logging
import Synchronization
import Testing

/// Each body runs against `FakeBroker` and against ib-paper's matching engine in-process (`BrokerKind`).
@Suite("Order router: exactly-once against a broker that loses answers")
struct OrderRouterTests {
    @Test("a lost acknowledgement blocks new orders until reconciled, and the intent is never sent twice", arguments: BrokerKind.allCases)
    func lostAck(_ kind: BrokerKind) async throws {
        let path = tempPath("intents.jsonl")
        let broker = kind.make()
        let router = try makeRouter(path, broker)
        #expect(await router.reconcile(reason: "start"))
        broker.set(.loseAck)
        let s1 = try SignalSubmission(runId: "r", signal: try buySignal("AAA", id: "1"), lastPrice: 100, source: "test")
        #expect(await router.submit(s1).outcome == .pending)
        #expect(await router.reconciled == false)
        broker.set(.ack)
        let s2 = try SignalSubmission(runId: "r", signal: try buySignal("BBB", id: "2"), lastPrice: 100, source: "test")
        #expect(await router.submit(s2).note?.code == .notReconciled)
        #expect(await router.reconcile(reason: "retry"))
        #expect(broker.places == 1, "found at IB by orderRef: not sent again")
        #expect(await router.submit(s1).outcome == .duplicate)
        #expect(await router.submit(s2).outcome == .placed)
        #expect(broker.places == 2 && Set(broker.refs).count == 6)
    }

    @Test("after a restart, an intent journaled but never received by IB is sent once; one that IB holds is not", arguments: BrokerKind.allCases)
    func restart(_ kind: BrokerKind) async throws {
        let path = tempPath("intents.jsonl")
        let broker = kind.make()
        do {
            let router = try makeRouter(path, broker)
            #expect(await router.reconcile(reason: "start"))
            broker.set(.down)
            let s = try SignalSubmission(runId: "r", signal: try buySignal("AAA", id: "1"), lastPrice: 100, source: "test")
            #expect(await router.submit(s).outcome == .pending)
            #expect(broker.places == 0)
        }
        broker.set(.ack)
        let again = try makeRouter(path, broker)
        #expect(await again.reconciled == false)
        #expect(await again.reconcile(reason: "start-up"))
        #expect(broker.places == 1)
        let third = try makeRouter(path, broker)
        #expect(await third.reconcile(reason: "start-up"))
        #expect(broker.places == 1, "already at IB: not resent")
        let s = try SignalSubmission(runId: "r", signal: try buySignal("AAA", id: "1"), lastPrice: 100, source: "test")
        #expect(await third.submit(s).outcome == .duplicate)
    }
}
