import Foundation

/// Reads the fields of one message in order, throwing `TWSProtocolError` that names the message id,
/// the field index and what was expected. Decoding follows ibapi: an empty int/double field reads as 0,
/// the optional readers turn every unset form (`""`, `2147483647`, `1.7976931348623157E308`, …) into nil.
public struct TWSFieldReader: Sendable {
    public let fields: [String]
    public let messageId: Int
    /// Index of the next field to read (0 is the message id).
    public private(set) var index = 1

    /// Starts after the message id; throws when the first field is not an integer.
    public init(fields: [String]) throws {
        guard let first = fields.first else { throw TWSProtocolError.emptyMessage }
        guard let id = Int(first), id >= 0 else { throw TWSProtocolError.unknownMessage(id: first, direction: "non-numeric") }
        self.fields = fields
        self.messageId = id
    }

    /// Fields not read yet.
    public var remaining: Int { fields.count - index }

    mutating func next(_ name: String) throws -> String {
        guard index < fields.count else { throw TWSProtocolError.truncated(messageId: messageId, index: index, name: name) }
        defer { index += 1 }
        return fields[index]
    }

    func bad(_ name: String, _ expected: String, _ found: String) -> TWSProtocolError {
        .badField(messageId: messageId, index: index - 1, name: name, expected: expected, found: found)
    }

    public mutating func string(_ name: String) throws -> String { try next(name) }

    /// Skips a field whose content does not matter (e.g. a per-message version).
    public mutating func skip(_ name: String) throws { _ = try next(name) }

    public mutating func int(_ name: String) throws -> Int {
        let s = try next(name)
        if s.isEmpty { return 0 }
        guard s.count <= 20, let v = Int(s) else { throw bad(name, "an integer", s) }
        return v
    }

    public mutating func optionalInt(_ name: String) throws -> Int? {
        let s = try next(name)
        if TWSWire.isUnset(s) { return nil }
        guard s.count <= 20, let v = Int(s) else { throw bad(name, "an integer or unset", s) }
        return v
    }

    public mutating func bool(_ name: String) throws -> Bool {
        let s = try next(name)
        if s.isEmpty { return false }
        if s == "true" { return true }
        if s == "false" { return false }
        guard s.count <= 20, let v = Int(s) else { throw bad(name, "0/1", s) }
        return v != 0
    }

    public mutating func double(_ name: String) throws -> Double {
        let s = try next(name)
        if s.isEmpty { return 0 }
        if TWSWire.isUnset(s) { return TWSWire.unsetDouble }
        guard let v = TWSNumberText.parseDouble(s) else { throw bad(name, "a number", s) }
        return v
    }

    public mutating func optionalDouble(_ name: String) throws -> Double? {
        let s = try next(name)
        if TWSWire.isUnset(s) { return nil }
        guard let v = TWSNumberText.parseDouble(s) else { throw bad(name, "a number or unset", s) }
        return v
    }

    public mutating func decimal(_ name: String) throws -> Decimal {
        let s = try next(name)
        if s.isEmpty { return 0 }
        guard let v = TWSNumberText.parseDecimal(s) else { throw bad(name, "a decimal number", s) }
        return v
    }

    public mutating func optionalDecimal(_ name: String) throws -> Decimal? {
        let s = try next(name)
        if TWSWire.isUnset(s) { return nil }
        guard let v = TWSNumberText.parseDecimal(s) else { throw bad(name, "a decimal number or unset", s) }
        return v
    }

    /// A count that sizes a following list: must be 0...limit.
    public mutating func count(_ name: String, limit: Int = 100_000) throws -> Int {
        let v = try int(name)
        guard v >= 0, v <= limit else { throw bad(name, "a count 0...\(limit)", String(v)) }
        return v
    }

    /// Throws `unsupported` when `condition` holds: a feature outside our subset is present.
    public func refuse(_ condition: Bool, _ feature: String) throws {
        if condition { throw TWSProtocolError.unsupported(messageId: messageId, feature: feature) }
    }
}
