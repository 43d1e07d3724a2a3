import Foundation

/// Exact, fast conversions between `Decimal`, plain decimal text and `Double`.
///
/// Foundation's `Decimal.description`, `NSDecimalString` and `Decimal(string:)` take several
/// microseconds each on Linux; a symbol's 1,000 bars need 5,000 of them at every hop of the data
/// path. These take the integer significand and the exponent instead (about 0.1 µs) and fall back
/// to Foundation only for values with more than 15 significant digits.
public enum DecimalText {
    /// `d` as sign, integer significand (< 10^15) and power of ten; nil for NaN and for longer significands.
    static func parts(_ d: Decimal) -> (negative: Bool, significand: UInt64, exponent: Int)? {
        guard d.isFinite else { return nil }
        if d.isZero { return (false, 0, 0) }
        let s = NSDecimalNumber(decimal: d.significand).doubleValue.magnitude  // exact: an integer below 2^53
        guard s < 1e15 else { return nil }
        return (d.sign == .minus, UInt64(s), d.exponent)
    }

    private static let powersOfTen: [Double] = (0...22).map { pow(10, Double($0)) }

    /// Plain text without exponent or grouping, as `NSDecimalString` in the POSIX locale writes it:
    /// `10`, `0.5`, `-185.25`, `0.0001`.
    public static func plain(_ d: Decimal) -> String {
        guard let (negative, significand, exponent) = parts(d), abs(exponent) <= 40 else {
            var v = d
            return NSDecimalString(&v, Locale(identifier: "en_US_POSIX"))
        }
        var digits = String(significand)
        if exponent > 0 {
            digits += String(repeating: "0", count: exponent)
        } else if exponent < 0 {
            let places = -exponent
            if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
            digits.insert(".", at: digits.index(digits.endIndex, offsetBy: -places))
            while digits.hasSuffix("0") { digits.removeLast() }  // a Decimal keeps trailing zeros; its text does not
            if digits.hasSuffix(".") { digits.removeLast() }
        }
        return negative && significand != 0 ? "-" + digits : digits
    }

    /// The `Double` nearest to `d` (one correctly rounded multiplication or division when the
    /// significand and the power of ten are both exact doubles).
    public static func double(_ d: Decimal) -> Double {
        guard let (negative, significand, exponent) = parts(d), abs(exponent) <= 22 else {
            return Double(plain(d)) ?? .nan
        }
        let s = Double(significand)
        let v = exponent >= 0 ? s * powersOfTen[exponent] : s / powersOfTen[-exponent]
        return negative ? -v : v
    }

    /// The `Double` exactly as its text: when `d` has at most 15 significant digits, `Double`'s
    /// shortest representation prints the same digits, so encoding it loses nothing. Nil otherwise.
    public static func roundTripDouble(_ d: Decimal) -> Double? {
        guard let p = parts(d), abs(p.exponent) <= 22 else { return nil }
        return double(d)
    }

    /// The decimal with the digits of `x`'s shortest representation (`185.25` for 185.25, not the
    /// binary expansion); nil for NaN and infinities.
    public static func decimal(shortest x: Double) -> Decimal? {
        guard x.isFinite else { return nil }
        return DecimalParsing.parse(ArraySlice(x.description.utf8))
    }

    /// The decimal in plain text (`-12.5`, `1e-4`), parsed without Foundation; nil when not a finite number.
    public static func parse(_ text: some StringProtocol) -> Decimal? {
        DecimalParsing.parse(ArraySlice(text.utf8))
    }
}

extension KeyedEncodingContainer {
    /// Writes `value` as a JSON number: through `Double` when that is exact (up to 15 significant
    /// digits, whose shortest `Double` text has exactly the decimal's digits), otherwise as `Decimal`,
    /// which Foundation writes about 50x slower but keeps every digit.
    public mutating func encodeExact(_ value: Decimal, forKey key: Key) throws {
        if let exact = DecimalText.roundTripDouble(value) {
            try encode(exact, forKey: key)
        } else {
            try encode(value, forKey: key)
        }
    }
}
