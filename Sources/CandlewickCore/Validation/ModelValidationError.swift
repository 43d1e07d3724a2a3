import Foundation

/// A domain model refused a value. Names the model, the field and the rule, so a log line or a
/// rejected bus frame says exactly what was wrong and where.
public struct ModelValidationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The model type, e.g. `OHLCVBar`.
    public let model: String
    /// The snake_case field name as it appears in JSON, e.g. `stop_loss`.
    public let field: String
    /// The rule that failed, in words, e.g. `must be > 0`.
    public let rule: String

    public init(model: String, field: String, rule: String) {
        self.model = model
        self.field = field
        self.rule = rule
    }

    public var description: String { "\(model).\(field): \(rule)" }
}

/// Collects validation checks for one model so initialisers read as a list of rules.

struct Validator {
     let model: String

     init(_ model: String) { self.model = model }

    /// Throws `ModelValidationError` for `field` unless `condition` holds.
    
    func require(_ condition: Bool, _ field: String, _ rule: @autoclosure () -> String) throws {
        if !condition { throw ModelValidationError(model: model, field: field, rule: rule()) }
    }

    /// A price: finite and strictly positive.
    
    func positive(_ value: Decimal, _ field: String) throws {
        try require(value.isFinite && value > 0, field, "must be a finite number > 0, got \(value)")
    }

    /// An optional price: when present, finite and strictly positive.
    
    func positive(_ value: Decimal?, _ field: String) throws {
        if let value { try positive(value, field) }
    }

    /// A non-negative finite amount.
    
    func nonNegative(_ value: Decimal, _ field: String) throws {
        try require(value.isFinite && value >= 0, field, "must be a finite number >= 0, got \(value)")
    }

    /// A non-empty string after trimming white space.
    
    func nonEmpty(_ value: String, _ field: String) throws {
        try require(Self.hasNonSpace(value), field, "must not be empty")
    }

    /// Whether `s` trimmed of `.whitespacesAndNewlines` is non-empty. An ASCII byte that is not
    /// white space (tab, LF, VT, FF, CR, space) settles it without Foundation's trimming (which
    /// bridges through NSString and was ~10 % of a bus hop's CPU); a UTF-8 multi-byte sequence
    /// never contains ASCII bytes, so that answer is exact. Other strings are trimmed as before.
    static func hasNonSpace(_ s: String) -> Bool {
        for b in s.utf8 where b < 0x80 && b != 0x20 && !(0x09...0x0D).contains(b) { return true }
        return !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// An optional finite Double.
    
    func finite(_ value: Double?, _ field: String) throws {
        if let value { try require(value.isFinite, field, "must be finite, got \(value)") }
    }
}
