/// An error with a stable, machine-readable `code` beside its message: a log field, a counter name, a
/// reason a caller can act on without parsing text. Codes are snake_case and never change meaning.
public protocol CodedError: Error, CustomStringConvertible {
    var code: String { get }
}

extension CodedError {
    /// Log metadata for the error: `error.code` and `error` (the message).
    public var logFields: [String: String] { ["error.code": code, "error": description] }
}

extension ModelValidationError: CodedError {
    /// `invalid_model`: a value broke a model's rule (the message names model, field and rule).
    public var code: String { "invalid_model" }
}

extension BusRejection: CodedError {
    /// The rejection reason (`bad_framing`, `not_envelope`, `unknown_type`, …).
    public var code: String { reason.rawValue }
}

extension BarCSVError: CodedError {
    /// `invalid_csv`: a file that cannot be read as bars.
    public var code: String { "invalid_csv" }
}
