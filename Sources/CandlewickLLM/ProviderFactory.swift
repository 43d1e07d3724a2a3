import CandlewickCore
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
    /// Reads `llm.*` settings (a `[String: String]` view of the config) and the environment.
    /// Without a provider setting, `rules` is chosen unless OPENAI_API_KEY or ANTHROPIC_API_KEY is set.
    public static func choose(settings get: (String) -> String?, environment: [String: String]) throws -> AnalystChoice {
        let explicit = get("llm.provider")
        let provider = explicit ?? (environment["OPENAI_API_KEY"] != nil ? "openai" : environment["ANTHROPIC_API_KEY"] != nil ? "anthropic" : "rules")
        guard provider != "rules" else { return .rules }
        guard provider == "openai" || provider == "anthropic" else {
            throw AnalystConfigError(message: "llm.provider must be rules, openai or anthropic; got \(provider)")
        }
        guard let model = get("llm.model"), !model.isEmpty else {
            throw AnalystConfigError(message: "llm.model is required for provider \(provider) (model ids are configuration, not code)")
        }
        let keyEnv = get("llm.api_key_env") ?? (provider == "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY")
        var key = environment[keyEnv]
        if let file = get("llm.api_key_file") {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw AnalystConfigError(message: "llm.api_key_file: cannot read \(file)")
            }
            key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var s = ProviderSettings(baseURL: get("llm.base_url") ?? (provider == "openai" ? "https://api.openai.com" : "https://api.anthropic.com"),
                                 model: model, apiKey: key)
        if let v = get("llm.image_detail") { s.imageDetail = v }
        if let v = get("llm.response_format") { s.responseFormat = v }
        if let v = get("llm.auth_style") { s.authStyle = v }
        if let v = get("llm.anthropic_version") { s.anthropicVersion = v }
        if let v = get("llm.structured_mode") { s.structuredMode = v }
        if let v = get("llm.max_tokens").flatMap(Int.init) { s.maxTokens = v }
        if let v = get("llm.timeout_s").flatMap(Double.init) { s.timeout = v }
        let p: any ModelProvider = provider == "openai" ? OpenAIProvider(settings: s) : AnthropicProvider(settings: s)
        return .model(p, maxConcurrent: get("llm.max_concurrent").flatMap(Int.init) ?? 16,
                      perMinute: get("llm.requests_per_minute").flatMap(Int.init) ?? 500, cacheDirectory: get("llm.cache_dir"))
    }
}
