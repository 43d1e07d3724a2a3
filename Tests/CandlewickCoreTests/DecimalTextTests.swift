import CandlewickCore
import Foundation
import Testing

/// The fast conversions must agree with Foundation's slow ones on every value they accept.
@Suite("DecimalText and UTCTimestamp")
struct DecimalTextTests {
    /// Random decimals: 1–18 significant digits, exponents -25...25, either sign, with trailing zeros.
    static func randomDecimals(seed: UInt64, count: Int) -> [Decimal] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            let digits = Int.random(in: 1...18, using: &rng)
            var text = String(Int.random(in: 1...9, using: &rng))
            for _ in 1..<digits { text += String(Int.random(in: 0...9, using: &rng)) }
            let d = Decimal(sign: Bool.random(using: &rng) ? .minus : .plus, exponent: Int.random(in: -25...25, using: &rng),
                            significand: Decimal(string: text)!)
            return d
        }
    }

    @Test("plain text equals NSDecimalString for 20,000 random decimals", arguments: [UInt64(1), 2])
    func plainMatchesFoundation(seed: UInt64) {
        for d in Self.randomDecimals(seed: seed, count: 10_000) {
            var v = d
            #expect(DecimalText.plain(d) == NSDecimalString(&v, Locale(identifier: "en_US_POSIX")), "\(d)")
        }
        for text in ["0", "10", "0.5", "-185.25", "0.0001", "1050", "10.50", "-0.001", "123456789012345678901234"] {
            var v = Decimal(string: text)!
            #expect(DecimalText.plain(v) == NSDecimalString(&v, Locale(identifier: "en_US_POSIX")))
        }
    }

    @Test("double is the nearest Double (what Double(text) gives)")
    func doubleIsNearest() {
        for d in Self.randomDecimals(seed: 3, count: 10_000) {
            #expect(DecimalText.double(d) == Double(DecimalText.plain(d)), "\(d)")
        }
    }

    @Test("a decimal of up to 15 digits goes through Double and back unchanged; longer ones are refused")
    func roundTripDouble() {
        for d in Self.randomDecimals(seed: 4, count: 10_000) {
            let digits = DecimalText.plain(d).filter(\.isNumber).drop { $0 == "0" }.reversed().drop { $0 == "0" }.count
            if let x = DecimalText.roundTripDouble(d) {
                #expect(DecimalText.decimal(shortest: x) == d, "\(d) → \(x)")
            } else {
                #expect(digits > 15 || abs(d.exponent) > 22, "\(d) refused")
            }
        }
        #expect(DecimalText.roundTripDouble(Decimal(string: "71.514282")!) == 71.514282)
        #expect(DecimalText.decimal(shortest: .nan) == nil && DecimalText.decimal(shortest: .infinity) == nil)
    }

    @Test("bars encode to JSON numbers with the decimal's exact digits and decode to equal bars")
    func barsRoundTrip() throws {
        let bar = try OHLCVBar(timestamp: UTCTimestamp.parse("2017-10-04")!, open: Decimal(string: "70.739998")!,
                               high: Decimal(string: "71.647141")!, low: Decimal(string: "70.507141")!,
                               close: Decimal(string: "71.514282")!, volume: 116_199_300)
        let json = String(decoding: try CandlewickJSON.encode(bar), as: UTF8.self)
        #expect(json == #"{"close":71.514282,"high":71.647141,"low":70.507141,"open":70.739998,"timestamp":"2017-10-04T00:00:00.000Z","volume":116199300}"#)
        #expect(try CandlewickJSON.decode(OHLCVBar.self, from: Data(json.utf8)) == bar)
        // 20 significant digits stay a Decimal and keep every digit.
        let long = try OHLCVBar(timestamp: bar.timestamp, open: Decimal(string: "1.2345678901234567891")!, high: 2, low: 1, close: 1.5, volume: 0)
        let back = try CandlewickJSON.decode(OHLCVBar.self, from: try CandlewickJSON.encode(long))
        #expect(back.open == long.open)
        #expect(throws: DecodingError.self) {
            try CandlewickJSON.decode(OHLCVBar.self, from: Data(json.replacingOccurrences(of: "2017-10-04T", with: "2017-13-04T").utf8))
        }
    }

    @Test("timestamps format as ISO8601DateFormatter does, and parse back")
    func timestampsMatchFoundation() {
        var rng = SplitMix64(seed: 5)
        let iso = ISO8601DateFormatter()
        iso.timeZone = TimeZone(identifier: "UTC")
        for _ in 0..<5_000 {
            // Years 1600...9987 (before 1582 Foundation switches to the Julian calendar; ours is proleptic Gregorian).
            let seconds = Int64.random(in: -11_676_096_000...253_000_000_000, using: &rng)
            let date = Date(timeIntervalSince1970: Double(seconds))
            let text = UTCTimestamp.format(date)
            #expect(text.replacingOccurrences(of: ".000Z", with: "Z") == iso.string(from: date))
            #expect(UTCTimestamp.parse(text) == date, "\(text)")
            #expect(UTCTimestamp.formatDay(date) == String(text.prefix(10)))
        }
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: 1_507_075_200.5)) == "2017-10-04T00:00:00.500Z")
        #expect(UTCTimestamp.format(Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59.000Z")
    }
}
