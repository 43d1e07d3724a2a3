import CandlewickCore
import Foundation
import Testing

@Suite("OHLCVBar and MarketData validation")
struct MarketModelTests {
    @Test func validBarRoundTrips() throws {
        try roundTrip(try bar(0, 10, 12, 9, 11))
    }

    @Test(arguments: [
        ("open", Decimal(0)), ("open", Decimal(-1)), ("high", Decimal(0)), ("low", Decimal(-5)), ("close", Decimal(0)),
    ])
    func nonPositivePricesRejected(field: String, value: Decimal) {
        expectRejected(field) {
            _ = try OHLCVBar(timestamp: t0, open: field == "open" ? value : 10, high: field == "high" ? value : 12,
                             low: field == "low" ? value : 9, close: field == "close" ? value : 11, volume: 1)
        }
    }

    @Test func nanPriceRejected() {
        expectRejected("open") { _ = try OHLCVBar(timestamp: t0, open: .nan, high: 12, low: 9, close: 11, volume: 1) }
    }

    @Test func highBelowOpenCloseRejected() {
        expectRejected("high") { _ = try bar(0, 10, 10.5, 9, 11) }
    }

    @Test func highBelowLowRejected() {
        expectRejected("high") { _ = try bar(0, 10, 8, 9, 10) }
    }

    @Test func lowAboveOpenRejected() {
        // The real SPY row of 2015-03-05 has this shape.
        expectRejected("low") { _ = try bar(0, 209.42, 210.80, 209.85, 210.46) }
    }

    @Test func negativeVolumeRejected() {
        expectRejected("volume") { _ = try bar(0, 10, 12, 9, 11, -1) }
    }

    @Test func zeroVolumeAccepted() throws {
        _ = try bar(0, 10, 12, 9, 11, 0)
    }

    @Test func marketDataComputedAndRoundTrip() throws {
        let md = try MarketData(symbol: "AAPL", bars: [bar(0, 10, 12, 9, 11), bar(1, 11, 13, 10, 12.5)], fetchedAt: t0)
        #expect(md.latestPrice == 12.5)
        #expect(md.latestBar.timestamp == t0.addingTimeInterval(86_400))
        try roundTrip(md)
        let json = String(decoding: try CandlewickJSON.encode(md), as: UTF8.self)
        #expect(json.contains("\"fetched_at\""))
        #expect(json.contains("\"latest_price\":12.5"))
    }

    @Test(arguments: ["aapl", "", "  ", "Aapl", "AAPL!"])
    func badSymbolsRejected(symbol: String) throws {
        let bars = [try bar(0, 10, 12, 9, 11)]
        expectRejected("symbol") { _ = try MarketData(symbol: symbol, bars: bars, fetchedAt: t0) }
    }

    @Test func symbolsWithClassSuffixAccepted() throws {
        _ = try MarketData(symbol: "BRK.B", bars: [try bar(0, 10, 12, 9, 11)], fetchedAt: t0)
    }

    @Test func emptyBarsRejected() {
        expectRejected("bars") { _ = try MarketData(symbol: "AAPL", bars: [], fetchedAt: t0) }
    }

    @Test func unsortedBarsRejected() throws {
        let bars = [try bar(1, 10, 12, 9, 11), try bar(0, 10, 12, 9, 11)]
        let e = expectRejected("bars") { _ = try MarketData(symbol: "AAPL", bars: bars, fetchedAt: t0) }
        #expect(e?.rule.contains("ascending") == true)
    }

    @Test func duplicateTimestampsRejected() throws {
        let bars = [try bar(0, 10, 12, 9, 11), try bar(0, 10, 12, 9, 11)]
        let e = expectRejected("bars") { _ = try MarketData(symbol: "AAPL", bars: bars, fetchedAt: t0) }
        #expect(e?.rule.contains("duplicate") == true)
    }

    @Test func decodingRunsValidation() {
        expectDecodeRejected(OHLCVBar.self,
                             #"{"timestamp":"2024-01-02","open":10,"high":9,"low":8,"close":9.5,"volume":1}"#, field: "high")
        expectDecodeRejected(MarketData.self,
                             #"{"symbol":"msft","bars":[{"timestamp":"2024-01-02","open":1,"high":1,"low":1,"close":1,"volume":0}],"fetched_at":"2024-01-03T00:00:00Z"}"#,
                             field: "symbol")
    }

    @Test func invalidJSONRejected() {
        #expect(throws: (any Error).self) { _ = try CandlewickJSON.decode(OHLCVBar.self, from: Data("{\"open\":".utf8)) }
        #expect(throws: (any Error).self) {
            _ = try CandlewickJSON.decode(OHLCVBar.self, from: Data(#"{"timestamp":"2024-01-02","open":"ten","high":1,"low":1,"close":1,"volume":1}"#.utf8))
        }
        #expect(throws: (any Error).self) {
            _ = try CandlewickJSON.decode(OHLCVBar.self, from: Data(#"{"timestamp":"yesterday","open":1,"high":1,"low":1,"close":1,"volume":1}"#.utf8))
        }
    }
}

@Suite("Timestamps")
struct TimestampTests {
    @Test func formatsAndParsesUTC() throws {
        let d = try #require(UTCTimestamp.parse("2024-02-29T21:05:09.123Z"))
        #expect(UTCTimestamp.format(d) == "2024-02-29T21:05:09.123Z")
        #expect(UTCTimestamp.parse("2024-02-29")?.timeIntervalSince1970 == 1_709_164_800)
        #expect(UTCTimestamp.parse("20240229") == UTCTimestamp.parse("2024-02-29"))
        #expect(UTCTimestamp.parse("2024-02-29T23:00:00+02:00") == UTCTimestamp.parse("2024-02-29T21:00:00Z"))
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
    }

    @Test(arguments: ["2023-02-29", "2024-13-01", "2024-01-01T25:00:00Z", "abc", "", "2024-01-01T10:00:00Q", "2024-01-01T10:00:00."])
    func rejectsInvalid(text: String) {
        #expect(UTCTimestamp.parse(text) == nil)
    }
}
