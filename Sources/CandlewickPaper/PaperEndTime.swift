import Foundation

/// A historical request's `endDateTime`, resolved to the last daily bar it may include.
///
/// IB ("Historical Bar Data"): `yyyyMMdd HH:mm:ss <zone>` (e.g. `US/Eastern`, `UTC`), `yyyyMMdd-HH:mm:ss`
/// (UTC), or `yyyyMMdd HH:mm:ss` with no zone, which TWS reads in its login time zone and answers
/// with warning 2174. A daily bar ends at the 16:00 US/Eastern close (13:00 on NYSE early-close days,
/// `PaperTradingHours`), so it belongs to a request
/// only when the end time is at or after that close: `20170602 00:00:00 UTC` (20:00 New York on
/// 06-01) ends with the 06-01 bar, `20170601 08:00:00 US/Eastern` (before the open) with 05-31.
/// A bare `yyyyMMdd` means the whole day (through its close).
public struct PaperEndTime: Sendable, Equatable {
    /// The latest day whose bar may be served (a calendar day; non-trading days just select earlier bars).
    public let lastDay: PaperDay
    /// True when the string had a time but no zone (IB's warning 2174 applies).
    public let zoneImplied: Bool

    /// The exchange's zone: daily bars close at 16:00 here; ib-paper's "login" zone for zone-less times.
    public static let exchangeZone = TimeZone(identifier: "US/Eastern") ?? TimeZone(identifier: "America/New_York")!
    static let closeSeconds = 16 * 3600

    /// Parses `s`; nil when the date, time or zone is invalid (IB error 10314).
    public static func parse(_ s: String) -> PaperEndTime? {
        let text = s.trimmingCharacters(in: .whitespaces)
        let bytes = Array(text.utf8)
        guard bytes.count >= 8, let day = dayOf(bytes[0..<8]) else { return nil }
        if bytes.count == 8 { return PaperEndTime(lastDay: day, zoneImplied: false) }
        let sep = bytes[8]
        guard sep == UInt8(ascii: " ") || sep == UInt8(ascii: "-"), bytes.count >= 17, let seconds = timeOf(bytes[9..<17]) else { return nil }
        let rest = String(decoding: bytes[17...], as: UTF8.self)
        let zone: TimeZone
        if sep == UInt8(ascii: "-") {
            guard rest.isEmpty else { return nil }
            zone = TimeZone(identifier: "UTC")!
        } else if rest.isEmpty {
            zone = exchangeZone
        } else {
            guard rest.first == " ", let z = Self.zone(String(rest.dropFirst())) else { return nil }
            zone = z
        }
        guard let instant = instant(day: day, seconds: seconds, in: zone) else { return nil }
        return PaperEndTime(lastDay: lastClosedDay(at: instant), zoneImplied: sep == UInt8(ascii: " ") && rest.isEmpty)
    }

    /// An IB zone name: an IANA id (`US/Eastern`, `America/New_York`, `UTC`, `GMT`, `Europe/London`).
    static func zone(_ name: String) -> TimeZone? {
        guard !name.isEmpty, !name.contains(" ") else { return nil }
        return TimeZone(identifier: name)
    }

    /// The last day whose close (16:00 US/Eastern, 13:00 on an early close) is at or before `instant`.
    public static func lastClosedDay(at instant: Date) -> PaperDay {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = exchangeZone
        let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .second], from: instant)
        let local = c.year! * 10_000 + c.month! * 100 + c.day!
        let secondOfDay = c.hour! * 3600 + c.minute! * 60 + c.second!
        // The day's own close: 13:00 on an early-close day (`PaperTradingHours`); a closed day has no bar either way.
        let close = PaperTradingHours.close(local) ?? closeSeconds
        return secondOfDay >= close ? local : PaperBroker.shift(local, months: 0, days: -1)
    }

    static func instant(day: PaperDay, seconds: Int, in zone: TimeZone) -> Date? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = zone
        return cal.date(from: DateComponents(year: day / 10_000, month: day / 100 % 100, day: day % 100,
                                             hour: seconds / 3600, minute: seconds / 60 % 60, second: seconds % 60))
    }

    static func dayOf(_ b: ArraySlice<UInt8>) -> PaperDay? {
        guard b.allSatisfy({ $0 >= 48 && $0 <= 57 }), let d = Int(String(decoding: b, as: UTF8.self)) else { return nil }
        let (y, m, day) = (d / 10_000, d / 100 % 100, d % 100)
        guard y >= 1900, (1...12).contains(m), (1...daysIn(month: m, year: y)).contains(day) else { return nil }
        return d
    }

    static func daysIn(month m: Int, year y: Int) -> Int {
        switch m {
        case 2: (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// `HH:mm:ss` → seconds of the day.
    static func timeOf(_ b: ArraySlice<UInt8>) -> Int? {
        let s = Array(b)
        guard s.count == 8, s[2] == UInt8(ascii: ":"), s[5] == UInt8(ascii: ":") else { return nil }
        func two(_ i: Int) -> Int? {
            guard (48...57).contains(s[i]), (48...57).contains(s[i + 1]) else { return nil }
            return Int(s[i] - 48) * 10 + Int(s[i + 1] - 48)
        }
        guard let h = two(0), let m = two(3), let sec = two(6), h < 24, m < 60, sec < 60 else { return nil }
        return h * 3600 + m * 60 + sec
    }
}
