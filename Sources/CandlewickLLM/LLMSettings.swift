import CandlewickCore
import CandlewickRuntime
import Foundation

/// Every `llm.*` setting, read once at start-up with its type, allowed values and range. A bad
/// value stops the worker with the file:line (or the environment variable) and the rule, so a typo
/// like `image_detail = hgih` never turns into a 400 on every call or a silent mode switch.
///
/// (The typed key table of the configuration issue will carry the same declarations; until it is
/// on main this is where the `llm.*` keys are checked.)
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

    /// The allowed values of each enumerated key.
    public static let choices: [String: [String]] = [
        "llm.provider": ["rules", "openai", "anthropic"],
        "llm.image_detail": ["low", "high", "auto", "original"],
        "llm.response_format": ["json_schema", "json_object"],
        "llm.auth_style": ["x-api-key", "bearer"],
        "llm.structured_mode": ["json_schema", "tool"],
        "llm.image_token_formula": ImageTokens.Formula.allCases.map(\.rawValue),
    ]

    public init() {}

    public init(config: ConfigFile) throws {
        func here(_ key: String) -> String { config.origin(of: key) ?? key }
        func choice(_ key: String) throws -> String? {
            guard let v = config.string(key) else { return nil }
            let allowed = Self.choices[key]!
            guard allowed.contains(v) else {
                throw ConfigError(here(key), "\(key) must be one of \(allowed.joined(separator: ", ")); got \"\(v)\"")
            }
            return v
        }
        func int(_ key: String, _ range: ClosedRange<Int>, _ d: Int) throws -> Int {
            let v = try config.int(key, default: d)
            guard range.contains(v) else { throw ConfigError(here(key), "\(key) must be in \(range.lowerBound)...\(range.upperBound); got \(v)") }
            return v
        }
        func number(_ key: String, _ range: ClosedRange<Double>, _ d: Double) throws -> Double {
            let v = try config.double(key, default: d)
            guard range.contains(v) else { throw ConfigError(here(key), "\(key) must be in \(range.lowerBound)...\(range.upperBound); got \(v)") }
            return v
        }
        func text(_ key: String) throws -> String? {
            guard let v = config.string(key) else { return nil }
            guard !v.trimmingCharacters(in: .whitespaces).isEmpty else { throw ConfigError(here(key), "\(key) must not be empty") }
            return v
        }
        provider = try choice("llm.provider")
        model = try text("llm.model")
        baseURL = try text("llm.base_url")
        if let u = baseURL, !(u.hasPrefix("http://") || u.hasPrefix("https://")) {
            throw ConfigError(here("llm.base_url"), "llm.base_url must be an http:// or https:// URL; got \"\(u)\"")
        }
        apiKeyEnv = try text("llm.api_key_env")
        apiKeyFile = try text("llm.api_key_file")
        imageDetail = try choice("llm.image_detail") ?? imageDetail
        responseFormat = try choice("llm.response_format") ?? responseFormat
        authStyle = try choice("llm.auth_style") ?? authStyle
        anthropicVersion = try text("llm.anthropic_version") ?? anthropicVersion
        structuredMode = try choice("llm.structured_mode") ?? structuredMode
        maxTokens = try int("llm.max_tokens", 1...1_000_000, maxTokens)
        timeout = try number("llm.timeout_s", 0.1...3600, timeout)
        maxConcurrent = try int("llm.max_concurrent", 1...1024, maxConcurrent)
        requestsPerMinute = try int("llm.requests_per_minute", 1...1_000_000, requestsPerMinute)
        cacheDir = try text("llm.cache_dir")
        imageTokenFormula = try choice("llm.image_token_formula").flatMap(ImageTokens.Formula.init)
        imagePatchMultiplier = try number("llm.image_patch_multiplier", 0.01...100, imagePatchMultiplier)
        if let p = config.string("llm.prices") {
            do { prices = try PriceTable(parsing: p) } catch { throw ConfigError(here("llm.prices"), "\(error)") }
        }
        shadow = try config.bool("llm.shadow", default: false)
        if config.string("llm.max_daily_cost_usd") != nil {
            maxDailyCostUSD = try number("llm.max_daily_cost_usd", 0...1_000_000, 0)
        }
        policy.maxAnswerBytes = try int("llm.max_answer_bytes", 256...1_048_576, policy.maxAnswerBytes)
        policy.minStopATR = try number("llm.min_stop_atr", 0...20, policy.minStopATR)
        policy.minRewardRisk = try number("llm.min_reward_risk", 0...100, policy.minRewardRisk)
        policy.maxEntryATR = try number("llm.max_entry_atr", 0...20, policy.maxEntryATR)
        policy.maxEntryPercent = try number("llm.max_entry_pct", 0...0.5, policy.maxEntryPercent)
        policy.chartRangeSlack = try number("llm.chart_range_slack", 0...1, policy.chartRangeSlack)
        // Cross-field rules: a spend guard needs the model's price.
        if let limit = maxDailyCostUSD, limit > 0, let model, provider != "rules", prices.price(of: model) == nil {
            throw ConfigError(here("llm.max_daily_cost_usd"), "llm.max_daily_cost_usd is set but llm.prices has no price for \(model)")
        }
    }

    /// The image token formula in force for a provider.
    public func formula(for provider: String) -> ImageTokens.Formula {
        imageTokenFormula ?? (provider == "anthropic" ? .anthropic : .openAITile)
    }
}
