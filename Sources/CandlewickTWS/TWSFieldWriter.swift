import CandlewickCore
import Foundation

/// Builds the fields of one message. Values follow ibapi's text forms: ints in decimal, bools as
/// `1`/`0`, doubles like Python `str()` (`185.5`, `200.0`), decimals as plain decimal text.
public struct TWSFieldWriter: Sendable {
    public private(set) var fields: [String] = []

    public init(messageId: Int) { fields = [String(messageId)] }

    /// A string field, written as is.
    public mutating func add(_ s: String) { fields.append(s) }
    public mutating func add(_ i: Int) { fields.append(String(i)) }
    public mutating func add(_ i: Int64) { fields.append(String(i)) }
    public mutating func add(_ b: Bool) { fields.append(b ? "1" : "0") }
    public mutating func add(_ d: Double) { fields.append(TWSNumberText.double(d)) }
    public mutating func add(_ d: Decimal) { fields.append(TWSNumberText.decimal(d)) }

    /// An optional int: nil as the empty string (ibapi `make_field_handle_empty`).
    public mutating func add(_ i: Int?) { fields.append(i.map { String($0) } ?? "") }
    /// An optional double: nil as the empty string, or as `unset` text when given.
    public mutating func add(_ d: Double?, unset: String = "") { fields.append(d.map { TWSNumberText.double($0) } ?? unset) }
    /// An optional decimal: nil as the empty string, or as `unset` text when given.
    public mutating func add(_ d: Decimal?, unset: String = "") { fields.append(d.map { TWSNumberText.decimal($0) } ?? unset) }

    /// The framed bytes (length prefix + NUL-terminated fields). Throws when a field holds a NUL.
    public func frame() throws -> Data { try TWSFraming.frame(fields) }
}

/// Number ↔ text as both sides of the wire use it.
public enum TWSNumberText {
    /// Python `str(float)`-compatible for ordinary values (`185.5`, `200.0`, `1e-05`).
    public static func double(_ d: Double) -> String {
        if d == TWSWire.unsetDouble { return TWSWire.unsetDoubleJava }
        return "\(d)"
    }

    /// Plain decimal text (`10`, `0.5`, `185.25`).
    public static func decimal(_ d: Decimal) -> String { DecimalText.plain(d) }

    /// Whether every byte is one of `0123456789+-.eE` (and there is at least one).
    static func isNumberText(_ s: String, maxLength: Int) -> Bool {
        let u = s.utf8
        guard !u.isEmpty, u.count < maxLength else { return false }
        return u.allSatisfy { ($0 >= 48 && $0 <= 57) || $0 == 43 || $0 == 45 || $0 == 46 || $0 == 101 || $0 == 69 }
    }

    /// A finite double from wire text, nil when the text is not a number.
    public static func parseDouble(_ s: String) -> Double? {
        guard isNumberText(s, maxLength: 400), let d = Double(s), d.isFinite else { return nil }
        return d
    }

    /// A decimal from wire text, nil when the text is not a plain number.
    public static func parseDecimal(_ s: String) -> Decimal? {
        guard isNumberText(s, maxLength: 60) else { return nil }
        return DecimalText.parse(s)
    }
}
