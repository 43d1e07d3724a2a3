import CandlewickCore
import Foundation
import Testing

@Suite("TradingSignal validation")
struct SignalModelTests {
    func signal(_ action: SignalAction = .buy, _ confidence: SignalConfidence = .high, score: Double = 80,
                entry: Decimal? = 100, stop: Decimal? = 95, target: Decimal? = 110, reasoning: String = "trend up",
                factors: [String] = ["SMA 50 above SMA 200"]) throws -> TradingSignal {
        try TradingSignal(signalId: "s1", symbol: "AAPL", action: action, confidence: confidence, confidenceScore: score,
                          entryPrice: entry, stopLoss: stop, takeProfit: target, reasoning: reasoning, keyFactors: factors,
                          timestamp: t0)
    }

    @Test func validBuyComputesAndRoundTrips() throws {
        let s = try signal()
        #expect(s.isActionable)
        #expect(s.riskRewardRatio == 2)
        try roundTrip(s)
        let json = String(decoding: try CandlewickJSON.encode(s), as: UTF8.self)
        #expect(json.contains("\"is_actionable\":true"))
        #expect(json.contains("\"confidence_score\":80"))
    }

    @Test func actionability() throws {
        #expect(try signal(.sell, .medium, score: 50, entry: 100, stop: 105, target: 90).isActionable)
        #expect(!(try signal(.buy, .low, score: 20)).isActionable)
        #expect(!(try signal(.hold, .high, score: 90, entry: nil, stop: nil, target: nil)).isActionable)
    }

    @Test(arguments: [
        (SignalConfidence.high, 69.9), (.high, 101), (.medium, 39.99), (.medium, 70), (.low, 40), (.low, -1),
    ])
    func scoreOutsideBandRejected(confidence: SignalConfidence, score: Double) {
        expectRejected("confidence_score") { _ = try signal(.buy, confidence, score: score) }
    }

    @Test(arguments: [(SignalConfidence.high, 70.0), (.high, 100), (.medium, 40), (.medium, 69.5), (.low, 0), (.low, 39.5)])
    func bandEdgesAccepted(confidence: SignalConfidence, score: Double) throws {
        _ = try signal(.buy, confidence, score: score)
    }

    @Test func nanScoreRejected() { expectRejected("confidence_score") { _ = try signal(score: .nan) } }

    @Test func buyLevelsOnWrongSidesRejected() {
        expectRejected("stop_loss") { _ = try signal(.buy, entry: 100, stop: 101, target: 110) }
        expectRejected("take_profit") { _ = try signal(.buy, entry: 100, stop: 95, target: 99) }
        expectRejected("stop_loss") { _ = try signal(.buy, entry: nil, stop: 120, target: 110) }
    }

    @Test func sellLevelsOnWrongSidesRejected() {
        expectRejected("stop_loss") { _ = try signal(.sell, .medium, score: 50, entry: 100, stop: 95, target: 90) }
        expectRejected("take_profit") { _ = try signal(.sell, .medium, score: 50, entry: 100, stop: 105, target: 101) }
    }

    @Test func nonPositiveLevelsRejected() {
        expectRejected("entry_price") { _ = try signal(entry: 0, stop: nil, target: nil) }
        expectRejected("stop_loss") { _ = try signal(entry: nil, stop: -3, target: nil) }
        expectRejected("take_profit") { _ = try signal(entry: nil, stop: nil, target: 0) }
    }

    @Test func holdMayOmitLevels() throws {
        let s = try signal(.hold, .low, score: 10, entry: nil, stop: nil, target: nil)
        #expect(s.riskRewardRatio == nil)
    }

    @Test func emptyReasoningAndFactorsRejected() {
        expectRejected("reasoning") { _ = try signal(reasoning: "   ") }
        expectRejected("key_factors[1]") { _ = try signal(factors: ["ok", ""]) }
    }

    @Test func lowerCaseSymbolRejected() {
        expectRejected("symbol") {
            _ = try TradingSignal(symbol: "tsla", action: .hold, confidence: .low, confidenceScore: 1, reasoning: "x", timestamp: t0)
        }
    }

    @Test func decodingRejectsStringsInNumbersAndBadEnums() {
        let base = #"{"signal_id":"a","symbol":"AAPL","action":"BUY","confidence":"HIGH","confidence_score":"high","reasoning":"r","timestamp":"2024-01-01T00:00:00Z"}"#
        #expect(throws: (any Error).self) { _ = try CandlewickJSON.decode(TradingSignal.self, from: Data(base.utf8)) }
        let badAction = base.replacingOccurrences(of: "\"BUY\"", with: "\"STRONG_BUY\"").replacingOccurrences(of: "\"high\"", with: "80")
        #expect(throws: (any Error).self) { _ = try CandlewickJSON.decode(TradingSignal.self, from: Data(badAction.utf8)) }
        let wrongSide = #"{"signal_id":"a","symbol":"AAPL","action":"BUY","confidence":"HIGH","confidence_score":80,"entry_price":100,"stop_loss":105,"reasoning":"r","timestamp":"2024-01-01T00:00:00Z"}"#
        expectDecodeRejected(TradingSignal.self, wrongSide, field: "stop_loss")
    }
}

@Suite("TechnicalIndicators and chart model validation")
struct IndicatorChartModelTests {
    @Test func undefinedValuesStayNil() throws {
        let i = try TechnicalIndicators(symbol: "AAPL", timestamp: t0, sma20: 10, rsi14: 55)
        #expect(i.sma200 == nil)
        try roundTrip(i)
        let json = String(decoding: try CandlewickJSON.encode(i), as: UTF8.self)
        #expect(json.contains("\"sma_200\":null"))
    }

    @Test func rsiOutOfRangeRejected() {
        expectRejected("rsi_14") { _ = try TechnicalIndicators(symbol: "AAPL", timestamp: t0, rsi14: 100.5) }
        expectRejected("rsi_14") { _ = try TechnicalIndicators(symbol: "AAPL", timestamp: t0, rsi14: -0.1) }
    }

    @Test func bandsOutOfOrderRejected() {
        expectRejected("bb_upper") { _ = try TechnicalIndicators(symbol: "AAPL", timestamp: t0, bbUpper: 9, bbMiddle: 10, bbLower: 8) }
        expectRejected("bb_lower") { _ = try TechnicalIndicators(symbol: "AAPL", timestamp: t0, bbUpper: 12, bbMiddle: 10, bbLower: 11) }
    }

    @Test func nonFiniteAndNegativeATRRejected() {
        expectRejected("macd") { _ = try TechnicalIndicators(symbol: "AAPL", timestamp: t0, macd: .infinity) }
        expectRejected("atr_14") { _ = try TechnicalIndicators(symbol: "AAPL", timestamp: t0, atr14: -1) }
    }

    @Test func chartConfigRules() throws {
        let c = try ChartConfig(symbol: "AAPL", timeframe: .weekly)
        #expect(c.lookbackPeriods == 52 && c.width == 1920 && c.height == 1080)
        #expect(try ChartConfig(symbol: "AAPL", timeframe: .daily).lookbackPeriods == 60)
        try roundTrip(c)
        expectRejected("lookback_periods") { _ = try ChartConfig(symbol: "AAPL", timeframe: .daily, lookbackPeriods: 0) }
        expectRejected("width") { _ = try ChartConfig(symbol: "AAPL", timeframe: .daily, width: 0) }
        expectRejected("height") { _ = try ChartConfig(symbol: "AAPL", timeframe: .daily, height: -5) }
        expectRejected("indicators") { _ = try ChartConfig(symbol: "AAPL", timeframe: .daily, indicators: ["ichimoku"]) }
        expectRejected("symbol") { _ = try ChartConfig(symbol: "aapl", timeframe: .daily) }
    }

    @Test func chartResultRules() throws {
        let sha = String(repeating: "ab", count: 32)
        let r = try ChartResult(symbol: "AAPL", timeframe: .daily, width: 1920, height: 1080, filePath: "/tmp/a.png",
                                byteSize: 10, sha256: sha, indicatorsDrawn: ["rsi"], barsShown: 60, renderedAt: t0)
        try roundTrip(r)
        func make(path: String? = "/tmp/a.png", attachment: Int? = nil, size: Int = 10, sha: String = sha, bars: Int = 60) throws {
            _ = try ChartResult(symbol: "AAPL", timeframe: .daily, width: 1920, height: 1080, filePath: path,
                                attachment: attachment, byteSize: size, sha256: sha, indicatorsDrawn: [], barsShown: bars,
                                renderedAt: t0)
        }
        expectRejected("sha256") { try make(sha: "xyz") }
        expectRejected("sha256") { try make(sha: String(repeating: "AB", count: 32)) }
        expectRejected("byte_size") { try make(size: 0) }
        expectRejected("bars_shown") { try make(bars: 0) }
        expectRejected("file_path") { try make(path: nil, attachment: nil) }
        expectRejected("attachment") { try make(path: nil, attachment: -1) }
        try make(path: nil, attachment: 0)
    }
}
