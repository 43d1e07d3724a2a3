import CandlewickCore
import CandlewickRouter
import CandlewickTesting
import Foundation
import Synchronization
import Testing
@testable import CandlewickPaper

/// The operator's `cancel_all` and `flatten` against ib-paper's matching engine in-process: what is cancelled and
/// closed is what the engine reports, children are gone before an exit goes out, and a failed or refused command
/// touches nothing at the broker.
@Suite("Order router: cancel-all and flatten")
struct RouterCleanupTests {
    typealias T = RouterPaperEngineTests

    static func working(_ engine: PaperEngineBroker) -> [PaperOrder] { engine.orders.filter { !$0.status.isDone } }

    @Test("flatten: halts, cancels every bracket's working children, closes each position with one market exit, nothing reopens")
    func flatten() async throws {
        let path = tempPath("intents.jsonl")
        let engine = PaperEngineBroker()
        let router = try await T.started(path, engine)
        let a = try #require(await router.submit(try T.submission("AAA", id: "1")).plan)
        let b = try #require(await router.submit(try T.submission("BBB", id: "2")).plan)
        #expect(await engine.nextDay(router), "day 1: both entries fill at their limit")
        #expect(Self.working(engine).count == 4, "two take-profits and two stops protect the positions")

        let report = await router.command(try TradingCommand(action: .flatten, reason: "end of test", source: "test"))
        #expect(report.state == .halted && report.refused == nil)
        let cleanup = try #require(report.cleanup)
        #expect(cleanup.cancelledIntents == [a.intentId, b.intentId].sorted())
        #expect(cleanup.exits.map(\.symbol) == ["AAA", "BBB"])
        #expect(cleanup.exits.allSatisfy { $0.side == .sell && $0.quantity == 10 && $0.outcome == "placed" })
        #expect(cleanup.problems.isEmpty)
        let exits = Self.working(engine)
        #expect(exits.count == 2 && exits.allSatisfy { $0.order.orderType == "MKT" && $0.order.action == "SELL" },
                "only the two market exits work at the engine: every child was cancelled first")

        #expect(await engine.nextDay(router), "day 2: the exits fill at the open")
        #expect(Self.working(engine).isEmpty)
        #expect(engine.positions.isEmpty, "flat: no short opened by a child beside the exit")
        for e in cleanup.exits { #expect(await router.ledger.intents[e.intentId]?.phase == .filled) }
        #expect(await engine.nextDay(router))
        #expect(engine.positions.isEmpty && Self.working(engine).isEmpty)

        let again = await router.command(try TradingCommand(action: .flatten, reason: "twice", source: "test"))
        #expect(again.cleanup == CleanupOutcome(), "nothing left to cancel or close: a second flatten sends nothing")
        let restarted = try await T.started(path, engine)
        #expect(await restarted.gate.state == .halted, "the halt is journaled")
        #expect(await restarted.strangers.isEmpty, "the exits are journaled intents, not strangers")
    }

    @Test("IB confirms cancels late: no exit goes out while a child of its symbol still works; one that never cancels is not closed")
    func lateCancels() async throws {
        for confirmAfter in [3, Int.max] {
            let engine = PaperEngineBroker()
            let broker = LateCancelBroker(engine, confirmAfterSnapshots: confirmAfter)
            let router = try makeRouter(tempPath("intents.jsonl"), broker)
            #expect(await router.reconcile(reason: "start"))
            _ = try #require(await router.submit(try T.submission("AAA", id: "1")).plan)
            #expect(await engine.nextDay(router))
            let report = await router.command(try TradingCommand(action: .flatten, reason: "late", source: "test"))
            let cleanup = try #require(report.cleanup)
            #expect(broker.workingAtExit.allSatisfy { $0.isEmpty }, "every exit waited for IB to confirm its symbol's cancels")
            if confirmAfter == Int.max {
                #expect(cleanup.exits.isEmpty && cleanup.problems.count == 1 && cleanup.problems[0].hasPrefix("AAA:"))
                #expect(engine.positions["AAA"] == 10, "not closed: its stop and target still work")
            } else {
                #expect(cleanup.exits.map(\.symbol) == ["AAA"] && cleanup.problems.isEmpty)
                #expect(await engine.nextDay(router))
                #expect(engine.positions.isEmpty && Self.working(engine).isEmpty)
            }
        }
    }

    @Test("cancel-all: halts and cancels a whole unfilled bracket at the engine; nothing fills afterwards, nothing is closed")
    func cancelAll() async throws {
        let engine = PaperEngineBroker()
        let router = try await T.started(tempPath("intents.jsonl"), engine)
        let plan = try #require(await router.submit(try T.submission()).plan)
        let report = await router.command(try TradingCommand(action: .cancelAll, reason: "stop everything", source: "test"))
        #expect(report.state == .halted)
        #expect(report.cleanup?.cancelledIntents == [plan.intentId] && report.cleanup?.exits == [])
        #expect(T.legs(engine, plan.intentId).allSatisfy { $0.status == .cancelled })
        #expect(await engine.nextDay(router))
        #expect(engine.orders.allSatisfy { $0.filled == 0 } && engine.positions.isEmpty)
        #expect(await router.submit(try T.submission("BBB", id: "2")).note?.code == .halted)
    }

    @Test("IB unreachable: trading halts, nothing is cancelled or closed, and the report says why")
    func brokerDown() async throws {
        let engine = PaperEngineBroker()
        let router = try await T.started(tempPath("intents.jsonl"), engine)
        let plan = try #require(await router.submit(try T.submission()).plan)
        #expect(await engine.nextDay(router))
        engine.engine.withLock { $0.mode = .down }
        let report = await router.command(try TradingCommand(action: .flatten, reason: "x", source: "test"))
        #expect(report.state == .halted)
        #expect(report.cleanup?.exits == [] && report.cleanup?.cancelledIntents == [])
        #expect(report.cleanup?.problems.first?.contains("cannot read IB's orders") == true)
        let legs = T.legs(engine, plan.intentId)
        #expect(legs.first?.status == .filled && legs.dropFirst().allSatisfy { !$0.status.isDone }, "the children still protect the position")
    }

    @Test("a source not allowed to command trading: refused, the broker untouched")
    func refusedSource() async throws {
        let engine = PaperEngineBroker()
        let router = try await T.started(tempPath("intents.jsonl"), engine)
        let plan = try #require(await router.submit(try T.submission()).plan)
        let report = await router.command(try TradingCommand(action: .cancelAll, reason: "x", source: "evil"))
        #expect(report.refused != nil && report.cleanup == nil && report.state == .active)
        #expect(T.legs(engine, plan.intentId).allSatisfy { !$0.status.isDone })
    }
}

/// ib-paper's engine behind a gateway whose cancels take effect only after a few more snapshots (IB confirms a
/// cancel later than it acknowledges the request), or never. It records, for each exit placed, which orders of that
/// symbol the engine was still working at that moment.
final class LateCancelBroker: BrokerGateway {
    let engine: PaperEngineBroker
    let confirmAfter: Int
    private let state = Mutex<(pending: [CancelRequest], snapshots: Int, workingAtExit: [[String]])>(([], 0, []))

    init(_ engine: PaperEngineBroker, confirmAfterSnapshots: Int) {
        self.engine = engine
        confirmAfter = confirmAfterSnapshots
    }

    var workingAtExit: [[String]] { state.withLock { $0.workingAtExit } }

    func place(_ plan: OrderPlan) async -> Result<OrderAck, OrderRejection> {
        if !plan.isBracket {
            let working = engine.orders.filter { $0.contract.symbol == plan.symbol && !$0.status.isDone }.map(\.order.orderRef)
            state.withLock { $0.workingAtExit.append(working) }
        }
        return await engine.place(plan)
    }

    func snapshot(reason: String) async throws -> BrokerSnapshot {
        let due: [CancelRequest] = state.withLock { s in
            s.snapshots += 1
            guard s.snapshots > confirmAfter else { return [] }
            defer { s.pending = [] }
            return s.pending
        }
        for c in due { try await engine.cancel(c) }
        return try await engine.snapshot(reason: reason)
    }

    func portfolio() async throws -> Portfolio { try await engine.portfolio() }
    func cancel(_ request: CancelRequest) async throws { state.withLock { $0.pending.append(request); $0.snapshots = 0 } }
    func time() async throws -> Date { try await engine.time() }
}
