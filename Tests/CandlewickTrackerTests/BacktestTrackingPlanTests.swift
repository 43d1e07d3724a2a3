import CandlewickTracker
import Foundation
import Testing

@Suite("Backtest tracking plan: a results folder as an MLflow parent run and one child per as-of day")
struct BacktestTrackingPlanTests {
    static let metrics = Data("""
        {
          "backtest": {"from": "2016-03-01", "to": "2016-03-08", "every": 5, "universe": ["AAPL", "MSFT"], "oos_from": "2016-03-08",
                       "assumptions": {"hold_days": 10, "slippage_bps": 0}, "starting_cash": 100000},
          "assumptions": ["a stated assumption"],
          "overall": {"signals": 3, "hit_rate": 0.5, "expectancy": null},
          "by_confidence": {"HIGH": {"hit_rate": 1}},
          "total_return": 0.0123,
          "scored_through": "2016-03-10",
          "split": {"oos_from": "2016-03-08", "out_of_sample": {"metrics": {"overall": {"signals": 1}}, "brier": 0.25}}
        }
        """.utf8)
    static let calibration = Data(#"{"brier": 0.2, "resolved": 2, "bins": [{"count": 1}], "by_confidence": {"HIGH": {"win_rate": 1}}}"#.utf8)
    static let equity = "date,SPY,buy_and_hold,equity\n2016-03-01,100000,100000,100000\n2016-03-02,100100,,99950.5\n2016-03-03,100200,100300,100010\n"
    static let signals = """
        as_of,symbol,close,action,confidence,confidence_score,entry,stop,target,analyst,model,router_outcome
        2016-03-01,AAPL,100,BUY,HIGH,80,100,95,110,rules,,placed
        2016-03-01,MSFT,50,HOLD,LOW,20,,,,rules,"a,b",not_sent
        2016-03-08,AAPL,101,SELL,MEDIUM,60,101,105,95,rules,,denied:already_long

        """
    static let trades = """
        as_of,symbol,action,confidence,confidence_score,entry,stop,target,quantity,filled,entry_date,entry_price,exit_date,exit_price,exit_reason,bars_held,r_multiple,hit_target,commission,pnl
        2016-03-01,AAPL,BUY,HIGH,80,100,95,110,10,true,2016-03-02,100,2016-03-04,110,target,2,2,true,0.7,99.3
        2016-03-08,AAPL,SELL,MEDIUM,60,101,105,95,10,false,,,,,unfilled,0,,,0,0

        """

    static func plan() throws -> BacktestTrackingPlan {
        try BacktestTrackingPlan.make(fingerprint: "abc123", metrics: metrics, calibration: calibration, equity: equity, signals: signals, trades: trades)
    }

    static let day = Int64(86_400_000)

    @Test("parent: identity tags, the settings as params, every number of metrics.json and calibration.json at the scored-through day")
    func parent() throws {
        let p = try Self.plan().parent
        #expect(p.name == "backtest abc123")
        #expect(p.identity == ["candlewick_kind": "backtest", "candlewick_backtest": "abc123"])
        let params = Dictionary(uniqueKeysWithValues: p.batch.params.map { ($0.key, $0.value) })
        #expect(params["universe"] == "AAPL,MSFT" && params["every"] == "5" && params["assumptions.hold_days"] == "10")
        #expect(params["oos_from"] == "2016-03-08" && params["fingerprint"] == "abc123" && params["as_of_days"] == "2" && params["symbol_count"] == "2")
        let summary = p.batch.metrics.filter { !$0.key.hasPrefix("equity") }
        let values = Dictionary(uniqueKeysWithValues: summary.map { ($0.key, $0.value) })
        #expect(values == ["overall.signals": 3, "overall.hit_rate": 0.5, "by_confidence.HIGH.hit_rate": 1, "total_return": 0.0123,
                           "split.out_of_sample.metrics.overall.signals": 1, "split.out_of_sample.brier": 0.25,
                           "calibration.brier": 0.2, "calibration.resolved": 2, "calibration.by_confidence.HIGH.win_rate": 1])
        let scored = Int64(CalendarDayNumber.of("2016-03-10")) * Self.day
        #expect(summary.allSatisfy { $0.timestamp == scored && $0.step == 0 })
        #expect(p.tags.contains(MLflowTag("oos_from", "2016-03-08")))
    }

    @Test("equity and each benchmark over steps: step = row index, timestamp = the day; an empty cell is no point")
    func equitySteps() throws {
        let points = try Self.plan().parent.batch.metrics.filter { $0.key.hasPrefix("equity") }
        let first = Int64(CalendarDayNumber.of("2016-03-01")) * Self.day
        #expect(points.filter { $0.key == "equity" }.map { [$0.step, $0.timestamp - first] } == [[0, 0], [1, Self.day], [2, 2 * Self.day]])
        #expect(points.filter { $0.key == "equity" }.map(\.value) == [100000, 99950.5, 100010])
        #expect(points.filter { $0.key == "equity.buy_and_hold" }.map(\.step) == [0, 2])
        #expect(points.filter { $0.key == "equity.SPY" }.count == 3)
    }

    @Test("one child per as-of day with its counts, identity tags, sample tag and that day's rows as CSV artifacts")
    func children() throws {
        let days = try Self.plan().days
        #expect(days.map(\.day) == ["2016-03-01", "2016-03-08"])
        let first = days[0].run
        #expect(first.name == "as-of 2016-03-01")
        #expect(first.identity == ["candlewick_kind": "backtest_day", "candlewick_backtest": "abc123", "candlewick_as_of": "2016-03-01"])
        #expect(first.tags.contains(MLflowTag("candlewick_run_id", "bt-abc123-20160301")) && first.tags.contains(MLflowTag("sample", "in_sample")))
        #expect(days[1].run.tags.contains(MLflowTag("sample", "out_of_sample")))
        let m = Dictionary(uniqueKeysWithValues: first.batch.metrics.map { ($0.key, $0.value) })
        #expect(m["signals"] == 2 && m["buy"] == 1 && m["hold"] == 1 && m["sell"] == 0 && m["placed"] == 1 && m["denied"] == 0)
        #expect(m["mean_confidence_score"] == 50 && m["trades"] == 1 && m["wins"] == 1 && m["losses"] == 0 && m["pnl"] == 99.3)
        #expect(first.batch.metrics.allSatisfy { $0.step == 0 } && days[1].run.batch.metrics.allSatisfy { $0.step == 1 })
        let m2 = Dictionary(uniqueKeysWithValues: days[1].run.batch.metrics.map { ($0.key, $0.value) })
        #expect(m2["denied"] == 1 && m2["trades"] == 0 && m2["with_levels"] == 1)
        // The day's rows are the very lines of the file (the quoted "a,b" stays quoted).
        let lines = Self.signals.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(String(decoding: first.artifacts["signals.csv"]!, as: UTF8.self) == lines[0...2].joined(separator: "\n") + "\n")
        let tradeLines = Self.trades.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(String(decoding: days[1].run.artifacts["trades.csv"]!, as: UTF8.self) == [tradeLines[0], tradeLines[2]].joined(separator: "\n") + "\n")
    }

    @Test("the same files give the same plan")
    func deterministic() throws {
        #expect(try Self.plan() == Self.plan())
    }

    @Test("bad files are refused naming the file and what is wrong", arguments: [
        ("metrics", "[1]", "metrics.json is not a JSON object"),
        ("metrics", #"{"overall": {}}"#, #"metrics.json has no "backtest" object"#),
        ("signals", "as_of,symbol\n2016-03-01,AAPL\n", #"signals.csv has no column "action""#),
        ("signals", "as_of,symbol,action,confidence_score,router_outcome\n2016-3-1,AAPL,BUY,1,placed\n", #"as_of "2016-3-1" is not a date"#),
        ("signals", "as_of,symbol,action,confidence_score,router_outcome\n2016-03-01,AAPL\n", "signals.csv row 2 has 2 field(s), the header 5"),
        ("signals", "as_of,symbol,action,confidence_score,router_outcome\n2016-03-01,\"AAPL,BUY,1,placed\n", "a quoted field is not closed"),
        ("equity", "date,equity\n2016-03-01,abc\n", #"equity.csv row 2: equity "abc" is not a number"#),
        ("equity", "", "equity.csv has no header row"),
    ])
    func refused(file: String, content: String, message: String) {
        do {
            _ = try BacktestTrackingPlan.make(
                fingerprint: "abc123", metrics: file == "metrics" ? Data(content.utf8) : Self.metrics, calibration: Self.calibration,
                equity: file == "equity" ? content : Self.equity, signals: file == "signals" ? content : Self.signals, trades: Self.trades)
            Issue.record("accepted a bad \(file)")
        } catch let e as BacktestTrackingError {
            #expect(e.message.contains(message), "\(e.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}

/// Days since 1970-01-01 of a `YYYY-MM-DD` day, worked out independently of the code under test.
enum CalendarDayNumber {
    static func of(_ day: String) -> Int {
        var c = DateComponents()
        let parts = day.split(separator: "-").map { Int($0)! }
        (c.year, c.month, c.day) = (parts[0], parts[1], parts[2])
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return Int(calendar.date(from: c)!.timeIntervalSince1970 / 86_400)
    }
}
