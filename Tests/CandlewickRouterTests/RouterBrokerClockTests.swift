import CandlewickCore
import CandlewickRouter
import CandlewickTesting
import Foundation
import Logging
import Synchronization
import Testing
@testable import CandlewickPaper

/// `router.clock = broker`: the risk gate's day follows the broker's (ib-paper's simulated) day, read before each signal.
@Suite("Order router: the broker's clock")
struct RouterBrokerClockTests {
    /// ib-paper's close of 2020-01-02 (16:00 EST), the engine's first as-of day.
    static let firstClose = Date(timeIntervalSince1970: 1_577_998_800)

    static func router(_ path: String, _ broker: any BrokerGateway, policy: RiskPolicy, broker clock: Bool) -> OrderRouter {
        OrderRouter(journal: try! IntentJournal(path: path), gateway: broker, policy: policy, allowedSources: ["test"],
                    clock: { ManualClock.epoch }, brokerClock: clock ? BrokerClock() : nil, logger: Logger(label: "test"), publish: { _, _ in })
    }

    /// A daily budget of exactly one order (10 shares at 100).
    static var oneOrderADay: RiskPolicy {
        var p = RiskPolicy()
        p.dailyNotionalBudget = 1_000
        return p
    }

    static func submit(_ r: OrderRouter, _ symbol: String, _ id: String) async throws -> RouterDecision {
        await r.submit(try SignalSubmission(runId: "r", signal: try buySignal(symbol, id: id), lastPrice: 100, source: "test"))
    }

    @Test("the day's budget is used up on the simulated day and back on the next one; on the wall clock it never comes back")
    func budgetFollowsSimulatedDay() async throws {
        for brokerMode in [true, false] {
            let engine = PaperEngineBroker()
            let router = Self.router(tempPath("intents.jsonl"), engine, policy: Self.oneOrderADay, broker: brokerMode)
            #expect(await router.reconcile(reason: "start"))
            #expect(try await Self.submit(router, "AAA", "1").outcome == .placed)
            let second = try await Self.submit(router, "BBB", "2")
            #expect(second.outcome == .denied && second.note?.code == .dailyBudget)
            #expect(await engine.nextDay(router))
            let nextDay = try await Self.submit(router, "CCC", "3")
            if brokerMode {
                #expect(nextDay.outcome == .placed, "a new simulated day resets the budget: \(String(describing: nextDay.note))")
            } else {
                #expect(nextDay.outcome == .denied && nextDay.note?.code == .dailyBudget, "the wall clock did not move")
            }
        }
    }

    @Test("journal stamps are the broker's time, so a restarted router rebuilds the simulated day's counters")
    func journalUsesBrokerTime() async throws {
        let path = tempPath("intents.jsonl")
        let engine = PaperEngineBroker()
        let first = Self.router(path, engine, policy: Self.oneOrderADay, broker: true)
        #expect(await first.reconcile(reason: "start"))
        #expect(try await Self.submit(first, "AAA", "1").outcome == .placed)
        #expect(await engine.nextDay(first))
        #expect(try await Self.submit(first, "BBB", "2").outcome == .placed)
        let planned = try IntentJournal(path: path).replayed.filter { $0.kind == .planned }.map(\.at)
        #expect(planned.count == 2)
        let day2Close = Self.firstClose.addingTimeInterval(86_400)
        #expect(planned.first.map { $0 >= Self.firstClose && $0 < Self.firstClose.addingTimeInterval(60) } == true, "\(planned)")
        #expect(planned.last.map { $0 >= day2Close && $0 < day2Close.addingTimeInterval(60) } == true, "\(planned)")
        // Restarted on the same simulated day: BBB's notional is that day's, so the budget stays used up.
        let restarted = Self.router(path, engine, policy: Self.oneOrderADay, broker: true)
        #expect(await restarted.reconcile(reason: "restart"))
        let again = try await Self.submit(restarted, "CCC", "3")
        #expect(again.outcome == .denied && again.note?.code == .dailyBudget)
    }

    @Test("the broker's time cannot be read: denied broker_clock_unavailable, nothing journaled or placed (never the wall clock)")
    func failClosed() async throws {
        let path = tempPath("intents.jsonl")
        let broker = FakeBroker()
        let router = Self.router(path, broker, policy: RiskPolicy(), broker: true)
        #expect(await router.reconcile(reason: "start"))
        broker.set(.down)
        let d = try await Self.submit(router, "AAA", "1")
        #expect(d.outcome == .denied && d.note?.code == .brokerClockUnavailable)
        let journaled = try IntentJournal(path: path).replayed
        #expect(broker.places == 0 && journaled.isEmpty)
        broker.set(.ack)
        #expect(try await Self.submit(router, "AAA", "1").outcome == .placed, "not journaled: the same signal is judged once the time is back")
    }

    @Test("the clock runs on from the last reading; a reading cut to the second does not move it back, a reset to an earlier day does")
    func brokerClock() {
        let mono = Mutex<Double>(100)
        let clock = BrokerClock(monotonic: { mono.withLock { $0 } })
        #expect(clock.now == nil)
        let t0 = Date(timeIntervalSince1970: 1_000_000)
        clock.observe(t0)
        mono.withLock { $0 += 2.5 }
        #expect(clock.now == t0.addingTimeInterval(2.5))
        clock.observe(t0.addingTimeInterval(2))  // IB's whole second, 0.5 s behind
        #expect(clock.now == t0.addingTimeInterval(2.5))
        clock.observe(t0.addingTimeInterval(86_400))
        #expect(clock.now == t0.addingTimeInterval(86_400))
        clock.observe(t0.addingTimeInterval(-86_400))
        #expect(clock.now == t0.addingTimeInterval(-86_400))
    }

    @Test("risk.child_tif: a DAY entry with GTC take-profit and stop-loss; unset, the children take risk.tif")
    func childTif() throws {
        var policy = RiskPolicy()
        policy.tif = .day
        var gate = RiskGate(policy: policy, now: ManualClock.epoch)
        let same = try #require(gate.evaluate(try buySignal(), runId: "r", book: RiskBook(), now: ManualClock.epoch).plan)
        #expect(same.legs.map(\.tif) == [.day, .day, .day])
        policy.childTif = .gtc
        gate = RiskGate(policy: policy, now: ManualClock.epoch)
        let plan = try #require(gate.evaluate(try buySignal(), runId: "r", book: RiskBook(), now: ManualClock.epoch).plan)
        #expect(plan.legs.map(\.role) == [.entry, .takeProfit, .stopLoss])
        #expect(plan.legs.map(\.tif) == [.day, .gtc, .gtc])
    }
}
