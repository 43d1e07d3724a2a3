import Foundation

/// The one JSON dialect of Candlewick: snake_case keys (declared per model), ISO-8601 UTC timestamps
/// with milliseconds, sorted keys so equal values encode to equal bytes.
public enum CandlewickJSON {
    /// A fresh encoder with the project's settings.
    public static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        e.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(UTCTimestamp.format(date))
        }
        e.nonConformingFloatEncodingStrategy = .throw
        return e
    }

    /// A fresh decoder that accepts ISO-8601 timestamps with or without fractional seconds and
    /// with any offset, and plain dates (`2024-01-31`, taken as midnight UTC).
    public static func decoder() -> JSONDecoder {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .custom { decoder in
            let c = try decoder.singleValueContainer()
            let text = try c.decode(String.self)
            guard let date = UTCTimestamp.parse(text) else {
                throw DecodingError.dataCorruptedError(in: c, debugDescription: "not an ISO-8601 timestamp: \(text)")
            }
            return date
        }
        return d
    }

    /// Encodes a value with the project's settings.
    public static func encode<T: Encodable>(_ value: T) throws -> Data { try encoder().encode(value) }

    /// Decodes (and therefore validates) a value with the project's settings.
    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try decoder().decode(type, from: data)
    }
}

/// Fast, locale-free ISO-8601 formatting and parsing in UTC.
public enum UTCTimestamp {
    /// `2024-01-31T21:00:00.000Z`.
    public static func format(_ date: Date) -> String {
        let f = Fields(date)
        guard (0...9999).contains(f.y) else { return f.formatted() }
        return String(unsafeUninitializedCapacity: 24) { f.write(into: $0) }
    }

    /// Appends `format(date)`'s UTF-8 bytes to `bytes` without making a `String` (the envelope's
    /// and payloads' timestamps).
    static func append(_ date: Date, to bytes: inout [UInt8]) {
        let f = Fields(date)
        guard (0...9999).contains(f.y) else {
            bytes.append(contentsOf: f.formatted().utf8)
            return
        }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { b in
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: b[..<f.write(into: b)]))
        }
    }

    /// A timestamp's calendar fields in UTC, to the millisecond (rounded down).
    private struct Fields {
        let y: Int, m: Int, d: Int, secOfDay: Int, millis: Int

        init(_ date: Date) {
            let totalMillis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
            millis = Int(((totalMillis % 1000) + 1000) % 1000)
            let seconds = (totalMillis - Int64(millis)) / 1000
            let days = Int(floorDiv(seconds, 86_400))
            secOfDay = Int(seconds - Int64(days) * 86_400)
            (y, m, d) = civil(fromDays: days)
        }

        /// The years `write` cannot hold in four digits.
        func formatted() -> String {
            String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, secOfDay / 3600, secOfDay / 60 % 60, secOfDay % 60, millis)
        }

        /// `yyyy-mm-ddThh:mm:ss.mmmZ` at the start of `b` (24 bytes; the year is in 0...9999).
        func write(into b: UnsafeMutableBufferPointer<UInt8>) -> Int {
            var i = writeDay(y, m, d, into: b)
            b[i] = 84  // T
            i = writeDigits(secOfDay / 3600, 2, into: b, at: i + 1)
            b[i] = 58  // :
            i = writeDigits(secOfDay / 60 % 60, 2, into: b, at: i + 1)
            b[i] = 58
            i = writeDigits(secOfDay % 60, 2, into: b, at: i + 1)
            b[i] = 46  // .
            i = writeDigits(millis, 3, into: b, at: i + 1)
            b[i] = 90  // Z
            return i + 1
        }
    }

    /// `2024-01-31` for the UTC day of `date`.
    public static func formatDay(_ date: Date) -> String {
        let days = Int(floorDiv(Int64(date.timeIntervalSince1970.rounded(.down)), 86_400))
        let (y, m, d) = civil(fromDays: days)
        guard (0...9999).contains(y) else { return String(format: "%04d-%02d-%02d", y, m, d) }
        return String(unsafeUninitializedCapacity: 10) { writeDay(y, m, d, into: $0) }
    }

    /// `yyyy-mm-dd` at the start of `b`; returns the length written (10; the year is in 0...9999).
    private static func writeDay(_ y: Int, _ m: Int, _ d: Int, into b: UnsafeMutableBufferPointer<UInt8>) -> Int {
        var i = writeDigits(y, 4, into: b, at: 0)
        b[i] = 45
        i = writeDigits(m, 2, into: b, at: i + 1)
        b[i] = 45
        return writeDigits(d, 2, into: b, at: i + 1)
    }

    /// `value` as exactly `width` zero-padded digits at `at`; returns the index after them.
    private static func writeDigits(_ value: Int, _ width: Int, into b: UnsafeMutableBufferPointer<UInt8>, at: Int) -> Int {
        var v = value
        for k in stride(from: at + width - 1, through: at, by: -1) {
            b[k] = UInt8(48 + v % 10)
            v /= 10
        }
        return at + width
    }

    /// Parses `2024-01-31`, `20240131`, `2024-01-31T21:00:00Z`, `…:00.123Z` or `…:00+02:00`.
    public static func parse(_ text: String) -> Date? {
        var text = text
        return text.withUTF8 { parse(utf8: $0) }
    }

    /// `parse` over UTF-8 bytes, in place (an envelope header's timestamps: no `String`, no copy).
    /// Bytes that are not ASCII are never part of a timestamp, so invalid UTF-8 gives nil.
    static func parse(utf8 b: UnsafeBufferPointer<UInt8>) -> Date? {
        func num(_ from: Int, _ len: Int) -> Int? {
            guard from + len <= b.count else { return nil }
            var v = 0
            for i in from..<(from + len) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        if b.count == 8, let y = num(0, 4), let m = num(4, 2), let d = num(6, 2) {
            return date(y, m, d, 0, 0, 0, 0, 0)
        }
        guard b.count >= 10, let y = num(0, 4), b[4] == 45, let m = num(5, 2), b[7] == 45, let d = num(8, 2) else {
            return nil
        }
        if b.count == 10 { return date(y, m, d, 0, 0, 0, 0, 0) }
        guard b.count >= 19, b[10] == 84 || b[10] == 32, let hh = num(11, 2), b[13] == 58, let mm = num(14, 2),
              b[16] == 58, let ss = num(17, 2) else { return nil }
        var i = 19
        var frac = 0.0
        if i < b.count, b[i] == 46 {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 { frac += Double(b[i] - 48) * scale; scale /= 10; i += 1 }
            if i == start { return nil }
        }
        var offset = 0
        if i == b.count {
            offset = 0
        } else if b[i] == 90, i + 1 == b.count {
            offset = 0
        } else if b[i] == 43 || b[i] == 45, let oh = num(i + 1, 2) {
            var om = 0
            if i + 3 < b.count {
                let at = b[i + 3] == 58 ? i + 4 : i + 3
                guard let v = num(at, 2), at + 2 == b.count else { return nil }
                om = v
            } else if i + 3 != b.count { return nil }
            offset = (oh * 60 + om) * 60 * (b[i] == 45 ? -1 : 1)
        } else {
            return nil
        }
        return date(y, m, d, hh, mm, ss, frac, offset)
    }

    private static func date(_ y: Int, _ m: Int, _ d: Int, _ hh: Int, _ mm: Int, _ ss: Int, _ frac: Double,
                             _ offset: Int) -> Date? {
        guard (1...12).contains(m), (1...31).contains(d), hh < 24, mm < 60, ss < 61 else { return nil }
        let days = daysFromCivil(y, m, d)
        guard civil(fromDays: days) == (y, m, d) else { return nil }
        let secs = Double(days) * 86_400 + Double(hh * 3600 + mm * 60 + ss - offset) + frac
        return Date(timeIntervalSince1970: secs)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Days since 1970-01-01 of the proleptic Gregorian day y-m-d (Howard Hinnant's days-from-civil).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The proleptic Gregorian (year, month, day) of a day number since 1970-01-01 (Howard Hinnant's civil-from-days).
    static func civil(fromDays z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
