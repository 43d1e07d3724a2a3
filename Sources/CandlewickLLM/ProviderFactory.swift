import CandlewickCore
import CandlewickRuntime
import Foundation

/// Which analyst to use, from the configuration and the environment.
public enum AnalystChoice: Sendable {
    case rules
    case model(any ModelProvider, maxConcurrent: Int, perMinute: Int, cacheDirectory: String?)
}

/// A configuration problem for the analyst, naming the key.
public struct AnalystConfigError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

public enum ProviderFactory {
    /// Reads the `llm.*` keys (each already checked by `ConfigKeys`) and the environment.
    /// Without `llm.provider`, `rules` is chosen unless OPENAI_API_KEY or ANTHROPIC_API_KEY is set.
    public static func choose(config: ConfigFile, environment: [String: String]) throws -> AnalystChoice {
        let provider = config[\.llmProvider]
            ?? (environment["OPENAI_API_KEY"] != nil ? "openai" : environment["ANTHROPIC_API_KEY"] != nil ? "anthropic" : "rules")
        guard provider != "rules" else { return .rules }
        guard let model = config[\.llmModel] else {
            throw AnalystConfigError(message: "llm.model is required for provider \(provider) (model ids are configuration, not code)")
        }
        let keyEnv = config[\.llmApiKeyEnv] ?? (provider == "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY")
        var key = environment[keyEnv]
        if let file = config[\.llmApiKeyFile] {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw AnalystConfigError(message: "llm.api_key_file: cannot read \(file)")
            }
            key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var s = ProviderSettings(baseURL: config[\.llmBaseUrl] ?? (provider == "openai" ? "https://api.openai.com" : "https://api.anthropic.com"),
                                 model: model, apiKey: key)
        s.imageDetail = config[\.llmImageDetail]
        s.responseFormat = config[\.llmResponseFormat]
        s.authStyle = config[\.llmAuthStyle]
        s.anthropicVersion = config[\.llmAnthropicVersion]
        s.structuredMode = config[\.llmStructuredMode]
        s.maxTokens = config[\.llmMaxTokens]
        s.timeout = config[\.llmTimeoutS]
        let p: any ModelProvider = provider == "openai" ? OpenAIProvider(settings: s) : AnthropicProvider(settings: s)
        return .model(p, maxConcurrent: config[\.llmMaxConcurrent], perMinute: config[\.llmRequestsPerMinute], cacheDirectory: config[\.llmCacheDir])
    }
}
