import CandlewickCore

extension ConfigError: CodedError {
    /// `invalid_config`: a key is unknown, malformed or out of range (the location names file:line or the variable).
    public var code: String { "invalid_config" }
}
