import CandlewickCore
import Foundation
import Logging

/// Which analyst to use, from the configuration and the environment.
public enum AnalystChoice: Sendable {
    case rules
    case model(any ModelProvider, LLMSettings)
}

/// A configuration problem for the analyst, naming the key.
public struct AnalystConfigError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

public enum ProviderFactory {
    /// Chooses the analyst from validated `llm.*` settings and the environment. Without a provider
    /// setting, `rules` is chosen unless OPENAI_API_KEY or ANTHROPIC_API_KEY is set.
    public static func choose(_ settings: LLMSettings, environment: [String: String]) throws -> AnalystChoice {
        let provider = settings.provider
            ?? (environment["OPENAI_API_KEY"] != nil ? "openai" : environment["ANTHROPIC_API_KEY"] != nil ? "anthropic" : "rules")
        guard provider != "rules" else { return .rules }
        guard let model = settings.model else {
            throw AnalystConfigError(message: "llm.model is required for provider \(provider) (model ids are configuration, not code)")
        }
        if let limit = settings.maxDailyCostUSD, limit > 0, settings.prices.price(of: model) == nil {
            throw AnalystConfigError(message: "llm.max_daily_cost_usd is set but llm.prices has no price for \(model)")
        }
        let keyEnv = settings.apiKeyEnv ?? (provider == "openai" ? "OPENAI_API_KEY" : "ANTHROPIC_API_KEY")
        var key = environment[keyEnv]
        if let file = settings.apiKeyFile {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                throw AnalystConfigError(message: "llm.api_key_file: cannot read \(file)")
            }
            key = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var s = ProviderSettings(baseURL: settings.baseURL ?? (provider == "openai" ? "https://api.openai.com" : "https://api.anthropic.com"),
                                 model: model, apiKey: key)
        s.imageDetail = settings.imageDetail
        s.responseFormat = settings.responseFormat
        s.authStyle = settings.authStyle
        s.anthropicVersion = settings.anthropicVersion
        s.structuredMode = settings.structuredMode
        s.maxTokens = settings.maxTokens
        s.timeout = settings.timeout
        let p: any ModelProvider = provider == "openai" ? OpenAIProvider(settings: s) : AnthropicProvider(settings: s)
        return .model(p, settings)
    }
}

extension Analyzer {
    /// The analyzer the settings describe: gate, cache, validator limits, costing and spend guard.
    public static func make(provider: any ModelProvider, settings: LLMSettings, logger: Logger) throws -> Analyzer {
        Analyzer(provider: provider, gate: RequestGate(maxConcurrent: settings.maxConcurrent, perMinute: settings.requestsPerMinute),
                 cache: try settings.cacheDir.map { try AnalysisCache(directory: $0) }, logger: logger,
                 validator: SignalValidator(policy: settings.policy),
                 costing: Costing(prices: settings.prices, formula: settings.formula(for: provider.name), detail: settings.imageDetail,
                                  patchMultiplier: settings.imagePatchMultiplier),
                 spend: settings.maxDailyCostUSD.map { SpendGuard(limitUSD: $0) }, shadow: settings.shadow)
    }
}
