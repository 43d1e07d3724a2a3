import Foundation

/// Parses plain decimal numbers (`-12.3450`, `4006500.0`, `1e-4`) from UTF-8 bytes without going
/// through `String` and `Decimal(string:)`, which dominate the cost of reading large CSV files.
enum DecimalParsing {
    /// The value of `bytes`, or nil when they are not a finite decimal number.
    static func parse(_ bytes: ArraySlice<UInt8>) -> Decimal? {
        var i = bytes.startIndex
        let end = bytes.endIndex
        while i < end, bytes[i] == 32 { i += 1 }
        var e = end
        while e > i, bytes[e - 1] == 32 || bytes[e - 1] == 13 { e -= 1 }
        guard i < e else { return nil }
        var negative = false
        if bytes[i] == 45 || bytes[i] == 43 { negative = bytes[i] == 45; i += 1 }
        var significand: UInt64 = 0
        var digits = 0, exponent = 0, sawDigit = false, sawPoint = false
        while i < e {
            let b = bytes[i]
            if b >= 48 && b <= 57 {
                sawDigit = true
                if digits < 19 {
                    significand = significand * 10 + UInt64(b - 48)
                    if significand > 0 { digits += 1 }
                    if sawPoint { exponent -= 1 }
                } else if !sawPoint {
                    exponent += 1  // beyond 19 significant digits: keep the magnitude, drop the tail
                }
            } else if b == 46, !sawPoint {
                sawPoint = true
            } else if b == 101 || b == 69 {
                break
            } else {
                return nil
            }
            i += 1
        }
        guard sawDigit else { return nil }
        if i < e {  // exponent part
            i += 1
            var expNegative = false
            if i < e, bytes[i] == 45 || bytes[i] == 43 { expNegative = bytes[i] == 45; i += 1 }
            var value = 0
            var any = false
            while i < e, bytes[i] >= 48, bytes[i] <= 57, value < 10_000 {
                value = value * 10 + Int(bytes[i] - 48)
                any = true
                i += 1
            }
            guard any, i == e else { return nil }
            exponent += expNegative ? -value : value
        }
        guard abs(exponent) < 120 else { return nil }
        return Decimal(sign: negative && significand != 0 ? .minus : .plus, exponent: exponent, significand: Decimal(significand))
    }
}
