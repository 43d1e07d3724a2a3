import Foundation
import Testing
@testable import CandlewickPaper

/// NYSE holidays and 13:00 early closes (NYSE "Holidays and Trading Hours"), checked against literal
/// published dates and against every trading day in the bundled real AAPL file (2004-08-19 … 2018-01-19).
@Suite struct PaperTradingHoursTests {
    typealias Session = PaperTradingHours.Session
    static let closed = Session.closed, early = Session.open(close: 13 * 3600), regular = Session.open(close: 16 * 3600)
    static let publishedDays: [(Int, Session)] = [
        (20171123, closed),  // Thanksgiving
        (20171124, early),  // the day after
        (20170703, early),  // July 3, Independence Day on a Tuesday
        (20170704, closed),
        (20180703, early),
        (20150703, closed),  // July 4 on a Saturday: observed Friday, no early close on the 2nd
        (20150702, regular),
        (20220701, regular),  // July 4 on a Monday: no early close on Friday
        (20181224, early),  // Christmas Eve on a Monday
        (20211224, closed),  // Christmas on a Saturday: observed Friday the 24th
        (20211231, regular),  // New Year's Day 2022 on a Saturday: no Friday closure
        (20170102, closed),  // New Year's Day on a Sunday: observed Monday
        (20170414, closed),  // Good Friday
        (20190419, closed),
        (20220620, closed),  // Juneteenth (Sunday) observed Monday, from 2022
        (20210618, regular),  // not yet a market holiday in 2021
        (20250109, closed),  // President Carter's day of mourning
        (20121029, closed),  // Hurricane Sandy
        (20170529, closed),  // Memorial Day
        (20170904, closed),  // Labor Day
        (20170116, closed),  // Martin Luther King Jr. Day
        (20170220, closed),  // Washington's Birthday
        (20171125, closed),  // Saturday
        (20171122, regular),
    ]

    @Test("published holidays and early closes", arguments: publishedDays)
    func published(day: Int, session: PaperTradingHours.Session) {
        #expect(PaperTradingHours.session(day) == session, "\(day)")
    }

    @Test func everyWeekdayOfTheRealFileIsATradingDayIffItHasABar() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/data/daily/AAPL.csv")
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").dropFirst()
        let days = Set(lines.compactMap { Int($0.prefix(10).replacingOccurrences(of: "-", with: "")) })
        #expect(days.count > 3000)
        var day = try #require(days.min())
        var checked = 0
        while day <= days.max()! {
            let open = PaperTradingHours.session(day) != .closed
            #expect(open == days.contains(day), "\(day): table says \(open ? "open" : "closed")")
            checked += 1
            day = PaperBroker.shift(day, months: 0, days: 1)
        }
        #expect(checked > 4900)
    }

    @Test func ibHoursStringsMarkClosedDaysAndTheEarlyClose() {
        let h = PaperTradingHours.ibHours(from: 20171122, days: 4)
        #expect(h.trading == "20171122:0400-20171122:2000;20171123:CLOSED;20171124:0400-20171124:1700;20171125:CLOSED")
        #expect(h.liquid == "20171122:0930-20171122:1600;20171123:CLOSED;20171124:0930-20171124:1300;20171125:CLOSED")
    }

    @Test("a daily bar belongs to an end time at or after that day's close, 13:00 on a half day")
    func endTimeUsesTheDaysClose() throws {
        #expect(try #require(PaperEndTime.parse("20171124 13:00:00 US/Eastern")).lastDay == 20171124)
        #expect(try #require(PaperEndTime.parse("20171124 12:59:59 US/Eastern")).lastDay == 20171123)
        #expect(try #require(PaperEndTime.parse("20171122 15:59:59 US/Eastern")).lastDay == 20171121)
        #expect(try #require(PaperEndTime.parse("20171122 16:00:00 US/Eastern")).lastDay == 20171122)
    }
}
