import Foundation

/// A five-field cron expression (minute hour day-of-month month day-of-week; `*`, lists, ranges and
/// `/step`; day-of-week 0–7 with 0 and 7 = Sunday) evaluated in a time zone, optionally restricted
/// to US trading days — e.g. `30 16 * * 1-5` in America/New_York: half an hour after the close.
public struct CronSchedule: Sendable {
    let minutes: Set<Int>, hours: Set<Int>, days: Set<Int>, months: Set<Int>, weekdays: Set<Int>
    let dayRestricted: Bool, weekdayRestricted: Bool
    public let timeZone: TimeZone
    public let tradingDaysOnly: Bool

    /// Throws a `ModelValidationError` naming the field that is wrong.
    public init(_ expression: String, timeZone: TimeZone, tradingDaysOnly: Bool = true) throws {
        let f = expression.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard f.count == 5 else {
            throw ModelValidationError(model: "CronSchedule", field: "expression", rule: "needs 5 fields (minute hour day month weekday), got \(f.count)")
        }
        minutes = try Self.field(f[0], 0...59, "minute")
        hours = try Self.field(f[1], 0...23, "hour")
        days = try Self.field(f[2], 1...31, "day")
        months = try Self.field(f[3], 1...12, "month")
        weekdays = Set(try Self.field(f[4], 0...7, "weekday").map { $0 % 7 })
        dayRestricted = f[2] != "*"
        weekdayRestricted = f[4] != "*"
        self.timeZone = timeZone
        self.tradingDaysOnly = tradingDaysOnly
    }

    static func field(_ text: String, _ range: ClosedRange<Int>, _ name: String) throws -> Set<Int> {
        var out = Set<Int>()
        for part in text.split(separator: ",") {
            let pieces = part.split(separator: "/", maxSplits: 1)
            let step = pieces.count == 2 ? Int(pieces[1]) : 1
            guard let step, step > 0 else { throw ModelValidationError(model: "CronSchedule", field: name, rule: "bad step in \(part)") }
            var lo = range.lowerBound, hi = range.upperBound
            if pieces[0] != "*" {
                let bounds = pieces[0].split(separator: "-", maxSplits: 1).map { Int($0) }
                guard let first = bounds.first ?? nil, bounds.allSatisfy({ $0 != nil }) else {
                    throw ModelValidationError(model: "CronSchedule", field: name, rule: "not a number or range: \(part)")
                }
                lo = first
                hi = bounds.count == 2 ? bounds[1]! : (pieces.count == 2 ? range.upperBound : first)
            }
            guard range.contains(lo), range.contains(hi), lo <= hi else {
                throw ModelValidationError(model: "CronSchedule", field: name, rule: "\(part) is outside \(range.lowerBound)-\(range.upperBound)")
            }
            out.formUnion(stride(from: lo, through: hi, by: step))
        }
        return out
    }

    /// The first matching minute strictly after `date` (searching up to two years ahead).
    public func next(after date: Date) -> Date? {
        var cal = Calendar(identifier: .gregorian)
        cal.timeZone = timeZone
        var t = cal.date(bySetting: .second, value: 0, of: date.addingTimeInterval(60)) ?? date
        if t <= date { t = t.addingTimeInterval(60) }
        let limit = date.addingTimeInterval(2 * 366 * 86_400)
        while t < limit {
            let c = cal.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: t)
            let (y, m, d, wd) = (c.year!, c.month!, c.day!, c.weekday! - 1)
            let dayOK: Bool = switch (dayRestricted, weekdayRestricted) {
            case (true, true): days.contains(d) || weekdays.contains(wd)   // cron's "either" rule
            case (true, false): days.contains(d)
            case (false, true): weekdays.contains(wd)
            case (false, false): true
            }
            guard months.contains(m), dayOK, !tradingDaysOnly || USMarketCalendar.isTradingDay(y, m, d) else {
                // Jump to the start of the next day.
                t = cal.date(byAdding: .day, value: 1, to: cal.startOfDay(for: t))!
                continue
            }
            if hours.contains(c.hour!), minutes.contains(c.minute!) { return t }
            t = t.addingTimeInterval(60)
        }
        return nil
    }
}
