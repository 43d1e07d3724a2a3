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

/// The bridge's acknowledgement measured the way gateway-bridge does it: from the plan's `received_at` as decoded off
/// the bus (whole milliseconds), to a socket write exactly `written` seconds after the router's real stamp.
private struct WireClockBroker: BrokerGateway {
    let fake = FakeBroker()
    let written: Double

    func place(_ plan: OrderPlan) async -> Result<OrderAck, OrderRejection> {
        guard case .success(let ack) = await fake.place(plan),
              let onTheWire = try? CandlewickJSON.decode(OrderPlan.self, from: CandlewickJSON.encode(plan)) else {
            return .failure(OrderRejection(intentId: plan.intentId, orderRef: nil, code: nil, message: "test", outcomeUnknown: false))
        }
        let micros = Int((plan.receivedAt.addingTimeInterval(written).timeIntervalSince(onTheWire.receivedAt) * 1_000_000).rounded())
        return .success(OrderAck(intentId: ack.intentId, brokerIds: ack.brokerIds, duplicate: false, signalToSocketMicros: micros,
                                 connectionEpoch: ack.connectionEpoch))
    }

    func snapshot(reason: String) async throws -> BrokerSnapshot { try await fake.snapshot(reason: reason) }
    func portfolio() async throws -> Portfolio { try await fake.portfolio() }
    func cancel(_ request: CancelRequest) async throws { try await fake.cancel(request) }
    func time() async throws -> Date { try await fake.time() }
}

@Suite("Order router: signal → socket latency")
struct SignalToSocketTests {
    @Test("the part of a millisecond received_at loses on the bus is not counted as latency")
    func subMillisecondStamp() async throws {
        // 0.75 ms past a whole millisecond: the bridge sees the stamp 0.75 ms early.
        let t0 = Date().timeIntervalSince1970.rounded(.down) + 0.000_75
        let router = OrderRouter(journal: try IntentJournal(path: tempPath("intents.jsonl")), gateway: WireClockBroker(written: 0.002),
                                 policy: RiskPolicy(), allowedSources: ["test"], clock: { Date(timeIntervalSince1970: t0) },
                                 logger: Logger(label: "test"), publish: { _, _ in })
        #expect(await router.reconcile(reason: "start"))
        let s = try SignalSubmission(runId: "r", signal: try buySignal("AAA", id: "1"), lastPrice: 100, source: "test")
        let decision = await router.submit(s)
        #expect(decision.outcome == .placed)
        let micros = try #require(decision.signalToSocketMicros)
        #expect((1_999...2_001).contains(micros), "2 ms from the router's stamp, reported as \(micros) µs")
    }
}
