import CandlewickCore
import Foundation
import Testing

/// A daily bar dated `date` (midnight UTC) from price text.
func dayBar(_ date: String, _ o: String, _ h: String, _ l: String, _ c: String) throws -> OHLCVBar {
    try OHLCVBar(timestamp: UTCTimestamp.parse(date)!, open: Decimal(string: o)!, high: Decimal(string: h)!,
                 low: Decimal(string: l)!, close: Decimal(string: c)!, volume: 1000)
}

func dec(_ s: String) -> Decimal { Decimal(string: s)! }

/// Decimal equality that ignores internal scale (see PaperBroker+Matching.swift).
func same(_ a: Decimal?, _ b: String) -> Bool { a.map { ($0 - dec(b)).isZero } ?? false }

/// Hand-computed cases for every matching branch. BUY: entry 100, stop 95, target 110, 10 shares; SELL mirrors it with
/// stop 105 and target 90. `.ibFixed` on 10 shares at ~100 is the $1.00 minimum per side, so commission is 2.
@Suite("Backtest shadow simulator: ib-paper matching on daily bars")
struct BacktestSimulatorTests {
    static let buy = ShadowSignal(asOf: "2024-01-01", symbol: "TEST", action: .buy, confidence: .high, confidenceScore: 80,
                                  entry: 100, stop: 95, target: 110, quantity: 10)
    static let sell = ShadowSignal(asOf: "2024-01-01", symbol: "TEST", action: .sell, confidence: .medium, confidenceScore: 50,
                                   entry: 100, stop: 105, target: 90, quantity: 10)
    static let fixed = BacktestAssumptions(commission: .ibFixed)
    /// Entry at the limit on 01-02 (the bar trades through 100 from above), nothing else.
    static func entryAtLimit() throws -> OHLCVBar { try dayBar("2024-01-02", "102", "103", "99.5", "101") }
    static func quiet(_ date: String) throws -> OHLCVBar { try dayBar(date, "101", "102", "99", "101") }

    func run(_ s: ShadowSignal, _ bars: [OHLCVBar], _ a: BacktestAssumptions = fixed) -> ShadowOutcome {
        ShadowSimulator.simulate(s, following: bars, assumptions: a)
    }

    func run(_ bars: [OHLCVBar], _ a: BacktestAssumptions = fixed) -> ShadowOutcome { run(Self.buy, bars, a) }

    @Test("entry fills at the open when the open gaps through the limit; target at the limit inside the next bar")
    func entryAtOpenThenTarget() throws {
        let o = run([try dayBar("2024-01-02", "99", "101", "98", "100"), try dayBar("2024-01-03", "104", "111", "103", "108")])
        #expect(o.filled && o.entryDate == "2024-01-02" && same(o.entryPrice, "99"))
        #expect(o.exitReason == .target && o.exitDate == "2024-01-03" && same(o.exitPrice, "110") && o.barsHeld == 1)
        #expect(o.rMultiple == 2.75)                    // (110 - 99) / (99 - 95)
        #expect(same(o.commission, "2") && same(o.pnl, "108"))   // (110 - 99) × 10 - 2
        #expect(o.hitTarget == true)
    }

    @Test("entry at the limit when the bar trades through it; stop at the stop inside a later bar")
    func entryAtLimitThenStop() throws {
        let o = run([try Self.entryAtLimit(), try dayBar("2024-01-03", "98", "99", "94", "95")])
        #expect(same(o.entryPrice, "100") && o.exitReason == .stop && same(o.exitPrice, "95"))
        #expect(o.rMultiple == -1 && same(o.pnl, "-52") && o.hitTarget == false)
    }

    @Test("the entry limit works on the next bar only by default: unfilled; with entryValidBars 2 it fills on the second")
    func unfilled() throws {
        let bars = [try dayBar("2024-01-02", "102", "103", "100.5", "102"), try dayBar("2024-01-03", "101", "101", "99", "100"),
                    try Self.quiet("2024-01-04")]
        let o = run(bars)
        #expect(!o.filled && o.exitReason == .unfilled && o.entryPrice == nil && o.hitTarget == nil && o.pnl.isZero && o.commission.isZero)
        let two = run(bars, BacktestAssumptions(entryValidBars: 2, commission: .ibFixed))
        #expect(two.filled && two.entryDate == "2024-01-03" && same(two.entryPrice, "100"))
    }

    @Test("a gap through the stop fills at the open, below the stop")
    func gapThroughStop() throws {
        let o = run([try Self.entryAtLimit(), try dayBar("2024-01-03", "93", "96", "92", "95")])
        #expect(o.exitReason == .stop && same(o.exitPrice, "93") && o.rMultiple == -1.4)
    }

    @Test("target and stop on one bar: the open at the target wins; the open at the stop wins; neither at the open → stop")
    func bothOnOneBar() throws {
        let targetFirst = run([try Self.entryAtLimit(), try dayBar("2024-01-03", "111", "112", "94", "100")])
        #expect(targetFirst.exitReason == .target && same(targetFirst.exitPrice, "111"))
        let stopAtOpen = run([try Self.entryAtLimit(), try dayBar("2024-01-03", "94", "111", "93", "100")])
        #expect(stopAtOpen.exitReason == .stop && same(stopAtOpen.exitPrice, "94"))
        let pessimistic = run([try Self.entryAtLimit(), try dayBar("2024-01-03", "100", "111", "94", "100")])
        #expect(pessimistic.exitReason == .stop && same(pessimistic.exitPrice, "95"))
    }

    @Test("the children are not matched on the entry bar, even when it trades through both")
    func childrenWaitForTheNextBar() throws {
        let bars = [try dayBar("2024-01-02", "101", "112", "94", "100"), try Self.quiet("2024-01-03"), try Self.quiet("2024-01-04")]
        let o = run(bars, BacktestAssumptions(holdDays: 2, commission: .ibFixed))
        #expect(same(o.entryPrice, "100") && o.exitReason == .time && o.exitDate == "2024-01-04" && o.barsHeld == 2)
        #expect(same(o.exitPrice, "101") && o.hitTarget == nil && o.rMultiple == 0.2)
    }

    @Test("time exit at the close of the holdDays-th bar after the entry bar; a later target is not reached")
    func timeExit() throws {
        let bars = [try Self.entryAtLimit(), try Self.quiet("2024-01-03"), try Self.quiet("2024-01-04"),
                    try dayBar("2024-01-05", "101", "102", "99", "101.5"), try dayBar("2024-01-08", "112", "113", "111", "112")]
        let o = run(bars, BacktestAssumptions(holdDays: 3, commission: .ibFixed))
        #expect(o.exitReason == .time && o.exitDate == "2024-01-05" && same(o.exitPrice, "101.5") && o.barsHeld == 3)
        #expect(same(o.pnl, "13"))                      // 1.5 × 10 - 2
    }

    @Test("bars run out before holdDays: open, marked at the last close, exit commission as if closed there")
    func openAtEndOfData() throws {
        let o = run([try Self.entryAtLimit(), try Self.quiet("2024-01-03"), try dayBar("2024-01-04", "101", "103", "100", "102")])
        #expect(o.exitReason == .open && o.exitDate == "2024-01-04" && same(o.exitPrice, "102") && o.barsHeld == 2)
        #expect(o.hitTarget == nil && same(o.pnl, "18") && same(o.commission, "2"))
        let entryOnly = run([try Self.entryAtLimit()])
        #expect(entryOnly.exitReason == .open && entryOnly.exitDate == "2024-01-02" && entryOnly.barsHeld == 0)
    }

    @Test("SELL mirrors BUY: entry at a gap-up open, target below, stop gap above, stop first on a bar reaching both")
    func sellSide() throws {
        let gapUp = try dayBar("2024-01-02", "101", "102", "99.5", "100")
        let target = run(Self.sell, [gapUp, try dayBar("2024-01-03", "96", "97", "89", "90")])
        #expect(same(target.entryPrice, "101") && target.exitReason == .target && same(target.exitPrice, "90"))
        #expect(target.rMultiple == 2.75 && same(target.pnl, "108") && target.hitTarget == true)   // (101 - 90) / (105 - 101)
        let gapStop = run(Self.sell, [gapUp, try dayBar("2024-01-03", "107", "108", "106", "107")])
        #expect(gapStop.exitReason == .stop && same(gapStop.exitPrice, "107") && same(gapStop.pnl, "-62"))
        let both = run(Self.sell, [gapUp, try dayBar("2024-01-03", "100", "106", "89", "100")])
        #expect(both.exitReason == .stop && same(both.exitPrice, "105"))
        let atLimit = run(Self.sell, [try dayBar("2024-01-02", "98", "100.5", "97", "99")])
        #expect(same(atLimit.entryPrice, "100") && atLimit.exitReason == .open)
        let never = run(Self.sell, [try dayBar("2024-01-02", "98", "99.9", "97", "99")])
        #expect(never.exitReason == .unfilled)
    }

    @Test("bars on or before the as-of day are ignored; HOLD is never filled")
    func ignoresEarlyBarsAndHold() throws {
        let early = try dayBar("2024-01-01", "99", "101", "98", "100")
        let o = run([early, try dayBar("2024-01-02", "102", "103", "100.5", "102")])
        #expect(o.exitReason == .unfilled)
        var hold = Self.buy
        hold.action = .hold
        #expect(run(hold, [try Self.entryAtLimit()]).exitReason == .unfilled)
    }

    @Test("slippage: against us at a gapped open (never past the limit), on stops and time exits; none at the limit")
    func slippage() throws {
        let a = BacktestAssumptions(holdDays: 1, slippageBps: 10, commission: .ibFixed)
        let gap = run([try dayBar("2024-01-02", "99", "101", "98", "100"), try dayBar("2024-01-03", "98", "99", "94", "95")], a)
        #expect(same(gap.entryPrice, "99.099") && same(gap.exitPrice, "94.905"))   // 99 + 0.099; 95 - 0.095
        let capped = run([try dayBar("2024-01-02", "99.95", "101", "98", "100")], a)
        #expect(same(capped.entryPrice, "100"))        // 99.95 + 0.09995 would be above the limit
        let time = run([try Self.entryAtLimit(), try Self.quiet("2024-01-03")], a)
        #expect(same(time.entryPrice, "100") && time.exitReason == .time && same(time.exitPrice, "100.899"))
        let target = run([try Self.entryAtLimit(), try dayBar("2024-01-03", "104", "111", "103", "108")], a)
        #expect(same(target.exitPrice, "110"))
        let shortStop = run(Self.sell, [try dayBar("2024-01-02", "98", "100.5", "97", "99"), try dayBar("2024-01-03", "101", "106", "100", "104")], a)
        #expect(same(shortStop.exitPrice, "105.105"))  // a BUY stop slips up
    }

    @Test("holdDays 0 closes at the entry bar's close")
    func zeroHold() throws {
        let o = run([try Self.entryAtLimit(), try Self.quiet("2024-01-03")], BacktestAssumptions(holdDays: 0, commission: .ibFixed))
        #expect(o.exitReason == .time && o.exitDate == "2024-01-02" && same(o.exitPrice, "101") && o.barsHeld == 0)
    }
}
