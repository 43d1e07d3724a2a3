import CandlewickCore
import CandlewickRuntime
import Foundation

/// Every `llm.*` setting, read once at start-up with its type, allowed values and range. A bad
/// value stops the worker with the file:line (or the environment variable) and the rule, so a typo
/// like `image_detail = hgih` never turns into a 400 on every call or a silent mode switch.
/// The keys are declared (and checked when the file loads) in `ConfigKeys`.
public struct LLMSettings: Sendable {
    public var provider: String?
    public var model: String?
    public var baseURL: String?
    public var apiKeyEnv: String?
    public var apiKeyFile: String?
    public var imageDetail = "high"
    public var responseFormat = "json_schema"
    public var authStyle = "x-api-key"
    public var anthropicVersion = "2023-06-01"
    public var structuredMode = "json_schema"
    public var maxTokens = 1200
    public var timeout = 120.0
    public var maxConcurrent = 16
    public var requestsPerMinute = 500
    public var cacheDir: String?
    /// How image tokens are counted (default: by provider: openai-tile or anthropic).
    public var imageTokenFormula: ImageTokens.Formula?
    public var imagePatchMultiplier = 1.0
    /// USD per million tokens, per model.
    public var prices = PriceTable()
    /// Analyse and record, never submit (`llm.shadow`).
    public var shadow = false
    /// Model spend per UTC day after which no model call is made (`llm.max_daily_cost_usd`).
    public var maxDailyCostUSD: Double?
    /// The validator's limits (risk geometry floors, answer size).
    public var policy = GroundingPolicy()

    public init() {}

    /// Reads the `llm.*` keys, each already checked (type, allowed values, range) by `ConfigKeys`
    /// when the file loaded; what remains here is parsing `llm.prices` and the cross-field rules.
    public init(config: ConfigFile) throws {
        provider = config[\.llmProvider]
        model = config[\.llmModel]
        baseURL = config[\.llmBaseUrl]
        apiKeyEnv = config[\.llmApiKeyEnv]
        apiKeyFile = config[\.llmApiKeyFile]
        imageDetail = config[\.llmImageDetail]
        responseFormat = config[\.llmResponseFormat]
        authStyle = config[\.llmAuthStyle]
        anthropicVersion = config[\.llmAnthropicVersion]
        structuredMode = config[\.llmStructuredMode]
        maxTokens = config[\.llmMaxTokens]
        timeout = config[\.llmTimeoutS]
        maxConcurrent = config[\.llmMaxConcurrent]
        requestsPerMinute = config[\.llmRequestsPerMinute]
        cacheDir = config[\.llmCacheDir]
        imageTokenFormula = config[\.llmImageTokenFormula].flatMap(ImageTokens.Formula.init)
        imagePatchMultiplier = config[\.llmImagePatchMultiplier]
        if let p = config[\.llmPrices] {
            do { prices = try PriceTable(parsing: p) } catch { throw ConfigError(config.origin(of: "llm.prices") ?? "llm.prices", "\(error)") }
        }
        shadow = config[\.llmShadow]
        maxDailyCostUSD = config[\.llmMaxDailyCostUsd]
        policy.maxAnswerBytes = config[\.llmMaxAnswerBytes]
        policy.minStopATR = config[\.llmMinStopAtr]
        policy.minRewardRisk = config[\.llmMinRewardRisk]
        policy.maxEntryATR = config[\.llmMaxEntryAtr]
        policy.maxEntryPercent = config[\.llmMaxEntryPct]
        policy.chartRangeSlack = config[\.llmChartRangeSlack]
        // Cross-field rule: a spend guard needs the model's price.
        if let limit = maxDailyCostUSD, limit > 0, let model, provider != "rules", prices.price(of: model) == nil {
            throw ConfigError(config.origin(of: "llm.max_daily_cost_usd") ?? "llm.max_daily_cost_usd",
                              "llm.max_daily_cost_usd is set but llm.prices has no price for \(model)")
        }
    }

    /// The image token formula in force for a provider.
    public func formula(for provider: String) -> ImageTokens.Formula {
        imageTokenFormula ?? (provider == "anthropic" ? .anthropic : .openAITile)
    }
}
