import CandlewickCore
import CandlewickRouter
import CandlewickTesting
import Foundation
import Testing
@testable import CandlewickPaper

/// What `FakeBroker` cannot show, against ib-paper's matching engine in-process (`PaperEngineBroker`): the engine
/// refuses a leg, cancels, fills a bracket over the next bars (realised P&L and the daily-loss halt from its own
/// executions), fills in part, and its snapshot reconciles the router after a reconnect. The paper clock is driven
/// a trading day at a time; nothing waits on wall-clock time.
@Suite("Order router against ib-paper's matching engine")
struct RouterPaperEngineTests {
    static func submission(_ symbol: String = "AAA", id: String = "1", stop: Decimal = 95) throws -> SignalSubmission {
        try SignalSubmission(runId: "r", signal: try buySignal(symbol, stop: stop, id: id), lastPrice: 100, source: "test")
    }

    static func started(_ path: String, _ engine: PaperEngineBroker, policy: RiskPolicy = RiskPolicy()) async throws -> OrderRouter {
        let router = try makeRouter(path, engine, policy: policy)
        #expect(await router.reconcile(reason: "start"))
        return router
    }

    /// The engine's orders of one intent.
    static func legs(_ engine: PaperEngineBroker, _ intentId: String) -> [PaperOrder] {
        engine.orders.filter { IntentId.intent(ofRef: $0.order.orderRef) == intentId }
    }

    @Test("a stop off the engine's tick (IB 110) is refused there: the intent is journaled rejected, its held legs withdrawn")
    func rejectedLeg() async throws {
        let path = tempPath("intents.jsonl")
        let engine = PaperEngineBroker()
        var policy = RiskPolicy()
        policy.tickSize = Decimal(string: "0.001")!
        let router = try await Self.started(path, engine, policy: policy)
        let d = await router.submit(try Self.submission(stop: Decimal(string: "95.005")!))
        #expect(d.outcome == .rejected && d.note?.code == .gatewayRejected)
        let rejected = try IntentJournal(path: path).replayed.filter { $0.kind == .rejected }
        #expect(rejected.map(\.intentId) == [d.intentId] && rejected.first?.code == 110)
        #expect(await router.ledger.intents[d.intentId]?.phase == .rejected)
        let legs = Self.legs(engine, d.intentId)
        #expect(legs.count == 2 && legs.allSatisfy { $0.status == .cancelled }, "entry and take-profit were held, then withdrawn")
        #expect(await engine.nextDay(router))
        #expect(engine.orders.allSatisfy { $0.filled == 0 }, "day 1 trades through the limit: nothing of the refused plan works")
        #expect(await router.reconcile(reason: "after reject"))
        #expect(await router.ledger.intents[d.intentId]?.phase == .rejected)
    }

    @Test("a symbol the engine does not serve (IB 200) is journaled rejected as unknown_symbol; the router keeps trading")
    func rejectedUnknownSymbol() async throws {
        let path = tempPath("intents.jsonl")
        let engine = PaperEngineBroker()
        let router = try await Self.started(path, engine)
        let d = await router.submit(try Self.submission("ZZZ"))
        #expect(d.outcome == .rejected && d.note?.code == .unknownSymbol)
        #expect(try IntentJournal(path: path).replayed.filter { $0.kind == .rejected }.map(\.code) == [200])
        #expect(await router.submit(try Self.submission("AAA", id: "2")).outcome == .placed)
        #expect(engine.orders.filter { $0.status == .submitted || $0.status == .preSubmitted }.count == 3)
    }

    @Test("a cancel reaches the engine: the whole bracket is cancelled there, the intent journaled cancelled, nothing fills")
    func cancel() async throws {
        let engine = PaperEngineBroker()
        let router = try await Self.started(tempPath("intents.jsonl"), engine)
        let plan = try #require(await router.submit(try Self.submission()).plan)
        await engine.deliver(to: router)
        #expect(await router.ledger.intents[plan.intentId]?.phase == .placed)
        try await router.cancel(intentId: plan.intentId, reason: "test")
        let legs = Self.legs(engine, plan.intentId)
        #expect(legs.count == 3 && legs.allSatisfy { $0.status == .cancelled })
        await engine.deliver(to: router)
        #expect(await router.ledger.intents[plan.intentId]?.phase == .cancelled)
        #expect(await engine.nextDay(router))
        #expect(engine.orders.allSatisfy { $0.filled == 0 }, "day 1 trades through the limit: a cancelled entry does not fill")
        #expect(await router.reconcile(reason: "after cancel"))
        #expect(await router.ledger.intents[plan.intentId]?.phase == .cancelled)
    }

    @Test("a bracket fills over the next bars: the router's realised P&L is the engine's, and that loss halts trading")
    func bracketFillsAndHalts() async throws {
        let path = tempPath("intents.jsonl")
        let engine = PaperEngineBroker()
        var policy = RiskPolicy()
        policy.maxDailyLoss = 50
        let router = try await Self.started(path, engine, policy: policy)
        let plan = try #require(await router.submit(try Self.submission()).plan)
        #expect(await engine.nextDay(router))
        #expect(await router.ledger.intents[plan.intentId]?.phase == .filled, "day 1: the entry fills at its 100 limit")
        let gate = await router.gate
        #expect(gate.dailyRealizedPnl == 0 && gate.state == .active)
        #expect(await engine.nextDay(router))
        // Day 2 opens at 96 and trades to 94: the stop fills at 95. Cost 100 + $1 entry commission, $1 exit commission.
        let pnl = await router.gate.dailyRealizedPnl
        #expect(pnl == -52 && pnl == engine.realizedPnL)
        #expect(await router.gate.state == .halted)
        let states = try IntentJournal(path: path).replayed.filter { $0.kind == .state }.map(\.state)
        #expect(states == [.halted], "the loss halt is journaled")
        let legs = Self.legs(engine, plan.intentId)
        #expect(legs.map(\.status) == [.filled, .cancelled, .filled], "entry and stop filled, the take-profit cancelled by OCA")
        #expect(await router.submit(try Self.submission("BBB", id: "2")).note?.code == .halted)
        let restarted = try await Self.started(path, engine, policy: policy)
        #expect(await restarted.gate.dailyRealizedPnl == -52, "the engine's executions in the snapshot are not counted again")
    }

    @Test("a stop that fills is believed: the position is gone, so a SELL is no exit (no short opened) and a BUY is no longer adding")
    func stopFillRefreshesPositions() async throws {
        let engine = PaperEngineBroker()
        let router = try await Self.started(tempPath("intents.jsonl"), engine)
        let plan = try #require(await router.submit(try Self.submission()).plan)
        #expect(await engine.nextDay(router))
        try await Self.waitFor(router) { $0["AAA"] == 10 }
        #expect(await engine.nextDay(router))
        #expect(Self.legs(engine, plan.intentId).map(\.status) == [.filled, .cancelled, .filled], "day 2: the stop filled")
        // Only the stop's fill tells the router; nothing else is delivered in between.
        try await Self.waitFor(router) { ($0["AAA"] ?? 0) == 0 }
        let sell = await router.submit(try SignalSubmission(runId: "r2", signal: try buySignal("AAA", entry: 95, stop: 99, target: 90, id: "3",
                                                                                             action: .sell), lastPrice: 95, source: "test"))
        #expect(sell.note?.code == .shortNotAllowed, "no exit order for a long that the stop already closed")
        let buy = await router.submit(try SignalSubmission(runId: "r3", signal: try buySignal("AAA", id: "4"), lastPrice: 100, source: "test"))
        #expect(buy.outcome == .placed, "flat again: a new bracket, not `already_long`")
    }

    /// Waits (at most 5 s) until the router's positions satisfy `ok`: its portfolio refresh runs as its own task.
    static func waitFor(_ router: OrderRouter, _ ok: @Sendable ([String: Decimal]) -> Bool) async throws {
        for _ in 0..<1000 {
            if ok(await router.positionsHeld) { return }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("positions never became as expected: \(await router.positionsHeld)")
    }

    @Test("a partial fill: the entry takes 5 of 10 on a thin bar and its DAY rest expires; filled for 5, children protect 5")
    func partialFill() async throws {
        let path = tempPath("intents.jsonl")
        let engine = PaperEngineBroker(participation: Decimal(string: "0.005")!)
        let router = try await Self.started(path, engine)
        let plan = try #require(await router.submit(try Self.submission()).plan)
        #expect(await engine.nextDay(router))
        let legs = Self.legs(engine, plan.intentId)
        #expect(legs.map(\.filled) == [5, 0, 0] && legs.first?.status == .cancelled)
        #expect(legs.dropFirst().allSatisfy { $0.status == .submitted && $0.order.totalQuantity == 5 })
        #expect(await router.ledger.intents[plan.intentId]?.phase == .filled)
        let filled = try IntentJournal(path: path).replayed.filter { $0.kind == .filled }
        #expect(filled.count == 1 && filled.first?.message?.contains("filled 5 of 10") == true)
        let snapshot = try await engine.snapshot(reason: "t")
        #expect(snapshot.executions.map(\.quantity) == [5] && snapshot.portfolio.positions.map(\.quantity) == [5])
        #expect(await router.reconcile(reason: "after partial fill"))
        #expect(await router.ledger.intents[plan.intentId]?.phase == .filled)
    }

    @Test("a reconnect: reports lost with the old connection, the engine's snapshot reconciles; one bracket per intent")
    func reconnect() async throws {
        let engine = PaperEngineBroker()
        let router = try await Self.started(tempPath("intents.jsonl"), engine)
        let a = try #require(await router.submit(try Self.submission("AAA", id: "1")).plan)
        engine.set(.loseAck)
        let b = await router.submit(try Self.submission("BBB", id: "2"))
        #expect(b.outcome == .pending)
        #expect(await router.reconciled == false)
        engine.set(.ack)
        // While the connection is down an operator cancels AAA at the engine; its reports are lost with the connection.
        try await engine.cancel(CancelRequest(intentId: a.intentId, reason: "operator"))
        let snapshot = try engine.reconnect()
        #expect(snapshot.connectionEpoch == 2)
        await router.handle(snapshot: snapshot)
        #expect(await router.reconciled)
        #expect(await router.ledger.intents[a.intentId]?.phase == .cancelled, "cancelled at the engine: journaled from the snapshot")
        #expect(await router.ledger.intents[b.intentId]?.phase == .placed, "found at the engine by orderRef")
        #expect(engine.places == 2, "not sent again")
        let c = await router.submit(try Self.submission("CCC", id: "3"))
        #expect(c.outcome == .placed)
        let byIntent = Dictionary(grouping: engine.orders) { IntentId.intent(ofRef: $0.order.orderRef) ?? "" }
        #expect(byIntent.count == 3 && byIntent.values.allSatisfy { $0.count == 3 }, "exactly one bracket per intent")
        #expect(await engine.nextDay(router))
        let entries = engine.orders.filter { $0.status == .filled }.map(\.contract.symbol)
        #expect(entries == ["BBB", "CCC"], "each live intent's entry fills once; the cancelled one does not")
        #expect(await router.ledger.intents[c.intentId]?.phase == .filled)
    }
}
