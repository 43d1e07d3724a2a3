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
        try require(!value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, field, "must not be empty")
    }

    /// An optional finite Double.
    
    func finite(_ value: Double?, _ field: String) throws {
        if let value { try require(value.isFinite, field, "must be finite, got \(value)") }
    }
}
