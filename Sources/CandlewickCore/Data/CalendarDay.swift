import Foundation

/// Days as `YYYY-MM-DD` text and as ib-paper's `YYYYMMDD`.
public enum CalendarDay {
    /// Days since 1970-01-01 of a `YYYY-MM-DD` or `YYYYMMDD` day (nil when it is not a real date).
    public static func number(_ text: String) -> Int? {
        let digits = text.replacingOccurrences(of: "-", with: "")
        guard digits.count == 8, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber),
              let y = Int(digits.prefix(4)), let m = Int(digits.dropFirst(4).prefix(2)), let d = Int(digits.suffix(2)),
              (1...12).contains(m), (1...31).contains(d) else { return nil }
        let n = UTCTimestamp.daysFromCivil(y, m, d)
        let back = UTCTimestamp.civil(fromDays: n)
        return back == (y, m, d) ? n : nil
    }

    /// `YYYY-MM-DD` from ib-paper's `YYYYMMDD` (or the same text when it already has dashes).
    public static func dashed(_ text: String) -> String {
        let digits = text.replacingOccurrences(of: "-", with: "")
        guard digits.count == 8 else { return text }
        return "\(digits.prefix(4))-\(digits.dropFirst(4).prefix(2))-\(digits.suffix(2))"
    }

    /// The UTC day of a bar's timestamp, `YYYY-MM-DD`.
    public static func of(_ date: Date) -> String { UTCTimestamp.formatDay(date) }
}
