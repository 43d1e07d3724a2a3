import CandlewickCore
import CandlewickTesting
import Foundation
import Testing

func buySignal(_ symbol: String = "SPY", entry: Decimal = 100, stop: Decimal = 95, target: Decimal = 110, id: String = "s1",
               action: SignalAction = .buy, confidence: SignalConfidence = .high, score: Double = 80) throws -> TradingSignal {
    try TradingSignal(signalId: id, symbol: symbol, action: action, confidence: confidence, confidenceScore: score,
                      entryPrice: action == .hold ? nil : entry, stopLoss: action == .hold ? nil : stop,
                      takeProfit: action == .hold ? nil : target, reasoning: "test", timestamp: Date(timeIntervalSince1970: 0))
}

@Suite("Risk gate: trading state machine (manual clock)")
struct TradingStateTests {
    @Test("every transition of ACTIVE / REDUCING / HALTED")
    func transitions() throws {
        var clock = ManualClock()
        var gate = RiskGate(policy: RiskPolicy(), now: clock.now)
        #expect(gate.state == .active)
        clock.advance(1)
        #expect(gate.apply(.reduce, reason: "wind down", now: clock.now) == nil)
        #expect(gate.state == .reducing && gate.stateReason == "wind down" && gate.stateChangedAt == clock.now)
        clock.advance(1)
        #expect(gate.apply(.resume, reason: "ok", now: clock.now) == nil)
        #expect(gate.state == .active)
        #expect(gate.apply(.halt, reason: "kill switch", now: clock.now) == nil)
        #expect(gate.state == .halted)
        // HALTED → reduce is refused: a halt is only lifted by resume.
        #expect(gate.apply(.reduce, reason: "x", now: clock.now) != nil)
        #expect(gate.state == .halted)
        #expect(gate.apply(.resume, reason: "back", now: clock.now) == nil)
        #expect(gate.state == .active)
        #expect(gate.apply(.reduce, reason: "r", now: clock.now) == nil)
        #expect(gate.apply(.halt, reason: "h", now: clock.now) == nil)
        #expect(gate.state == .halted)
        // status changes nothing
        #expect(gate.apply(.status, reason: "", now: clock.now) == nil)
        #expect(gate.state == .halted)
    }

    @Test("a realised loss reaching the limit halts; resume is refused until the next day; a new day keeps the state")
    func dailyLoss() throws {
        var clock = ManualClock()
        var policy = RiskPolicy()
        policy.maxDailyLoss = 1_000
        var gate = RiskGate(policy: policy, now: clock.now)
        gate.recordRealized(-600, now: clock.now)
        #expect(gate.state == .active)
        gate.recordRealized(-400, now: clock.now)
        #expect(gate.state == .halted && gate.dailyRealizedPnl == -1_000)
        #expect(gate.apply(.resume, reason: "try", now: clock.now)?.contains("daily loss") == true)
        let denied = gate.evaluate(try buySignal(), runId: "r", book: RiskBook(), now: clock.now)
        #expect(denied.denial?.code == .halted)
        clock.advance(86_400)
        #expect(gate.state == .halted, "a new day resets counters, not the state")
        #expect(gate.apply(.resume, reason: "new day", now: clock.now) == nil)
        #expect(gate.state == .active && gate.dailyRealizedPnl == 0)
    }

    @Test("REDUCING allows only orders that reduce a position")
    func reducing() throws {
        let clock = ManualClock()
        var gate = RiskGate(policy: RiskPolicy(), now: clock.now)
        gate.apply(.reduce, reason: "r", now: clock.now)
        #expect(gate.evaluate(try buySignal(), runId: "r", book: RiskBook(), now: clock.now).denial?.code == .reducingOnly)
        let sell = try buySignal(entry: 100, stop: 105, target: 90, action: .sell)
        let d = gate.evaluate(sell, runId: "r", book: RiskBook(positions: ["SPY": 25]), now: clock.now)
        #expect(d.plan?.legs.map(\.role) == [.exit] && d.plan?.quantity == 10 && d.plan?.opening == false)
    }

    @Test("the order rate limit is a rolling minute")
    func rateLimit() throws {
        var clock = ManualClock()
        var policy = RiskPolicy()
        policy.maxOrdersPerMinute = 2
        var gate = RiskGate(policy: policy, now: clock.now)
        for i in 0..<2 {
            let plan = try #require(gate.evaluate(try buySignal("S\(i)" == "S0" ? "AAA" : "BBB", id: "\(i)"), runId: "r", book: RiskBook(), now: clock.now).plan)
            gate.commit(plan, now: clock.now)
            clock.advance(10)
        }
        #expect(gate.evaluate(try buySignal("CCC", id: "3"), runId: "r", book: RiskBook(), now: clock.now).denial?.code == .rateLimit)
        clock.advance(41)
        #expect(gate.evaluate(try buySignal("CCC", id: "3"), runId: "r", book: RiskBook(), now: clock.now).plan != nil)
    }
}

@Suite("Risk gate: orders")
struct RiskGateOrderTests {
    @Test("a BUY becomes a bracket: limit entry, take-profit limit, stop-loss stop, one OCA group, prices on the tick")
    func bracket() throws {
        let gate0 = RiskGate(policy: RiskPolicy(), now: Date())
        var gate = gate0
        let s = try buySignal(entry: Decimal(string: "100.004")!, stop: Decimal(string: "94.996")!, target: Decimal(string: "110.013")!)
        let plan = try #require(gate.evaluate(s, runId: "run-1", book: RiskBook(), now: Date()).plan)
        #expect(plan.legs.map(\.role) == [.entry, .takeProfit, .stopLoss])
        #expect(plan.legs.map(\.side) == [.buy, .sell, .sell])
        #expect(plan.legs.map(\.orderType) == [.limit, .limit, .stop])
        #expect(plan.legs[0].limitPrice == 100 && plan.legs[1].limitPrice == Decimal(string: "110.01")! && plan.legs[2].stopPrice == 95)
        #expect(plan.ocaGroup == plan.intentId && plan.legs.allSatisfy { $0.orderRef.hasPrefix(plan.intentId) && $0.quantity == 10 })
        #expect(plan.intentId == IntentId.make(runId: "run-1", symbol: "SPY", signalId: "s1"))
        #expect(IntentId.intent(ofRef: plan.legs[2].orderRef) == plan.intentId)
        #expect(IntentId.intent(ofRef: "someone-else") == nil)
    }

    @Test("denials carry reason codes")
    func denials() throws {
        let now = Date()
        var gate = RiskGate(policy: RiskPolicy(), now: now)
        #expect(gate.evaluate(try buySignal(action: .hold), runId: "r", book: RiskBook(), now: now).denial?.code == .notActionable)
        #expect(gate.evaluate(try buySignal(confidence: .low, score: 10), runId: "r", book: RiskBook(), now: now).denial?.code == .notActionable)
        #expect(gate.evaluate(try buySignal(), runId: "r", book: RiskBook(positions: ["SPY": 10]), now: now).denial?.code == .alreadyLong)
        let sell = try buySignal(entry: 100, stop: 105, target: 90, action: .sell)
        #expect(gate.evaluate(sell, runId: "r", book: RiskBook(), now: now).denial?.code == .shortNotAllowed)
        #expect(gate.evaluate(try buySignal(), runId: "r", book: RiskBook(pendingSymbols: ["SPY"]), now: now).denial?.code == .orderPending)
        let full = RiskBook(positions: Dictionary(uniqueKeysWithValues: (0..<10).map { ("S\($0)", Decimal(1)) }))
        #expect(gate.evaluate(try buySignal(), runId: "r", book: full, now: now).denial?.code == .maxOpenPositions)
        let collapse = try buySignal(entry: Decimal(string: "100.001")!, stop: Decimal(string: "99.999")!, target: 101)
        #expect(gate.evaluate(collapse, runId: "r", book: RiskBook(), now: now).denial?.code == .levelsCollapse)
        var p = RiskPolicy()
        p.entryType = .market
        var closed = RiskGate(policy: p, now: now)
        #expect(closed.evaluate(try buySignal(), runId: "r", book: RiskBook(marketOpen: false), now: now).denial?.code == .marketClosed)
    }

    @Test("clamps: order notional, position limit, daily budget; risk sizing")
    func clamps() throws {
        let now = Date()
        var p = RiskPolicy()
        p.fixedShares = 500
        p.maxOrderNotional = 10_000
        var gate = RiskGate(policy: p, now: now)
        guard case .place(let plan, let notes) = gate.evaluate(try buySignal(), runId: "r", book: RiskBook(), now: now) else {
            Issue.record("expected a plan"); return
        }
        #expect(plan.quantity == 100 && notes.map(\.code) == [.orderNotionalClamped])
        p.sizing = .risk
        p.riskBudget = 250
        gate = RiskGate(policy: p, now: now)
        #expect(gate.evaluate(try buySignal(entry: 100, stop: 95), runId: "r", book: RiskBook(), now: now).plan?.quantity == 50)
        p.dailyNotionalBudget = 7_000
        gate = RiskGate(policy: p, now: now)
        let first = try #require(gate.evaluate(try buySignal("AAA", entry: 100, stop: 95, id: "a"), runId: "r", book: RiskBook(), now: now).plan)
        gate.commit(first, now: now)
        guard case .place(let second, let n2) = gate.evaluate(try buySignal("BBB", entry: 100, stop: 95, id: "b"), runId: "r", book: RiskBook(), now: now) else {
            Issue.record("expected a clamped plan"); return
        }
        #expect(second.quantity == 20 && n2.map(\.code) == [.dailyBudgetClamped])
        gate.commit(second, now: now)
        #expect(gate.evaluate(try buySignal("CCC", id: "c"), runId: "r", book: RiskBook(), now: now).denial?.code == .dailyBudget)
    }
}

@Suite("Risk gate: geometry floors (the llm-worker's, for a signal from any source)")
struct RiskGateGeometryTests {
    func decide(_ s: TradingSignal, last: Decimal? = 100, atr: Decimal? = nil, policy: RiskPolicy = RiskPolicy()) -> RiskDecision {
        var gate = RiskGate(policy: policy, now: Date(timeIntervalSince1970: 1_700_000_000))
        return gate.evaluate(s, runId: "r", book: RiskBook(lastPrice: last, atr: atr), now: Date(timeIntervalSince1970: 1_700_000_000))
    }

    @Test("a 1-cent stop, reward:risk 0.004 and a far entry are denied with their reason codes")
    func classFour() throws {
        #expect(decide(try buySignal(entry: 100, stop: Decimal(string: "99.99")!, target: 110)).denial?.code == .stopTooClose)
        #expect(decide(try buySignal(entry: 100, stop: 95, target: Decimal(string: "100.02")!)).denial?.code == .rewardRiskLow)
        #expect(decide(try buySignal(entry: 106, stop: 103, target: 112), last: 100).denial?.code == .entryTooFar)
        // With the ATR known: a stop 0.3 ATR away and an entry 2 ATR away are denied; SELL is judged the same way.
        #expect(decide(try buySignal(entry: 100, stop: Decimal(string: "99.4")!, target: 102), atr: 2).denial?.code == .stopTooClose)
        #expect(decide(try buySignal(entry: 102, stop: 100, target: 105), last: 100, atr: 1).denial?.code == .entryTooFar)
        var allowShort = RiskPolicy()
        allowShort.allowShort = true
        #expect(decide(try buySignal(entry: 100, stop: 105, target: Decimal(string: "99.9")!, action: .sell), policy: allowShort)
            .denial?.code == .rewardRiskLow)
        // The defaults let a sane bracket through: stop 3 %, reward:risk 2, entry at the last price.
        #expect(decide(try buySignal(entry: 100, stop: 97, target: 106), atr: 2).plan != nil)
        #expect(decide(try buySignal(entry: 100, stop: 105, target: 90, action: .sell), policy: allowShort).plan != nil)
    }

    @Test("the floors are configurable")
    func configurable() throws {
        var loose = RiskPolicy()
        loose.minRewardRisk = Decimal(string: "0.1")!
        loose.maxEntryFraction = Decimal(string: "0.1")!
        #expect(decide(try buySignal(entry: 100, stop: 95, target: 101), policy: loose).plan != nil)
        #expect(decide(try buySignal(entry: 106, stop: 103, target: 112), last: 100, policy: loose).plan != nil)
    }
}

@Suite("Risk gate: properties")
struct RiskGatePropertyTests {
    @Test("random portfolios, signals and limits never yield an order that breaks a limit", arguments: 0..<8)
    func neverBreaksALimit(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed &* 7919 &+ 1)
        let symbols = ["AAA", "BBB", "CCC", "DDD", "EEE", "FFF"]
        var produced = (opening: 0, reducing: 0)
        for _ in 0..<400 {
            var p = RiskPolicy()
            p.sizing = Bool.random(using: &rng) ? .fixed : .risk
            p.fixedShares = Int.random(in: 1...500, using: &rng)
            p.riskBudget = Decimal(Int.random(in: 10...5_000, using: &rng))
            p.maxShares = Int.random(in: 1...2_000, using: &rng)
            p.maxOrderNotional = Decimal(Int.random(in: 50...50_000, using: &rng))
            p.maxPositionNotional = Decimal(Int.random(in: 50...80_000, using: &rng))
            p.maxOpenPositions = Int.random(in: 1...6, using: &rng)
            p.allowAdding = Bool.random(using: &rng)
            p.allowShort = Bool.random(using: &rng)
            p.dailyNotionalBudget = Decimal(Int.random(in: 100...100_000, using: &rng))
            p.maxOrdersPerMinute = Int.random(in: 1...5, using: &rng)
            let now = Date(timeIntervalSince1970: 1_700_000_000)
            var gate = RiskGate(policy: p, now: now)
            if Int.random(in: 0..<10, using: &rng) == 0 { gate.apply(.halt, reason: "h", now: now) }
            if Int.random(in: 0..<10, using: &rng) == 0 { gate.apply(.reduce, reason: "r", now: now) }
            var positions: [String: Decimal] = [:]
            for s in symbols where Bool.random(using: &rng) { positions[s] = Decimal(Int.random(in: -300...300, using: &rng)) }
            var clock = now
            for k in 0..<6 {
                let symbol = symbols.randomElement(using: &rng)!
                let entry = Decimal(Int.random(in: 100...90_000, using: &rng)) / 100
                let buy = Bool.random(using: &rng)
                let risk = entry * Decimal(Int.random(in: 1...20, using: &rng)) / 100
                let reward = entry * Decimal(Int.random(in: 1...30, using: &rng)) / 100
                let action: SignalAction = [.buy, .sell, .hold].randomElement(using: &rng)!
                let conf = SignalConfidence.allCases.randomElement(using: &rng)!
                let score = conf == .high ? 85.0 : conf == .medium ? 55.0 : 20.0
                let s = try TradingSignal(signalId: "\(k)", symbol: symbol, action: action, confidence: conf, confidenceScore: score,
                                          entryPrice: action == .hold ? nil : entry,
                                          stopLoss: action == .hold ? nil : (action == .buy ? entry - risk : entry + risk),
                                          takeProfit: action == .hold ? nil : (action == .buy ? entry + reward : entry - reward),
                                          reasoning: "p", timestamp: now)
                _ = buy
                let book = RiskBook(positions: positions, lastPrice: entry)
                let stateBefore = gate.state
                let budgetBefore = gate.dailyNotional
                guard let plan = gate.evaluate(s, runId: "r", book: book, now: clock).plan else { continue }
                let held = positions[symbol] ?? 0
                let q = plan.quantity
                let price = plan.firstLeg.limitPrice ?? entry
                #expect(s.isActionable, "only actionable signals make orders")
                #expect(stateBefore != .halted, "no order while HALTED")
                #expect(q > 0)
                if plan.opening {
                    #expect(stateBefore == .active, "opening orders only while ACTIVE")
                    let stop = s.stopLoss!, target = s.takeProfit!
                    #expect(abs(target - entry) >= abs(entry - stop) * p.minRewardRisk - 2 * p.tickSize, "reward:risk under the floor")
                    #expect(abs(entry - stop) >= entry * p.minStopFraction - p.tickSize, "stop closer than the floor")
                    #expect(q * price <= p.maxOrderNotional, "order notional \(q * price) > \(p.maxOrderNotional)")
                    #expect((abs(held) + q) * price <= p.maxPositionNotional, "position notional over the limit")
                    #expect(budgetBefore + q * price <= p.dailyNotionalBudget, "daily budget exceeded")
                    #expect(held.isZero || p.allowAdding, "added to a position without allow_adding")
                    if s.action == .sell { #expect(p.allowShort, "opened a short without allow_short") }
                    if p.sizing == .fixed { #expect(q <= Decimal(p.fixedShares)) } else { #expect(q <= Decimal(p.maxShares)) }
                    #expect(plan.isBracket)
                    let (tp, sl) = (plan.legs[1], plan.legs[2])
                    if s.action == .buy { #expect(sl.stopPrice! < price && price < tp.limitPrice!) } else { #expect(tp.limitPrice! < price && price < sl.stopPrice!) }
                } else {
                    #expect(q <= abs(held), "a reducing order never flips the position")
                    #expect((s.action == .buy && held < 0) || (s.action == .sell && held > 0))
                }
                if plan.opening { produced.opening += 1 } else { produced.reducing += 1 }
                gate.commit(plan, now: clock)
                positions[symbol] = held + (s.action == .buy ? q : -q)
                clock = clock.addingTimeInterval(Double(Int.random(in: 0...30, using: &rng)))
            }
        }
        // A gate that refused everything would pass every check above: the run must have produced plans of both kinds.
        #expect(produced.opening >= 100 && produced.reducing >= 100, "plans produced: \(produced)")
    }
}

@Suite("OrderPlan rules (fail closed on a malformed plan)")
struct OrderPlanRuleTests {
    /// A valid bracket from the gate, then one field changed at a time through the JSON form.
    @Test("each broken field of a bracket is refused with its name")
    func brokenBracketsAreRefused() throws {
        var gate = RiskGate(policy: RiskPolicy(), now: Date(timeIntervalSince1970: 0))
        let plan = try #require(gate.evaluate(try buySignal(), runId: "r", book: RiskBook(), now: Date(timeIntervalSince1970: 0)).plan)
        let json = try #require(JSONSerialization.jsonObject(with: try CandlewickJSON.encode(plan)) as? [String: Any])
        #expect(try CandlewickJSON.decode(OrderPlan.self, from: try JSONSerialization.data(withJSONObject: json)) == plan)
        func leg(_ i: Int, _ change: (inout [String: Any]) -> Void) -> [String: Any] {
            var j = json
            var legs = j["legs"] as! [[String: Any]]
            change(&legs[i])
            j["legs"] = legs
            return j
        }
        let broken: [(String, [String: Any])] = [
            ("legs[1].limit_price", leg(1) { $0["limit_price"] = nil }),
            ("legs[2].stop_price", leg(2) { $0["stop_price"] = -5 }),
            ("legs[2].limit_price", leg(2) { $0["limit_price"] = 90 }),
            ("legs[1].side", leg(1) { $0["side"] = $0["side"] as! String == "BUY" ? "SELL" : "BUY" }),
            ("legs[2].quantity", leg(2) { $0["quantity"] = 3 }),
            ("legs[0].order_ref", leg(0) { $0["order_ref"] = (json["intent_id"] as! String) + "-X" }),
            ("oca_group", json.merging(["oca_group": NSNull()]) { $1 }),
            ("notional", json.merging(["notional": -1]) { $1 }),
            ("run_id", json.merging(["run_id": ""]) { $1 }),
            ("legs[0].role", json.merging(["legs": [(json["legs"] as! [[String: Any]])[0]]]) { $1 }),
        ]
        for (field, body) in broken {
            #expect(throws: (any Error).self, "\(field)") { try CandlewickJSON.decode(OrderPlan.self, from: try JSONSerialization.data(withJSONObject: body)) }
            do {
                _ = try CandlewickJSON.decode(OrderPlan.self, from: try JSONSerialization.data(withJSONObject: body))
            } catch {
                #expect("\(error)".contains(field), "\(field): \(error)")
            }
        }
    }
}
