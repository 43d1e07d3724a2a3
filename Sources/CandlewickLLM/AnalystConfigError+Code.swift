import CandlewickCore

extension AnalystConfigError: CodedError {
    /// `invalid_llm_config`: the analyst cannot be set up from `llm.*` and the environment.
    public var code: String { "invalid_llm_config" }
}
