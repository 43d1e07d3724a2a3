import CandlewickCore
import CandlewickHTTP
import Foundation

/// Tokens a call used, as the provider reported them.
public struct TokenUsage: Codable, Sendable, Hashable {
    public var inputTokens = 0
    public var outputTokens = 0
    /// Image tokens, when the provider reports them separately.
    public var imageTokens: Int?

    public init(inputTokens: Int = 0, outputTokens: Int = 0, imageTokens: Int? = nil) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
        self.imageTokens = imageTokens
    }

    enum CodingKeys: String, CodingKey {
        case inputTokens = "input_tokens", outputTokens = "output_tokens", imageTokens = "image_tokens"
    }
}

/// What a model said, before validation.
public struct ModelAnswer: Sendable {
    /// The JSON text of the answer, when there is one.
    public let text: String?
    /// The model's refusal, when it refused.
    public let refusal: String?
    /// The answer was cut off (token limit): its JSON is not to be trusted.
    public let truncated: Bool
    public let usage: TokenUsage
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
    /// A JSON POST to `path` under the base URL, with the settings' timeout.
    func jsonRequest(_ settings: ProviderSettings, path: String, headers: [String: String], body: [String: Any]) throws -> HTTPRequest {
        var r = HTTPRequest(url: settings.baseURL.trimmingSuffix("/") + path, headers: headers,
                            body: try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys]))
        r.timeout = settings.timeout
        return r
    }

    func requireSuccess(_ r: HTTPResponse) throws {
        guard (200..<300).contains(r.status) else {
            throw ProviderHTTPError(status: r.status, body: String(decoding: r.body.prefix(2000), as: UTF8.self), headers: r.headers)
        }
    }

    func json(_ r: HTTPResponse) throws -> [String: Any] {
        guard let o = try? JSONSerialization.jsonObject(with: r.body) as? [String: Any] else {
            throw ProviderHTTPError(status: r.status, body: "response is not a JSON object: " + String(decoding: r.body.prefix(200), as: UTF8.self),
                                    headers: r.headers)
        }
        return o
    }
}
