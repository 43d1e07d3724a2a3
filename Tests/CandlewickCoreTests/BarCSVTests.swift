import CandlewickCore
import Foundation
import Testing

@Suite("BarCSV")
struct BarCSVTests {
    @Test func readsYahooFileAndReportsItsTwoBadRows() throws {
        let r = try BarCSV.parse(try fixture("ohlcv/SPY.csv"), source: "SPY.csv")
        #expect(r.bars.count == 2519 - 2)
        #expect(r.rejected.count == 2)
        #expect(r.rejected[0].reason.contains("2015-03-05") && r.rejected[0].reason.contains("low"))
        #expect(r.rejected[1].reason.contains("2015-03-30"))
        #expect(UTCTimestamp.formatDay(r.bars[0].timestamp) == "2007-12-31")
        #expect(r.bars[0].close == Decimal(string: "146.210007"))
        #expect(r.bars[0].volume == 108_126_800)
    }

    @Test func readsBOMSlashDatesAndIndexColumnFiles() throws {
        let msft = try BarCSV.parse(try fixture("ohlcv/MSFT.csv"), source: "MSFT.csv")
        #expect(msft.bars.count == 8111 && msft.rejected.isEmpty)
        #expect(UTCTimestamp.formatDay(msft.bars[0].timestamp) == "1990-01-02" && msft.bars[0].volume == 0)
        let spyd = try BarCSV.parse(try fixture("ohlcv/SPY_D.csv"), source: "SPY_D.csv")
        #expect(spyd.bars.count == 5241)
        #expect(spyd.bars.last?.close == Decimal(string: "350.58"))
        #expect(spyd.bars[0].volume == 4_006_500)
    }

    @Test func headerInAnyCaseAndOrder() throws {
        let r = try BarCSV.parse("VOLUME,Close,Low,High,Open,Date,Extra\n5,10,9,11,10,2024-01-02,x\n", source: "t")
        #expect(r.bars.count == 1 && r.bars[0].high == 11)
    }

    @Test(arguments: [
        ("date,open,high,low,close\n2024-01-02,1,1,1,1\n", "missing column \"volume\""),
        ("date,open,high,low,close,volume\n2024-01-02,1,1,1,x,5\n", "bad.csv:2: column \"close\": not a number"),
        ("date,open,high,low,close,volume\n2024-13-02,1,1,1,1,5\n", "not a date"),
        ("date,open,high,low,close,volume\n2024-01-03,1,1,1,1,5\n2024-01-02,1,1,1,1,5\n", "bad.csv:3: date 2024-01-02 is before"),
        ("date,open,high,low,close,volume\n2024-01-02,1,1,1,1,5\n2024-01-02,1,1,1,1,5\n", "duplicate date"),
        ("date,open,high,low,close,volume\n2024-01-02,1,1,1,1\n", "expected 6 fields"),
        ("", "empty file"),
        ("date,open,high,low,close,volume\n2024-01-02,nan,1,1,1,5\n", "not a number"),
    ])
    func malformedFilesThrowNamingLineAndColumn(text: String, message: String) {
        #expect {
            _ = try BarCSV.parse(text, source: "bad.csv")
        } throws: { e in
            "\(e)".contains("bad.csv") && "\(e)".contains(message)
        }
    }

    @Test func fuzzedFilesNeverCrash() throws {
        let good = String(try fixture("references/default.csv").prefix(4000))
        var rng = SplitMix64(seed: 53)  // seeded: a failure reproduces
        var outcomes = (ok: 0, thrown: 0)
        for i in 0..<500 {
            var bytes = Array(good.utf8)
            switch i % 3 {
            case 0: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            case 1: for _ in 0..<5 { bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 32...126, using: &rng) }
            default: bytes.insert(contentsOf: Array("\n,,,\u{0}\n".utf8), at: Int.random(in: 0..<bytes.count, using: &rng))
            }
            do {
                _ = try BarCSV.parse(String(decoding: bytes, as: UTF8.self), source: "fuzz")
                outcomes.ok += 1
            } catch is BarCSVError {
                outcomes.thrown += 1
            }
        }
        #expect(outcomes.ok + outcomes.thrown == 500 && outcomes.thrown > 0)
    }
}

@Suite("Weekly resampling")
struct WeeklyResamplerTests {
    func day(_ s: String, _ o: Decimal, _ h: Decimal, _ l: Decimal, _ c: Decimal, _ v: Decimal) throws -> OHLCVBar {
        try OHLCVBar(timestamp: UTCTimestamp.parse(s)!, open: o, high: h, low: l, close: c, volume: v)
    }

    @Test func aggregatesWeeksAndStampsLastTradingDay() throws {
        let bars = [
            try day("2024-03-25", 10, 12, 9, 11, 100),   // Mon
            try day("2024-03-26", 11, 15, 10, 14, 100),
            try day("2024-03-28", 14, 14, 8, 9, 50),     // Thu (Good Friday holiday follows)
            try day("2024-04-01", 9, 10, 7, 8, 10),      // next Mon
            try day("2024-04-05", 8, 9, 8, 9, 10),       // Fri
        ]
        let w = try WeeklyResampler.weekly(bars, asOf: UTCTimestamp.parse("2024-04-06")!)
        #expect(w.bars.count == 2)
        #expect(w.bars[0].open == 10 && w.bars[0].high == 15 && w.bars[0].low == 8 && w.bars[0].close == 9)
        #expect(w.bars[0].volume == 250)
        #expect(UTCTimestamp.formatDay(w.bars[0].timestamp) == "2024-03-28")
        #expect(UTCTimestamp.formatDay(w.bars[1].timestamp) == "2024-04-05")
        #expect(!w.lastWeekIsPartial)
    }

    @Test func partialCurrentWeekIsMarked() throws {
        let bars = [try day("2024-04-01", 9, 10, 7, 8, 10), try day("2024-04-02", 8, 9, 8, 9, 10)]
        let midWeek = try WeeklyResampler.weekly(bars, asOf: UTCTimestamp.parse("2024-04-03T15:00:00Z")!)
        let nextWeek = try WeeklyResampler.weekly(bars, asOf: UTCTimestamp.parse("2024-04-09")!)
        #expect(midWeek.lastWeekIsPartial)
        #expect(!nextWeek.lastWeekIsPartial)
    }

    @Test func isoWeeksAcrossYearEnd() throws {
        // 2020-12-31 (Thu) and 2021-01-01 (Fri) are the same ISO week (2020-W53); 2021-01-04 is W01.
        let bars = [try day("2020-12-31", 1, 2, 1, 2, 1), try day("2021-01-01", 2, 3, 2, 3, 1), try day("2021-01-04", 3, 4, 3, 4, 1)]
        let w = try WeeklyResampler.weekly(bars, asOf: UTCTimestamp.parse("2021-01-10")!)
        #expect(w.bars.map { UTCTimestamp.formatDay($0.timestamp) } == ["2021-01-01", "2021-01-04"])
    }

    @Test func realDataWeeksAreValid() throws {
        let daily = try BarCSV.parse(try fixture("ohlcv/AAPL.csv"), source: "AAPL").bars
        let w = try WeeklyResampler.weekly(daily, asOf: daily.last!.timestamp)
        #expect(w.bars.count > 600 && w.bars.count < 720)
        #expect(w.bars.map(\.volume).reduce(0, +) == daily.map(\.volume).reduce(0, +))
        _ = try MarketData(symbol: "AAPL", timeframe: .weekly, bars: w.bars, fetchedAt: Date())
    }

    /// Issue 17: a `split_coefficient` column back-adjusts the bars before the split (as IB's TRADES history);
    /// TSLA's 5:1 split of 2020-08-31 from ../shared/data/sp500-daily.
    @Test func splitCoefficientBackAdjustsEarlierBars() throws {
        let text = """
        timestamp,open,high,low,close,adjusted_close,volume,dividend_amount,split_coefficient
        2020-08-27,2180.46,2295.6,2142.5,2238.75,447.75,23693043,0.0,1.0
        2020-08-28,2295.12,2318.49,2186.52,2213.4,442.68,20081176,0.0,1.0
        2020-08-31,444.61,500.14,440.11,498.32,498.32,115847020,0.0,5.0
        2020-09-01,502.14,502.49,470.51,475.05,475.05,90119419,0.0,1.0
        """
        let r = try BarCSV.parse(text, source: "TSLA")
        #expect(r.bars.map(\.close) == [Decimal(string: "447.75")!, Decimal(string: "442.68")!, Decimal(string: "498.32")!, Decimal(string: "475.05")!])
        #expect(r.bars[0].open == Decimal(string: "436.092")! && r.bars[1].high == Decimal(string: "463.698")!)
        #expect(r.bars[0].volume == 118_465_215 && r.bars[2].volume == 115_847_020)
        #expect(r.splits.count == 1 && r.splits[0].ratio == 5)
        let noSplitColumn = try BarCSV.parse("date,open,high,low,close,volume\n2020-08-28,2295.12,2318.49,2186.52,2213.4,1\n", source: "x")
        #expect(noSplitColumn.bars[0].close == Decimal(string: "2213.4")! && noSplitColumn.splits.isEmpty)
    }

    /// Issue 17: a Yahoo `Adj Close` column is read back into the ex-dividend days it encodes (AAPL's $0.63
    /// of 2017-11-10, real rows of deploy/data/daily/AAPL.csv); prices stay as traded; `dividend_amount` wins.
    @Test func adjCloseStepsBecomeDividends() throws {
        let text = """
        Date,Open,High,Low,Close,Adj Close,Volume
        2017-11-08,174.660004,176.240005,174.330002,176.240005,175.608719,24409500
        2017-11-09,175.110001,176.100006,173.139999,175.880005,175.250000,29482600
        2017-11-10,175.110001,175.380005,174.270004,174.669998,174.669998,25145500
        2017-11-13,173.500000,174.500000,173.399994,173.970001,173.970001,16982100
        """
        let r = try BarCSV.parse(text, source: "AAPL")
        #expect(r.dividends == [UTCTimestamp.parse("2017-11-10")!: Decimal(string: "0.63")!])
        #expect(r.bars.map(\.close) == ["176.240005", "175.880005", "174.669998", "173.970001"].map { Decimal(string: $0)! })
        let both = try BarCSV.parse("date,open,high,low,close,adj close,volume,dividend_amount\n2017-11-09,1,1,1,1,0.5,1,0\n2017-11-10,1,1,1,1,1,1,0.25\n", source: "x")
        #expect(both.dividends == [UTCTimestamp.parse("2017-11-10")!: Decimal(string: "0.25")!])
        #expect(throws: BarCSVError.self) { try BarCSV.parse("date,open,high,low,close,adj close,volume\n2017-11-09,1,1,1,1,0,1\n", source: "x") }
    }
}
