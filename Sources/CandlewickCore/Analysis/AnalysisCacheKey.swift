import Foundation

/// The identity of an analysis: same provider, model, prompt and schema version, same charts
/// (their sha256) and same computed numbers → the same answer may be replayed.
public struct AnalysisCacheKey: Sendable, Hashable {
    public let provider: String
    public let model: String
    public let promptVersion: String
    public let schemaVersion: String
    public let chartHashes: [String]
    /// The user prompt text (it carries every computed number).
    public let promptDigest: String

    public init(provider: String, model: String, promptVersion: String = AnalysisPrompt.version,
                schemaVersion: String = AnalysisPrompt.schemaVersion, chartHashes: [String], prompt: String) {
        self.provider = provider
        self.model = model
        self.promptVersion = promptVersion
        self.schemaVersion = schemaVersion
        self.chartHashes = chartHashes
        promptDigest = SHA256Digest.hex(of: prompt)
    }

    /// A filename-safe digest of every part.
    public var digest: String {
        SHA256Digest.hex(of: ([provider, model, promptVersion, schemaVersion] + chartHashes + [promptDigest]).joined(separator: "\u{1F}"))
    }
}
