import CandlewickCore
import CandlewickRouter
import CandlewickTesting
import Foundation
import Logging
import Testing

/// What order-router must remember across a restart and how it treats sources, duplicates, fills and
/// reconnects (see scripts/mutants.toml). The journal is a real file; each body runs against `FakeBroker` and
/// against ib-paper's matching engine in-process (`BrokerKind`).
@Suite("Order router: state across restarts, sources, duplicates, fills")
struct OrderRouterStateTests {
    func submission(_ symbol: String = "AAA", id: String = "1", source: String = "test", action: SignalAction = .buy) throws -> SignalSubmission {
        let signal = action == .buy ? try buySignal(symbol, id: id) : try buySignal(symbol, entry: 100, stop: 105, target: 90, id: id, action: .sell)
        return try SignalSubmission(runId: "r", signal: signal, lastPrice: 100, source: source)
    }

    func started(_ path: String, _ broker: any TestBroker) async throws -> OrderRouter {
        let router = try makeRouter(path, broker)
        #expect(await router.reconcile(reason: "start"))
        return router
    }

    func execution(_ ref: String, id: String, pnl: Decimal) throws -> TradeExecution {
        try TradeExecution(executionId: id, symbol: "AAA", side: .sell, quantity: 10, price: 90, orderRef: ref, timestamp: Date(), realizedPnl: pnl)
    }

    @Test("the kill switch survives a restart", arguments: BrokerKind.allCases)
    func haltSurvivesRestart(_ kind: BrokerKind) async throws {
        let path = tempPath("intents.jsonl")
        let broker = kind.make()
        let router = try await started(path, broker)
        let report = await router.command(try TradingCommand(action: .halt, reason: "stop", source: "test"))
        #expect(report.state == .halted && report.refused == nil)
        let again = try await started(path, broker)
        #expect(await again.gate.state == .halted)
        #expect(await again.submit(try submission()).note?.code == .halted)
        #expect(broker.places == 0)
    }

    @Test(
        "the day's notional and realised loss survive a restart; a fill's loss halts and the halt is journaled; an execution counts once",
        arguments: BrokerKind.allCases)
    func countersSurviveRestart(_ kind: BrokerKind) async throws {
        let path = tempPath("intents.jsonl")
        let broker = kind.make()
        let router = try await started(path, broker)
        let d = await router.submit(try submission())
        #expect(d.outcome == .placed)
        let ref = try #require(d.plan?.firstLeg.orderRef)
        await router.handle(execution: try execution(ref, id: "e1", pnl: -500))
        await router.handle(execution: try execution(ref, id: "e1", pnl: -500))
        let g1 = await router.gate
        #expect(g1.dailyRealizedPnl == -500 && g1.dailyNotional == 1_000)
        let restarted = try await started(path, broker)
        let g2 = await restarted.gate
        #expect(g2.dailyRealizedPnl == -500 && g2.dailyNotional == 1_000)
        await restarted.handle(execution: try execution(ref, id: "e1", pnl: -500))
        #expect(await restarted.gate.dailyRealizedPnl == -500, "an execution seen before the restart is not counted again")
        await restarted.handle(execution: try execution(ref, id: "e2", pnl: -1_500))
        #expect(await restarted.gate.state == .halted)
        let states = try IntentJournal(path: path).replayed.filter { $0.kind == .state }.map(\.state)
        #expect(states == [.halted], "the loss halt is journaled")
    }

    @Test("signals from a source not allowed are denied; commands from one are refused", arguments: BrokerKind.allCases)
    func sources(_ kind: BrokerKind) async throws {
        let broker = kind.make()
        let router = try await started(tempPath("intents.jsonl"), broker)
        #expect(await router.submit(try submission(source: "evil")).note?.code == .unknownSource)
        let r = await router.command(try TradingCommand(action: .halt, reason: "x", source: "evil"))
        #expect(r.refused != nil && r.state == .active)
        #expect(broker.places == 0)
    }

    @Test(
        "one intent per symbol per run; a denied signal stays denied after a restart; an in-flight one is pending, not duplicate",
        arguments: BrokerKind.allCases)
    func duplicates(_ kind: BrokerKind) async throws {
        let path = tempPath("intents.jsonl")
        let broker = kind.make()
        let router = try await started(path, broker)
        #expect(await router.submit(try submission("AAA", id: "1")).outcome == .placed)
        #expect(await router.submit(try submission("AAA", id: "2")).note?.code == .duplicateSymbol)
        let short = try submission("BBB", id: "3", action: .sell)
        #expect(await router.submit(short).note?.code == .shortNotAllowed)
        let again = try await started(path, broker)
        #expect(await again.submit(short).outcome == .duplicate)
        broker.set(.loseAck)
        let lost = try submission("CCC", id: "4")
        #expect(await again.submit(lost).outcome == .pending)
        #expect(await again.submit(lost).outcome == .pending, "still in flight: the caller asks again later")
        #expect(broker.places == 2)
    }

    @Test("an intent that never reached IB is not sent after a restart while HALTED", arguments: BrokerKind.allCases)
    func noResendWhileHalted(_ kind: BrokerKind) async throws {
        let path = tempPath("intents.jsonl")
        let broker = kind.make()
        let router = try await started(path, broker)
        broker.set(.down)
        let s = try submission()
        #expect(await router.submit(s).outcome == .pending)
        _ = await router.command(try TradingCommand(action: .halt, reason: "stop", source: "test"))
        broker.set(.ack)
        let again = try await started(path, broker)
        #expect(broker.places == 0)
        #expect(await again.ledger.intents[IntentId.make(runId: "r", symbol: "AAA", signalId: "1")]?.phase == .cancelled)
    }

    @Test("an acknowledgement from an earlier connection is not trusted: the router reconciles first", arguments: BrokerKind.allCases)
    func staleAck(_ kind: BrokerKind) async throws {
        let broker = kind.make()
        let router = try await started(tempPath("intents.jsonl"), broker)
        let s = try await broker.snapshot(reason: "t")
        #expect(await router.apply(BrokerSnapshot(accounts: s.accounts, orders: s.orders, executions: [], portfolio: s.portfolio, accountValues: [:],
                                                  connectionEpoch: 3, takenAt: Date()), reason: "epoch 3"))
        broker.set(ackEpoch: 2)
        #expect(await router.submit(try submission()).outcome == .pending)
        #expect(await router.reconciled == false)
    }

    @Test(
        "the entry's fill is journaled; a child's cancel (its OCA sibling filled) does not cancel the intent; a reconnect reconciles",
        arguments: BrokerKind.allCases)
    func brokerEvents(_ kind: BrokerKind) async throws {
        let broker = kind.make()
        let router = try await started(tempPath("intents.jsonl"), broker)
        let d = await router.submit(try submission())
        let plan = try #require(d.plan)
        func status(_ leg: Int, _ s: String) -> BrokerOrder {
            BrokerOrder(orderRef: plan.legs[leg].orderRef, brokerOrderId: leg + 1, permId: leg + 1, symbol: "AAA", side: plan.legs[leg].side,
                        orderType: "LMT", quantity: 10, filled: s == "Filled" ? 10 : 0, avgFillPrice: s == "Filled" ? 100 : nil, status: s,
                        parentId: 0, ocaGroup: "")
        }
        await router.handle(order: status(1, "Cancelled"))
        #expect(await router.ledger.intents[plan.intentId]?.phase == .placed)
        await router.handle(order: status(0, "Filled"))
        #expect(await router.ledger.intents[plan.intentId]?.phase == .filled)
        broker.set(.loseAck)
        _ = await router.submit(try submission("BBB", id: "2"))
        #expect(await router.reconciled == false)
        let s = try await broker.snapshot(reason: "t")
        await router.handle(snapshot: BrokerSnapshot(accounts: s.accounts, orders: s.orders, executions: [], portfolio: s.portfolio, accountValues: [:],
                                                     connectionEpoch: 2, takenAt: Date()))
        #expect(await router.reconciled == true)
    }

    @Test("an entry filled in part and then cancelled (its DAY rest expired) is journaled filled, not cancelled", arguments: BrokerKind.allCases)
    func partlyFilledEntryCancelled(_ kind: BrokerKind) async throws {
        let broker = kind.make()
        let router = try await started(tempPath("intents.jsonl"), broker)
        let plan = try #require(await router.submit(try submission()).plan)
        await router.handle(order: BrokerOrder(orderRef: plan.firstLeg.orderRef, brokerOrderId: 1, permId: 1, symbol: "AAA", side: .buy,
                                               orderType: "LMT", quantity: 10, filled: 6, avgFillPrice: 100, status: "Cancelled",
                                               parentId: 0, ocaGroup: ""))
        #expect(await router.ledger.intents[plan.intentId]?.phase == .filled)
    }
}
