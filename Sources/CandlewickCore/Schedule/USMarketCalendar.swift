import Foundation

/// Trading days of the US stock exchanges (NYSE/Nasdaq full-day closures): weekends and the
/// standard holidays with their observance rules. Early closes are not modelled.
public enum USMarketCalendar {
    /// Whether (year, month, day) is a full trading day.
    public static func isTradingDay(_ y: Int, _ m: Int, _ d: Int) -> Bool {
        let wd = weekday(y, m, d)
        return wd != 0 && wd != 6 && !holidays(y).contains(where: { $0 == (m, d) })
    }

    /// Whether the regular session (09:30–16:00 America/New_York) is open at `instant`.
    public static func isRegularSessionOpen(at instant: Date) -> Bool {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = TimeZone(identifier: "America/New_York") ?? TimeZone(secondsFromGMT: -5 * 3600)!
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute], from: instant)
        guard let y = c.year, let m = c.month, let d = c.day, let hh = c.hour, let mm = c.minute, isTradingDay(y, m, d) else { return false }
        let minute = hh * 60 + mm
        return minute >= 9 * 60 + 30 && minute < 16 * 60
    }

    /// The full-day closures of `year` as (month, day), observed dates.
    public static func holidays(_ year: Int) -> [(Int, Int)] {
        var h: [(Int, Int)] = []
        // New Year's Day; on a Saturday it is not observed on the Friday before (the year-end close stays).
        let ny = weekday(year, 1, 1)
        if ny == 0 { h.append((1, 2)) } else if ny != 6 { h.append((1, 1)) }
        h.append((1, nthWeekday(year, 1, weekday: 1, n: 3)))     // Martin Luther King Jr. Day
        h.append((2, nthWeekday(year, 2, weekday: 1, n: 3)))     // Washington's Birthday
        let easter = easterSunday(year)                           // Good Friday
        let gf = civil(days(year, easter.0, easter.1) - 2)
        h.append((gf.1, gf.2))
        h.append((5, lastWeekday(year, 5, weekday: 1)))           // Memorial Day
        if year >= 2022 { h.append(observed(year, 6, 19)) }       // Juneteenth
        h.append(observed(year, 7, 4))                            // Independence Day
        h.append((9, nthWeekday(year, 9, weekday: 1, n: 1)))      // Labor Day
        h.append((11, nthWeekday(year, 11, weekday: 4, n: 4)))    // Thanksgiving
        h.append(observed(year, 12, 25))                          // Christmas
        return h
    }

    /// Saturday → the Friday before, Sunday → the Monday after.
    static func observed(_ y: Int, _ m: Int, _ d: Int) -> (Int, Int) {
        let wd = weekday(y, m, d)
        let shift = wd == 6 ? -1 : wd == 0 ? 1 : 0
        let c = civil(days(y, m, d) + shift)
        return (c.1, c.2)
    }

    /// 0 = Sunday … 6 = Saturday.
    static func weekday(_ y: Int, _ m: Int, _ d: Int) -> Int { ((days(y, m, d) % 7) + 11) % 7 }

    static func nthWeekday(_ y: Int, _ m: Int, weekday wd: Int, n: Int) -> Int {
        let first = weekday(y, m, 1)
        return 1 + (wd - first + 7) % 7 + 7 * (n - 1)
    }

    static func lastWeekday(_ y: Int, _ m: Int, weekday wd: Int) -> Int {
        let lastDay = civil(days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1).2
        return lastDay - (weekday(y, m, lastDay) - wd + 7) % 7
    }

    /// Anonymous Gregorian algorithm.
    static func easterSunday(_ y: Int) -> (Int, Int) {
        let a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4, f = (b + 8) / 25, g = (b - f + 1) / 3
        let h = (19 * a + b - d - g + 15) % 30, i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        return ((h + l - 7 * m + 114) / 31, (h + l - 7 * m + 114) % 31 + 1)
    }

    static func days(_ y: Int, _ m: Int, _ d: Int) -> Int { UTCTimestamp.daysFromCivil(y, m, d) }
    static func civil(_ days: Int) -> (Int, Int, Int) { UTCTimestamp.civil(fromDays: days) }
}
