import CandlewickCore
import CandlewickTesting
import Foundation
import Testing

/// Edges of the risk gate the broad tests do not pin: each test names the bug it stops (see scripts/mutants.toml).
@Suite("Risk gate: edges (every denial code, sizing, prices, counters)")
struct RiskGateEdgeTests {
    let now = ManualClock.epoch

    func signal(_ symbol: String = "SPY", entry: Decimal? = 100, stop: Decimal? = 95, target: Decimal? = 110, id: String = "s1",
                action: SignalAction = .buy) throws -> TradingSignal {
        try TradingSignal(signalId: id, symbol: symbol, action: action, confidence: .high, confidenceScore: 80, entryPrice: entry,
                          stopLoss: stop, takeProfit: target, reasoning: "test", timestamp: now)
    }

    func sell(_ symbol: String = "SPY", entry: Decimal = 100, stop: Decimal = 105, target: Decimal = 90, id: String = "s1") throws -> TradingSignal {
        try signal(symbol, entry: entry, stop: stop, target: target, id: id, action: .sell)
    }

    func gate(_ change: (inout RiskPolicy) -> Void = { _ in }) -> RiskGate {
        var p = RiskPolicy()
        change(&p)
        return RiskGate(policy: p, now: now)
    }

    @Test("the rate window is exactly 60 s: an order 59.9 s old still counts, one 60 s old does not; exits count too")
    func rateWindowBoundary() throws {
        var g = gate { $0.maxOrdersPerMinute = 1 }
        let plan = try #require(g.evaluate(try signal("AAA"), runId: "r", book: RiskBook(), now: now).plan)
        g.commit(plan, now: now)
        let exit = try sell("BBB")
        #expect(g.evaluate(exit, runId: "r", book: RiskBook(positions: ["BBB": 5]), now: now.addingTimeInterval(59.9)).denial?.code == .rateLimit)
        #expect(g.evaluate(try signal("CCC"), runId: "r", book: RiskBook(), now: now.addingTimeInterval(60)).plan != nil)
    }

    @Test("already_short: adding to a short is refused even when shorts are allowed")
    func alreadyShort() throws {
        var g = gate { $0.allowShort = true }
        #expect(g.evaluate(try sell(), runId: "r", book: RiskBook(positions: ["SPY": -10]), now: now).denial?.code == .alreadyShort)
        var adding = gate { $0.allowShort = true; $0.allowAdding = true }
        #expect(adding.evaluate(try sell(), runId: "r", book: RiskBook(positions: ["SPY": -10]), now: now).plan?.quantity == 10)
    }

    @Test("missing_levels and no_price")
    func missingLevelsAndNoPrice() throws {
        var g = gate()
        #expect(g.evaluate(try signal(stop: nil, target: nil), runId: "r", book: RiskBook(), now: now).denial?.code == .missingLevels)
        #expect(g.evaluate(try signal(entry: nil), runId: "r", book: RiskBook(), now: now).denial?.code == .noPrice)
        let fromLast = try #require(g.evaluate(try signal(entry: nil), runId: "r", book: RiskBook(lastPrice: 101), now: now).plan)
        #expect(fromLast.firstLeg.limitPrice == 101)
    }

    @Test("the entry is priced and sized from the signal's entry, the last price only when the signal has none")
    func entryPriceWins() throws {
        var g = gate { $0.sizing = .risk; $0.riskBudget = 100 }
        let plan = try #require(g.evaluate(try signal(entry: 100, stop: 98, target: 110), runId: "r", book: RiskBook(lastPrice: 102), now: now).plan)
        #expect(plan.firstLeg.limitPrice == 100 && plan.quantity == 50 && plan.notional == 5_000)
    }

    @Test("size_zero: a risk budget that buys no share; shares are floored, never rounded up; max_shares caps")
    func sizing() throws {
        var tiny = gate { $0.sizing = .risk; $0.riskBudget = 1 }
        #expect(tiny.evaluate(try signal(), runId: "r", book: RiskBook(), now: now).denial?.code == .sizeZero)
        var floor = gate { $0.sizing = .risk; $0.riskBudget = 249 }
        #expect(floor.evaluate(try signal(), runId: "r", book: RiskBook(), now: now).plan?.quantity == 49, "249 / 5 = 49.8 → 49")
        var capped = gate { $0.sizing = .risk; $0.riskBudget = 10_000; $0.maxShares = 30 }
        #expect(capped.evaluate(try signal(entry: 100, stop: 99), runId: "r", book: RiskBook(), now: now).plan?.quantity == 30)
    }

    @Test("a short is sized from |entry − stop| and its bracket mirrors the sides")
    func sellBracket() throws {
        var g = gate { $0.allowShort = true; $0.sizing = .risk; $0.riskBudget = 250 }
        let plan = try #require(g.evaluate(try sell(), runId: "r", book: RiskBook(), now: now).plan)
        #expect(plan.quantity == 50 && plan.opening)
        #expect(plan.legs.map(\.side) == [.sell, .buy, .buy])
        #expect(plan.legs[1].limitPrice == 90 && plan.legs[2].stopPrice == 105)
    }

    @Test("levels that collapse onto the entry after rounding are refused on the SELL side too")
    func sellLevelsCollapse() throws {
        var g = gate { $0.allowShort = true }
        let s = try sell(entry: Decimal(string: "100.001")!, stop: Decimal(string: "100.004")!, target: 90)
        #expect(g.evaluate(s, runId: "r", book: RiskBook(), now: now).denial?.code == .levelsCollapse)
    }

    @Test("order_notional: one share above the limit is denied; exactly at the limit is not clamped")
    func orderNotional() throws {
        var g = gate { $0.maxOrderNotional = 10_000; $0.maxPositionNotional = 100_000 }
        #expect(g.evaluate(try signal(entry: 20_000, stop: 19_000, target: 21_000), runId: "r", book: RiskBook(), now: now).denial?.code == .orderNotional)
        var exact = gate { $0.fixedShares = 100; $0.maxOrderNotional = 10_000 }
        guard case .place(let plan, let notes) = exact.evaluate(try signal(), runId: "r", book: RiskBook(), now: now) else {
            Issue.record("expected a plan"); return
        }
        #expect(plan.quantity == 100 && notes.isEmpty)
    }

    @Test("position_limit: the room left counts the shares held, long or short; none left is a denial")
    func positionLimit() throws {
        func g() -> RiskGate { gate { $0.allowAdding = true; $0.allowShort = true; $0.fixedShares = 100; $0.maxOrderNotional = 100_000 } }
        var long = g()
        guard case .place(let plan, let notes) = long.evaluate(try signal(), runId: "r", book: RiskBook(positions: ["SPY": 150]), now: now) else {
            Issue.record("expected a clamped plan"); return
        }
        #expect(plan.quantity == 50 && notes.map(\.code) == [.positionLimitClamped])
        var short = g()
        #expect(short.evaluate(try sell(), runId: "r", book: RiskBook(positions: ["SPY": -150]), now: now).plan?.quantity == 50)
        var full = g()
        #expect(full.evaluate(try signal(), runId: "r", book: RiskBook(positions: ["SPY": 200]), now: now).denial?.code == .positionLimit)
    }

    @Test("open positions count entries in flight, not flat symbols; adding to a held symbol is not a new position")
    func openPositions() throws {
        var g = gate { $0.maxOpenPositions = 2 }
        #expect(g.evaluate(try signal("CCC"), runId: "r", book: RiskBook(positions: ["AAA": 10], pendingSymbols: ["BBB"]), now: now).denial?.code
                == .maxOpenPositions)
        #expect(g.evaluate(try signal("CCC"), runId: "r", book: RiskBook(positions: ["AAA": 10, "BBB": 0]), now: now).plan != nil)
        var adding = gate { $0.maxOpenPositions = 2; $0.allowAdding = true }
        #expect(adding.evaluate(try signal("AAA"), runId: "r", book: RiskBook(positions: ["AAA": 10, "BBB": 10]), now: now).plan != nil)
    }

    @Test("exits: the signal's side, no more than held, no OCA group, and no daily notional used")
    func exits() throws {
        var g = gate()
        let sell = try #require(g.evaluate(try sell(), runId: "r", book: RiskBook(positions: ["SPY": 5]), now: now).plan)
        #expect(sell.legs.map(\.role) == [.exit] && sell.firstLeg.side == .sell && sell.quantity == 5 && sell.ocaGroup == nil && !sell.opening)
        let buy = try #require(g.evaluate(try signal(), runId: "r", book: RiskBook(positions: ["SPY": -7]), now: now).plan)
        #expect(buy.firstLeg.side == .buy && buy.quantity == 7)
        g.commit(sell, now: now)
        #expect(g.dailyNotional == 0)
    }

    @Test("entry types: STOP carries a stop price, STOP_LIMIT both; a limit entry is allowed while closed, a market one only when configured")
    func entryTypes() throws {
        var stop = gate { $0.entryType = .stop }
        let s = try #require(stop.evaluate(try signal(), runId: "r", book: RiskBook(), now: now).plan)
        #expect(s.firstLeg.stopPrice == 100 && s.firstLeg.limitPrice == nil)
        var stopLimit = gate { $0.entryType = .stopLimit }
        let sl = try #require(stopLimit.evaluate(try signal(), runId: "r", book: RiskBook(), now: now).plan)
        #expect(sl.firstLeg.stopPrice == 100 && sl.firstLeg.limitPrice == 100)
        var limit = gate()
        #expect(limit.evaluate(try signal(), runId: "r", book: RiskBook(marketOpen: false), now: now).plan != nil)
        var market = gate { $0.entryType = .market; $0.marketOrdersWhenClosed = true }
        #expect(market.evaluate(try signal(), runId: "r", book: RiskBook(marketOpen: false), now: now).plan?.firstLeg.orderType == .market)
    }

    @Test("the plan carries the account and the intent id depends on run, symbol and signal")
    func accountAndIds() throws {
        var g = gate()
        #expect(g.evaluate(try signal(), runId: "r", book: RiskBook(), account: "DU5", now: now).plan?.account == "DU5")
        #expect(IntentId.make(runId: "r", symbol: "AAA", signalId: "1") != IntentId.make(runId: "r", symbol: "BBB", signalId: "1"))
        #expect(IntentId.make(runId: "r", symbol: "AAA", signalId: "1") != IntentId.make(runId: "q", symbol: "AAA", signalId: "1"))
        let id = IntentId.make(runId: "r", symbol: "AAA", signalId: "1")
        #expect(IntentId.intent(ofRef: "\(id)-TP") == id)
        #expect(IntentId.intent(ofRef: "\(id)-Q") == nil, "not one of our leg suffixes")
        #expect(IntentId.intent(ofRef: "cx-\(id.dropFirst(3))-E") == nil, "not our prefix")
    }

    @Test("a new UTC day resets the notional budget and the realised loss")
    func newDay() throws {
        var g = gate { $0.dailyNotionalBudget = 1_000 }
        let plan = try #require(g.evaluate(try signal(), runId: "r", book: RiskBook(), now: now).plan)
        g.commit(plan, now: now)
        #expect(g.dailyNotional == 1_000)
        #expect(g.evaluate(try signal("BBB"), runId: "r", book: RiskBook(), now: now).denial?.code == .dailyBudget)
        g.recordRealized(-5, now: now)
        let tomorrow = now.addingTimeInterval(86_400)
        #expect(g.evaluate(try signal("BBB"), runId: "r", book: RiskBook(), now: tomorrow).plan != nil)
        #expect(g.dailyNotional == 0 && g.dailyRealizedPnl == 0)
    }
}
