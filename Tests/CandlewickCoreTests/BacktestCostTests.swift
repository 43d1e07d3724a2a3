import CandlewickCore
import Foundation
import Testing

@Suite("Backtest cost before spending")
struct BacktestCostTests {
    @Test("as-of days: NYSE trading days, every N apart, holidays left out")
    func days() {
        // 2016-03-25 is Good Friday: 03-22, then five trading days on is 03-30.
        #expect(BacktestCost.asOfDays(from: "2016-03-19", to: "2016-04-06", every: 5) == ["2016-03-21", "2016-03-29", "2016-04-05"])
        #expect(BacktestCost.asOfDays(from: "2016-03-01", to: "2016-03-08", every: 1).count == 6)
        #expect(BacktestCost.asOfDays(from: "2016-03-08", to: "2016-03-01", every: 1).isEmpty)
        #expect(BacktestCost.asOfDays(from: "2016-02-30", to: "2016-03-08", every: 1).isEmpty)
    }

    @Test("calls left × (prompt + images at the input price + max answer at the output price)")
    func estimate() {
        let e = BacktestCost.estimate(days: 10, daysDone: 4, symbols: 3, promptTokens: 1000, imageTokens: 2000, maxOutputTokens: 500,
                                      price: ModelPrice(input: 2, output: 8))
        #expect(e.calls == 18)
        #expect(abs(e.usd! - 18 * (3000.0 * 2 + 500 * 8) / 1_000_000) < 1e-12)
        #expect(BacktestCost.estimate(days: 10, daysDone: 10, symbols: 3, promptTokens: 1, imageTokens: 1, maxOutputTokens: 1,
                                      price: ModelPrice(input: 2, output: 8)).usd == 0)
        #expect(BacktestCost.estimate(days: 1, daysDone: 0, symbols: 1, promptTokens: 1, imageTokens: 1, maxOutputTokens: 1, price: nil).usd == nil)
        // The prompt estimate covers the system prompt and a full user prompt.
        #expect(BacktestCost.promptTokens() > BacktestCost.textTokens(AnalysisPrompt.system) + 100)
    }
}
