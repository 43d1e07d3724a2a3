import Foundation

/// NYSE/Nasdaq regular hours for US stocks: full holidays and 13:00 early closes, as the exchanges
/// publish them (NYSE "Holidays and Trading Hours", Rule 7.2). Pure and computed from rules, so any
/// year works; one-off closures (national days of mourning, storms, 9/11) are listed.
///
/// * Holidays: New Year's Day, Martin Luther King Jr. Day (from 1998), Washington's Birthday, Good
///   Friday, Memorial Day, Juneteenth (from 2022), Independence Day, Labor Day, Thanksgiving,
///   Christmas. One falling on a Sunday is observed on the Monday after; on a Saturday, on the
///   Friday before — except New Year's Day (no Friday closure in the old year).
/// * Early close at 13:00 US/Eastern (extended hours end at 17:00): July 3 when Independence Day
///   is a Tuesday to Friday, the day after Thanksgiving, Christmas Eve when it falls Monday to Thursday.
public enum PaperTradingHours {
    /// The session of one calendar day.
    public enum Session: Sendable, Equatable {
        /// Weekend or holiday.
        case closed
        /// Regular hours 09:30 to `close` (seconds after midnight US/Eastern; 16:00 or 13:00).
        case open(close: Int)
    }

    public static let regularClose = 16 * 3600
    public static let earlyClose = 13 * 3600

    /// One-off full closures (not from the yearly rules).
    static let specialClosures: Set<PaperDay> = [
        20010911, 20010912, 20010913, 20010914,  // September 11
        20040611,  // President Reagan's funeral
        20070102,  // President Ford's day of mourning
        20121029, 20121030,  // Hurricane Sandy
        20181205,  // President G. H. W. Bush's day of mourning
        20250109,  // President Carter's day of mourning
    ]

    /// The session of `day` (yyyyMMdd).
    public static func session(_ day: PaperDay) -> Session {
        let (y, m, d) = (day / 10_000, day / 100 % 100, day % 100)
        let wd = weekday(y, m, d)
        if wd == 0 || wd == 6 || specialClosures.contains(day) || holidays(y).contains(day) { return .closed }
        if earlyCloses(y).contains(day) { return .open(close: earlyClose) }
        return .open(close: regularClose)
    }

    /// Regular close of `day` in seconds after midnight US/Eastern; nil when the market is closed.
    public static func close(_ day: PaperDay) -> Int? {
        if case .open(let c) = session(day) { c } else { nil }
    }

    /// The close of `day` as `HH:mm:ss` (`16:00:00`, `13:00:00` on an early close; `16:00:00` for a closed day).
    public static func closeClock(_ day: PaperDay) -> String {
        let c = close(day) ?? regularClose
        return String(format: "%02d:%02d:00", c / 3600, c / 60 % 60)
    }

    /// IB's `tradingHours` / `liquidHours` strings for `days` calendar days from `from`:
    /// `20171124:0400-20171124:1700;20171125:CLOSED;…` (extended) and `…:0930-…:1300;…` (regular).
    public static func ibHours(from: PaperDay, days: Int) -> (trading: String, liquid: String) {
        var trading: [String] = [], liquid: [String] = []
        var day = from
        for _ in 0..<max(1, days) {
            switch session(day) {
            case .closed:
                trading.append("\(day):CLOSED")
                liquid.append("\(day):CLOSED")
            case .open(let close):
                let extendedEnd = close == earlyClose ? "1700" : "2000"
                trading.append("\(day):0400-\(day):\(extendedEnd)")
                liquid.append("\(day):0930-\(day):\(String(format: "%02d%02d", close / 3600, close / 60 % 60))")
            }
            day = PaperBroker.shift(day, months: 0, days: 1)
        }
        return (trading.joined(separator: ";"), liquid.joined(separator: ";"))
    }

    /// The full holidays of year `y` (observed dates).
    static func holidays(_ y: Int) -> Set<PaperDay> {
        var out: Set<PaperDay> = []
        func fixed(_ m: Int, _ d: Int, saturdayToFriday: Bool = true) {
            switch weekday(y, m, d) {
            case 0: out.insert(shift(date(y, m, d), 1))
            case 6: if saturdayToFriday { out.insert(shift(date(y, m, d), -1)) }
            default: out.insert(date(y, m, d))
            }
        }
        fixed(1, 1, saturdayToFriday: false)
        if y >= 1998 { out.insert(nth(3, weekday: 1, month: 1, year: y)) }  // MLK: 3rd Monday of January
        out.insert(nth(3, weekday: 1, month: 2, year: y))  // Washington's Birthday: 3rd Monday of February
        out.insert(shift(easter(y), -2))  // Good Friday
        out.insert(lastMonday(of: 5, y))  // Memorial Day
        if y >= 2022 { fixed(6, 19) }
        fixed(7, 4)
        out.insert(nth(1, weekday: 1, month: 9, year: y))  // Labor Day: 1st Monday of September
        out.insert(nth(4, weekday: 4, month: 11, year: y))  // Thanksgiving: 4th Thursday of November
        fixed(12, 25)
        return out
    }

    /// The 13:00 early closes of year `y`.
    static func earlyCloses(_ y: Int) -> Set<PaperDay> {
        var out: Set<PaperDay> = [shift(nth(4, weekday: 4, month: 11, year: y), 1)]  // day after Thanksgiving
        if (2...5).contains(weekday(y, 7, 4)) { out.insert(date(y, 7, 3)) }
        if (1...4).contains(weekday(y, 12, 24)) { out.insert(date(y, 12, 24)) }
        return out
    }

    static func date(_ y: Int, _ m: Int, _ d: Int) -> PaperDay { y * 10_000 + m * 100 + d }
    static func shift(_ day: PaperDay, _ days: Int) -> PaperDay { PaperBroker.shift(day, months: 0, days: days) }

    /// 0 = Sunday … 6 = Saturday (Sakamoto's method, Gregorian).
    static func weekday(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let t = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
        let yy = m < 3 ? y - 1 : y
        return (yy + yy / 4 - yy / 100 + yy / 400 + t[m - 1] + d) % 7
    }

    /// The `n`th weekday `wd` (0 = Sunday) of month `m` in year `y`.
    static func nth(_ n: Int, weekday wd: Int, month m: Int, year y: Int) -> PaperDay {
        let first = weekday(y, m, 1)
        return date(y, m, 1 + (wd - first + 7) % 7 + 7 * (n - 1))
    }

    static func lastMonday(of m: Int, _ y: Int) -> PaperDay {
        let last = PaperEndTime.daysIn(month: m, year: y)
        return date(y, m, last - (weekday(y, m, last) - 1 + 7) % 7)
    }

    /// Western Easter Sunday (anonymous Gregorian algorithm).
    static func easter(_ y: Int) -> PaperDay {
        let a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4
        let f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30
        let i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7
        let m = (a + 11 * h + 22 * l) / 451
        let month = (h + l - 7 * m + 114) / 31, day = (h + l - 7 * m + 114) % 31 + 1
        return date(y, month, day)
    }
}
