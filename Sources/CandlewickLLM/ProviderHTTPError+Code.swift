import CandlewickCore

extension ProviderHTTPError: CodedError {
    /// `http_<status>` (e.g. `http_429` rate limited, `http_401` bad key).
    public var code: String { "http_\(status)" }
}
