import CandlewickCore
import Foundation
import Testing

@Suite("Backtest files: CSV and JSON written deterministically")
struct BacktestFilesTests {
    @Test("signals.csv: header first, rows sorted by (as_of, symbol), RFC 4180 quoting of commas and quotes")
    func signals() {
        let rows = [
            SignalRow(asOf: "2024-01-03", symbol: "AAPL", action: .buy, confidence: .high, confidenceScore: 72.5, entry: dec("185.25"),
                      stop: 180, target: 195, analyst: "llm", model: "gpt, \"mini\"", router: .placed, close: dec("186.5")),
            SignalRow(asOf: "2024-01-02", symbol: "BRK,B", action: .hold, confidence: .low, confidenceScore: 10, entry: nil,
                      stop: nil, target: nil, analyst: "rules", model: nil, router: .notSent),
            SignalRow(asOf: "2024-01-02", symbol: "AAPL", action: .sell, confidence: .medium, confidenceScore: 1.0 / 3, entry: 100,
                      stop: 105, target: 90, analyst: "rules", model: nil, router: .denied("max_positions")),
        ]
        let lines = BacktestFiles.signalsCSV(rows).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines == [
            "as_of,symbol,close,action,confidence,confidence_score,entry,stop,target,analyst,model,router_outcome",
            "2024-01-02,AAPL,,SELL,MEDIUM,0.333333,100,105,90,rules,,denied:max_positions",
            "2024-01-02,\"BRK,B\",,HOLD,LOW,10,,,,rules,,not_sent",
            "2024-01-03,AAPL,186.5,BUY,HIGH,72.5,185.25,180,195,llm,\"gpt, \"\"mini\"\"\",placed",
            "",
        ])
        #expect(RouterOutcome(text: "denied:max_positions") == .denied("max_positions") && RouterOutcome(text: "maybe") == nil)
    }

    @Test("trades.csv: every column, unfilled rows with empty cells")
    func trades() throws {
        let filled = ShadowSimulator.simulate(BacktestSimulatorTests.buy, following: [
            try dayBar("2024-01-02", "99", "101", "98", "100"), try dayBar("2024-01-03", "104", "111", "103", "108")],
            assumptions: BacktestSimulatorTests.fixed)
        var unfilled = filled.signal
        unfilled.symbol = "AAA"
        let csv = BacktestFiles.tradesCSV([filled, ShadowOutcome(signal: unfilled)])
        #expect(csv == """
            as_of,symbol,action,confidence,confidence_score,entry,stop,target,quantity,filled,entry_date,entry_price,exit_date,exit_price,\
            exit_reason,bars_held,r_multiple,hit_target,commission,pnl
            2024-01-01,AAA,BUY,HIGH,80,100,95,110,10,false,,,,,unfilled,0,,,0,0
            2024-01-01,TEST,BUY,HIGH,80,100,95,110,10,true,2024-01-02,99,2024-01-03,110,target,1,2.75,true,2,108

            """)
    }

    @Test("equity.csv: a column per benchmark (names sorted), empty cell where a benchmark has no value")
    func equity() {
        let csv = BacktestFiles.equityCSV(points(["100", "101.5"]), benchmarks: ["buy_and_hold": points(["100", "99"]), "SPY": points(["100"])])
        #expect(csv == "date,equity,SPY,buy_and_hold\n2024-02-01,100,100,100\n2024-02-02,101.5,,99\n")
    }

    @Test("JSON: two encodings are byte-identical, keys sorted, numbers rounded to 6 places, strings untouched")
    func json() throws {
        let outcomes = BacktestMetricsTests.outcomes
        let report = BacktestMetrics.compute(outcomes: outcomes, equity: points(["100", "110", "99", "108.9"]), startingCash: 100,
                                             benchmarks: ["SPY": points(["100", "100.1", "100.3"]), "buy_and_hold": points(["100", "97"])])
        let a = try BacktestFiles.json(report), b = try BacktestFiles.json(report)
        #expect(a == b)
        let text = String(decoding: a, as: UTF8.self)
        #expect(text.contains("\"sharpe\" : 4.582576"))                              // √18900/30 = 4.58257569…
        #expect(text.range(of: "\"by_action\"")!.lowerBound < text.range(of: "\"overall\"")!.lowerBound)
        #expect(text.contains("\"total_return\" : 0.089,") || text.contains("\"total_return\" : 0.089\n"))
        #expect(!text.contains("e-") && text.hasSuffix("}\n"))
        struct Sample: Encodable { let x: Double; let s: String; let d: Decimal; let tiny: Double }
        let sample = String(decoding: try BacktestFiles.json(Sample(x: 0.1 + 0.2, s: "1.23456789 \"q\"", d: dec("-2.0000004"), tiny: 1e-9)), as: UTF8.self)
        #expect(sample.contains("\"x\" : 0.3\n") && sample.contains("\"s\" : \"1.23456789 \\\"q\\\"\",") && sample.contains("\"d\" : -2,"))
        #expect(sample.contains("\"tiny\" : 0,"))
        #expect(BacktestFiles.number(2.0 / 3) == "0.666667" && BacktestFiles.number(72) == "72" && BacktestFiles.number(.nan) == "")
    }
}
