import CandlewickCore
import CandlewickHTTP
import Foundation

/// Tokens a call used, as the provider reported them, plus the image tokens we computed.
public struct TokenUsage: Codable, Sendable, Hashable {
    public var inputTokens = 0
    public var outputTokens = 0
    /// Image tokens: as reported (OpenAI's `prompt_tokens_details.image_tokens`) or, where the API
    /// does not report them, computed from the chart sizes (`ImageTokens`).
    public var imageTokens: Int?
    /// Input tokens read from the provider's prompt cache (Anthropic `cache_read_input_tokens`,
    /// OpenAI `prompt_tokens_details.cached_tokens`).
    public var cacheReadTokens = 0
    /// Input tokens written to the prompt cache (Anthropic `cache_creation_input_tokens`).
    public var cacheWriteTokens = 0

    public init(inputTokens: Int = 0, outputTokens: Int = 0, imageTokens: Int? = nil, cacheReadTokens: Int = 0, cacheWriteTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.imageTokens = imageTokens
        self.cacheReadTokens = cacheReadTokens
        self.cacheWriteTokens = cacheWriteTokens
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens", outputTokens = "output_tokens", imageTokens = "image_tokens"
        case cacheReadTokens = "cache_read_tokens", cacheWriteTokens = "cache_write_tokens"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        inputTokens = try c.decode(Int.self, forKey: .inputTokens)
        outputTokens = try c.decode(Int.self, forKey: .outputTokens)
        imageTokens = try c.decodeIfPresent(Int.self, forKey: .imageTokens)
        cacheReadTokens = try c.decodeIfPresent(Int.self, forKey: .cacheReadTokens) ?? 0
        cacheWriteTokens = try c.decodeIfPresent(Int.self, forKey: .cacheWriteTokens) ?? 0
    }
}

/// What a model said, before validation: the answer's JSON text exactly as the provider sent it,
/// or the reason the response around it is refused (refusal, truncation, stray tool blocks, …).
public struct ModelAnswer: Sendable {
    /// The answer text (OpenAI `message.content`, Anthropic text block, or the exact bytes of the
    /// `tool_use` input), when the envelope is acceptable.
    public let text: String?
    /// Why the envelope is refused; `text` is nil then.
    public let refusal: Refusal?
    /// What is kept for audit: `text`, or the response body when there is no acceptable text.
    public let raw: String
    public let usage: TokenUsage

    public init(text: String, usage: TokenUsage) {
        self.text = text
        refusal = nil
        raw = text
        self.usage = usage
    }

    public init(refusal: Refusal, raw: String, usage: TokenUsage) {
        text = nil
        self.refusal = refusal
        self.raw = raw
        self.usage = usage
    }
}

/// A provider failed with an HTTP status (not a transport error).
public struct ProviderHTTPError: Error, Sendable, CustomStringConvertible {
    public let status: Int
    public let body: String
    public let headers: [String: String]
    public var description: String { "HTTP \(status): \(body.prefix(300))" }
}

/// Settings shared by the HTTP providers. The API key comes from the environment or a file, never
/// from the config file, and is never logged or stored.
public struct ProviderSettings: Sendable {
    public var baseURL: String
    public var model: String
    public var apiKey: String?
    public var maxTokens = 1200
    /// OpenAI image detail: low, high, auto or original.
    public var imageDetail = "high"
    /// OpenAI: `json_schema` (strict structured output) or `json_object` (for compatible servers without it).
    public var responseFormat = "json_schema"
    /// Anthropic: `x-api-key` or `bearer`.
    public var authStyle = "x-api-key"
    public var anthropicVersion = "2023-06-01"
    /// Anthropic: `json_schema` (output_config) or `tool` (forced tool use).
    public var structuredMode = "json_schema"
    public var timeout: Double = 120

    public init(baseURL: String, model: String, apiKey: String?) {
        self.baseURL = baseURL
        self.model = model
        self.apiKey = apiKey
    }
}

/// A vision-model API: builds the HTTP request and reads the answer.
public protocol ModelProvider: Sendable {
    /// `openai` or `anthropic`.
    var name: String { get }
    var model: String { get }
    func request(system: String, prompt: String, images: [Data]) throws -> HTTPRequest
    /// Reads a 2xx response; throws `ProviderHTTPError` for any other status.
    func parse(_ response: HTTPResponse) throws -> ModelAnswer
}

extension ModelProvider {
    /// A JSON POST to `path` under the base URL, with the settings' timeout; `body` carries
    /// `splice`'s placeholders where the images go (see `ImageSplicedJSON`).
    func jsonRequest(_ settings: ProviderSettings, path: String, headers: [String: String], body: [String: Any], images: [Data],
                     splice: ImageSplicedJSON) throws -> HTTPRequest {
        var r = HTTPRequest(url: settings.baseURL.trimmingSuffix("/") + path, headers: headers, body: try splice.data(body, images: images))
        r.timeout = settings.timeout
        return r
    }

    func requireSuccess(_ r: HTTPResponse) throws {
        guard (200..<300).contains(r.status) else {
            throw ProviderHTTPError(status: r.status, body: String(decoding: r.body.prefix(2000), as: UTF8.self), headers: r.headers)
        }
    }

    /// The response body read strictly (a duplicate key anywhere, the tool input included, is
    /// refused rather than resolved), or the refusal naming the rule.
    func envelope(_ r: HTTPResponse) -> Result<StrictJSON.Node, EnvelopeRefusal> {
        do {
            let node = try StrictJSON(maxBytes: 32 << 20, maxDepth: 32).parse(r.body)
            guard case .object = node.value else { return .failure(EnvelopeRefusal(.envelopeMalformed, "response body is not a JSON object")) }
            return .success(node)
        } catch {
            let rule: RefusalRule = error.kind == .duplicateKey ? .jsonDuplicateKey : error.kind == .numberRange ? .jsonNumberRange : .envelopeMalformed
            return .failure(EnvelopeRefusal(rule, "response body: \(error)"))
        }
    }

    /// Reads a 2xx response: the envelope strictly, the usage, then `read` picks the answer out of
    /// it (its `refuse` makes a refusal that keeps the body for audit). Throws `ProviderHTTPError`
    /// for any other status.
    func answer(_ response: HTTPResponse, usage: (StrictJSON.Node) -> TokenUsage,
                read: (StrictJSON.Node, _ usage: TokenUsage, _ refuse: (RefusalRule, String) -> ModelAnswer) -> ModelAnswer) throws -> ModelAnswer {
        try requireSuccess(response)
        switch envelope(response) {
        case .failure(let e):
            return ModelAnswer(refusal: e.refusal, raw: bodyText(response), usage: TokenUsage())
        case .success(let o):
            let tokens = usage(o)
            return read(o, tokens) { ModelAnswer(refusal: Refusal($0, $1), raw: bodyText(response), usage: tokens) }
        }
    }

    /// The body as text, for audit when no answer could be taken from it.
    func bodyText(_ r: HTTPResponse) -> String { String(decoding: r.body, as: UTF8.self) }

    /// An integer token count, or 0.
    func count(_ n: StrictJSON.Node?) -> Int { n?.number.map { Int(exactly: $0) ?? 0 } ?? 0 }
}

/// One refusal as an error, for `Result`.
public struct EnvelopeRefusal: Error, Sendable {
    public let refusal: Refusal
    init(_ rule: RefusalRule, _ detail: String) { refusal = Refusal(rule, detail) }
}
