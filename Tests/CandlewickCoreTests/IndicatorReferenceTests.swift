import CandlewickCore
import Foundation
import Testing

/// Published ChartSchool-convention values (see Fixtures/README.md and shared/data/README.md).
@Suite("Indicators against published reference values")
struct IndicatorReferenceTests {
    /// pyalgotrade's own rule: on every row, round(actual, d) == round(expected, d), and a blank
    /// expected value means "not defined yet".
    func expectMatches(_ actual: [Double], _ expected: [Double?], digits: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            if let e {
                #expect(rounded(a, digits) == rounded(e, digits), "row \(i): \(a) vs \(e)", sourceLocation: sourceLocation)
            } else {
                #expect(a.isNaN, "row \(i) should be undefined, got \(a)", sourceLocation: sourceLocation)
            }
        }
    }

    @Test func chartSchoolRSI() throws {
        let (input, expected) = try inputExpected("rsi-test.csv")
        expectMatches(Indicators.rsi(input, period: 14), expected, digits: 3)
        // And to the spreadsheet's 8 published decimals at both ends.
        let rsi = Indicators.rsi(input, period: 14)
        #expect(abs(rsi[14] - 70.53278948) < 1e-7 && abs(rsi[32] - 37.77295211) < 1e-7)
    }

    @Test func chartSchoolEMAandSMA() throws {
        let (emaIn, emaExp) = try inputExpected("sc-ema-10.csv")
        expectMatches(Indicators.ema(emaIn, period: 10), emaExp, digits: 3)
        let (smaIn, smaExp) = try inputExpected("sc-sma-10.csv")
        expectMatches(Indicators.sma(smaIn, period: 10), smaExp, digits: 2)
        let (ntIn, ntExp) = try inputExpected("nt-sma-15.csv")
        expectMatches(Indicators.sma(ntIn, period: 15), ntExp, digits: 3)
    }

    /// Stock.Indicators baselines: 502 real bars, full precision; compare every row at 1e-9.
    @Test func stockIndicatorsBaselines() throws {
        let bars = try BarCSV.parse(try fixture("references/default.csv"), source: "default.csv").bars
        #expect(bars.count == 502)
        let s = IndicatorSeries(bars: bars)
        let ema20 = Indicators.ema(s.closes, period: 20)
        let checks: [(String, [Double], [Double?])] = [
            ("sma20", s.sma20, try baseline("sma.standard.json", "sma")),
            ("ema20", ema20, try baseline("ema.standard.json", "ema")),
            ("rsi14", s.rsi14, try baseline("rsi.standard.json", "rsi")),
            ("macd", s.macd, try baseline("macd.standard.json", "macd").enumerated().map { $0.offset < 33 ? nil : $0.element }),
            ("signal", s.macdSignal, try baseline("macd.standard.json", "signal")),
            ("histogram", s.macdHistogram, try baseline("macd.standard.json", "histogram")),
            ("bb middle", s.bbMiddle, try baseline("bb.standard.json", "sma")),
            ("bb upper", s.bbUpper, try baseline("bb.standard.json", "upperBand")),
            ("bb lower", s.bbLower, try baseline("bb.standard.json", "lowerBand")),
        ]
        for (name, actual, expected) in checks {
            #expect(actual.count == expected.count)
            // Stock.Indicators seeds MACD's fast EMA at index 11 (SMA of closes 0…11); TA-Lib, whose
            // convention we follow, seeds it at index 25 (SMA of closes 14…25). The difference decays
            // by 11/13 per bar, below 1e-11 after 150 bars: compare the MACD family from bar 200.
            let from = name == "macd" || name == "signal" || name == "histogram" ? 200 : 0
            for (i, (a, e)) in zip(actual, expected).enumerated() where i >= from {
                if let e {
                    #expect(abs(a - e) <= 1e-9 * max(1, abs(e)), "\(name) row \(i): \(a) vs \(e)")
                } else {
                    #expect(a.isNaN, "\(name) row \(i) should be undefined, got \(a)")
                }
            }
        }
    }
}

@Suite("Indicator edge cases")
struct IndicatorEdgeTests {
    @Test func undefinedPrefixesFollowTALib() {
        let x: [Double] = (0..<300).map { (i: Int) -> Double in
            let t = Double(i)
            return 100 + sin(t / 7) * 5 + t * 0.1
        }
        func first(_ a: [Double]) -> Int? { a.firstIndex { !$0.isNaN } }
        let m = Indicators.macd(x)
        let highs = x.map { $0 + 1 }
        let lows = x.map { $0 - 1 }
        #expect(first(Indicators.sma(x, period: 20)) == 19)
        #expect(first(Indicators.sma(x, period: 200)) == 199)
        #expect(first(Indicators.rsi(x)) == 14)
        #expect(first(m.macd) == 33)
        #expect(first(m.signal) == 33)
        #expect(first(Indicators.bollinger(x).upper) == 19)
        #expect(first(Indicators.atr(high: highs, low: lows, close: x)) == 14)
    }

    @Test func shortHistoryIsUndefinedNeverZero() throws {
        let bars = try (0..<30).map { try bar($0, 10, 11, 9, 10.5) }
        let s = IndicatorSeries(bars: bars)
        #expect(allNaN(s.sma200) && allNaN(s.sma50) && allNaN(s.macd))
        let snap = try s.snapshot(symbol: "AAPL")
        #expect(snap.sma200 == nil && snap.sma50 == nil && snap.macd == nil)
        #expect(snap.sma20 == 10.5 && snap.rsi14 != nil)
    }

    @Test func flatPricesGiveZeroRSIAndCollapsedBands() {
        let flat = [Double](repeating: 42, count: 60)
        #expect(Indicators.rsi(flat)[59] == 0)
        let bb = Indicators.bollinger(flat)
        #expect(bb.upper[59] == 42 && bb.lower[59] == 42)
    }

    @Test func onlyRisesGiveRSI100() {
        let up = (0..<40).map { Double($0) + 1 }
        #expect(Indicators.rsi(up)[39] == 100)
    }

    @Test func degenerateInputsAreAllNaN() {
        #expect(Indicators.sma([], period: 20).isEmpty)
        #expect(allNaN(Indicators.sma([1, 2, 3], period: 0)))
        #expect(allNaN(Indicators.sma([1, 2, 3], period: 5)))
        #expect(allNaN(Indicators.rsi([5], period: 14)))
        #expect(allNaN(Indicators.macd([1, 2]).macd))
        #expect(allNaN(Indicators.atr(high: [2], low: [1], close: [1.5])))
    }

    @Test func hugeAndTinyPricesStayFinite() {
        for scale in [1e9, 1e-4] {
            let x: [Double] = (0..<250).map { (i: Int) -> Double in (100 + sin(Double(i)) * 3) * scale }
            let bb = Indicators.bollinger(x)
            #expect(bb.upper[249].isFinite && bb.upper[249] >= bb.middle[249] && bb.middle[249] >= bb.lower[249])
            #expect((0...100).contains(Indicators.rsi(x)[249]))
        }
    }
}

func allNaN(_ a: [Double]) -> Bool { a.allSatisfy(\.isNaN) }
