import CandlewickCore
import Foundation
import Testing

@Suite("US market calendar and cron schedule")
struct ScheduleTests {
    /// Published NYSE full-day closures.
    @Test(arguments: [
        (2024, ["01-01", "01-15", "02-19", "03-29", "05-27", "06-19", "07-04", "09-02", "11-28", "12-25"]),
        (2025, ["01-01", "01-20", "02-17", "04-18", "05-26", "06-19", "07-04", "09-01", "11-27", "12-25"]),
        (2026, ["01-01", "01-19", "02-16", "04-03", "05-25", "06-19", "07-03", "09-07", "11-26", "12-25"]),
        (2021, ["01-01", "01-18", "02-15", "04-02", "05-31", "07-05", "09-06", "11-25", "12-24"]),
        (2022, ["01-17", "02-21", "04-15", "05-30", "06-20", "07-04", "09-05", "11-24", "12-26"]),
    ])
    func holidaysMatchTheExchangeCalendar(year: Int, expected: [String]) {
        let got = USMarketCalendar.holidays(year).map { String(format: "%02d-%02d", $0.0, $0.1) }.sorted()
        #expect(got == expected.sorted())
        for md in expected {
            let p = md.split(separator: "-").map { Int($0)! }
            #expect(!USMarketCalendar.isTradingDay(year, p[0], p[1]))
        }
    }

    @Test func weekendsAreClosedAndOrdinaryDaysOpen() {
        #expect(!USMarketCalendar.isTradingDay(2026, 11, 28))  // Saturday
        #expect(!USMarketCalendar.isTradingDay(2026, 11, 29))  // Sunday
        #expect(USMarketCalendar.isTradingDay(2026, 11, 24))   // Tuesday
        #expect(USMarketCalendar.isTradingDay(2026, 11, 27))   // the Friday after Thanksgiving (early close, but open)
    }

    @Test func afterTheCloseOnTradingDaysInNewYork() throws {
        let ny = TimeZone(identifier: "America/New_York")!
        let s = try CronSchedule("30 16 * * 1-5", timeZone: ny)
        // Wednesday 2026-11-25 17:00 New York → Thanksgiving is skipped → Friday 2026-11-27 16:30 EST (21:30 UTC).
        let next = try #require(s.next(after: UTCTimestamp.parse("2026-11-25T22:00:00Z")!))
        #expect(UTCTimestamp.format(next) == "2026-11-27T21:30:00.000Z")
        let after = try #require(s.next(after: next))
        #expect(UTCTimestamp.format(after) == "2026-11-30T21:30:00.000Z")  // Monday
        // Summer time: 16:30 EDT is 20:30 UTC.
        #expect(UTCTimestamp.format(s.next(after: UTCTimestamp.parse("2026-07-01T12:00:00Z")!)!) == "2026-07-01T20:30:00.000Z")
    }

    @Test func stepsListsAndCalendarDays() throws {
        let utc = TimeZone(identifier: "UTC")!
        let every15 = try CronSchedule("*/15 9-10 * * *", timeZone: utc, tradingDaysOnly: false)
        #expect(UTCTimestamp.format(every15.next(after: UTCTimestamp.parse("2026-11-24T09:01:00Z")!)!) == "2026-11-24T09:15:00.000Z")
        #expect(UTCTimestamp.format(every15.next(after: UTCTimestamp.parse("2026-11-24T10:45:00Z")!)!) == "2026-11-25T09:00:00.000Z")
        let monthly = try CronSchedule("0 0 1 * *", timeZone: utc, tradingDaysOnly: false)
        #expect(UTCTimestamp.format(monthly.next(after: UTCTimestamp.parse("2026-11-24T00:00:00Z")!)!) == "2026-12-01T00:00:00.000Z")
    }

    @Test(arguments: ["* * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8", "a * * * *", "*/0 * * * *", "5-1 * * * *"])
    func badExpressionsNameTheField(expression: String) {
        #expect(throws: ModelValidationError.self) { _ = try CronSchedule(expression, timeZone: TimeZone(identifier: "UTC")!) }
    }
}
