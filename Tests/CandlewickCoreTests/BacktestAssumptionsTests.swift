import CandlewickCore
import Foundation
import Testing

/// Commission schedules computed by hand, and the report's plain-English assumptions.
@Suite("Backtest assumptions: commissions and their description")
struct BacktestAssumptionsTests {
    /// `.ibFixed` must equal ib-paper's `PaperBroker.commission`; these are hand-computed from its schedule
    /// (the same check against the real function runs in CandlewickTWSTests' BacktestParityTests).
    @Test("ibFixed: 0.005/share, minimum 1.00, maximum 1% of the trade value",
          arguments: [("100", "50", "1"), ("1000", "20", "5"), ("1", "50", "0.5"), ("333", "10", "1.665"), ("10000", "0.3", "30"),
                      ("7", "3.3333", "0.2333")])
    func fixed(shares: String, price: String, expected: String) {
        #expect(same(CommissionModel.ibFixed.commission(shares: dec(shares), price: dec(price)), expected))
    }

    @Test("ibTiered: 0.0035/share, minimum 0.35, maximum 1% of the trade value",
          arguments: [("100", "50", "0.35"), ("1000", "20", "3.5"), ("10", "1", "0.1"), ("333", "10", "1.1655"), ("10000", "0.3", "30"),
                      ("7", "3.3333", "0.2333"), ("20000", "100", "70")])
    func tiered(shares: String, price: String, expected: String) {
        #expect(same(CommissionModel.ibTiered.commission(shares: dec(shares), price: dec(price)), expected))
    }

    @Test("a sell quantity (negative) is charged like a buy; zero shares cost nothing")
    func signAndZero() {
        #expect(same(CommissionModel.ibTiered.commission(shares: -1000, price: 20), "3.5"))
        #expect(CommissionModel.ibFixed.commission(shares: 0, price: 20).isZero)
    }

    @Test("defaults: 10 bars, entry valid 1 bar, no slippage, IB tiered")
    func defaults() {
        let a = BacktestAssumptions()
        #expect(a.holdDays == 10 && a.entryValidBars == 1 && a.slippageBps.isZero && a.commission == .ibTiered)
    }

    @Test("describe() states the hold, the entry window, slippage, commission, daily-bar fills and survivorship bias")
    func describe() {
        let lines = BacktestAssumptions(holdDays: 7, entryValidBars: 2, slippageBps: 5, commission: .ibFixed).describe()
        let text = lines.joined(separator: "\n")
        #expect(text.contains("7 trading bar(s)") && text.contains("2 bar(s) after the as-of day"))
        #expect(text.contains("5 basis points") && text.contains("USD 0.005 per share"))
        #expect(text.contains("daily bars") && text.contains("Survivorship bias"))
        #expect(BacktestAssumptions().describe().joined().contains("USD 0.0035 per share"))
    }

    @Test("validate() names the field out of range")
    func validate() throws {
        try BacktestAssumptions().validate()
        expectRejected("hold_days") { try BacktestAssumptions(holdDays: -1).validate() }
        expectRejected("entry_valid_bars") { try BacktestAssumptions(entryValidBars: 0).validate() }
        expectRejected("slippage_bps") { try BacktestAssumptions(slippageBps: -1).validate() }
    }
}
