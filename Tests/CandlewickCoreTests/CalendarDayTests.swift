import CandlewickCore
import Foundation
import Testing

@Suite("Calendar days and market_data.request's end_day")
struct CalendarDayTests {
    @Test("real dates only, with or without dashes")
    func days() {
        #expect(CalendarDay.number("1970-01-02") == 1 && CalendarDay.number("19700102") == 1)
        #expect(CalendarDay.number("2016-02-29") != nil && CalendarDay.number("2016-03-01")! - CalendarDay.number("2016-02-29")! == 1)
        for bad in ["2015-02-29", "2016-13-01", "2016-00-10", "2016-04-31", "2016-3-1", "", "2016-01-0x", "٢٠١٦-٠١-٠١", "2016-01-01 "] {
            #expect(CalendarDay.number(bad) == nil, "\(bad)")
        }
        #expect(CalendarDay.dashed("20160301") == "2016-03-01" && CalendarDay.dashed("2016-03-01") == "2016-03-01")
        #expect(CalendarDay.of(Date(timeIntervalSince1970: 86_400 * 2 + 3600)) == "1970-01-03")
    }

    @Test("end_day must be YYYY-MM-DD and a real date; absent means up to now")
    func endDay() throws {
        let ok = try MarketDataRequest(symbol: "AAPL", durationDays: 30, endDay: "2016-03-01")
        let json = try CandlewickJSON.encoder().encode(ok)
        #expect(String(decoding: json, as: UTF8.self).contains("\"end_day\":\"2016-03-01\""))
        #expect(try CandlewickJSON.decoder().decode(MarketDataRequest.self, from: json) == ok)
        #expect(try MarketDataRequest(symbol: "AAPL").endDay == nil)
        for bad in ["20160301", "2016-02-30", "2016-3-01", "yesterday", ""] {
            #expect(throws: ModelValidationError.self, "\(bad)") { try MarketDataRequest(symbol: "AAPL", endDay: bad) }
            let frame = Data("{\"symbol\":\"AAPL\",\"end_day\":\"\(bad)\"}".utf8)
            #expect(throws: (any Error).self) { try CandlewickJSON.decoder().decode(MarketDataRequest.self, from: frame) }
        }
    }
}
