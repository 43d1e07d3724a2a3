import CandlewickCore
import CandlewickHTTP
import Foundation

/// OpenAI Chat Completions (and any OpenAI-compatible server: Ollama, vLLM, LM Studio, LiteLLM):
/// both charts as base64 PNG data URLs, structured output with a strict JSON Schema, or JSON mode
/// for servers without strict schemas (our own validation applies either way).
public struct OpenAIProvider: ModelProvider {
    public let settings: ProviderSettings
    public var name: String { "openai" }
    public var model: String { settings.model }

    public init(settings: ProviderSettings) { self.settings = settings }

    public func request(system: String, prompt: String, images: [Data]) throws -> HTTPRequest {
        var content: [[String: Any]] = [["type": "text", "text": prompt]]
        for png in images {
            content.append(["type": "image_url",
                            "image_url": ["url": "data:image/png;base64," + png.base64EncodedString(), "detail": settings.imageDetail]])
        }
        var body: [String: Any] = [
            "model": settings.model, "max_completion_tokens": settings.maxTokens,
            "messages": [["role": "system", "content": system], ["role": "user", "content": content]],
        ]
        body["response_format"] = settings.responseFormat == "json_object"
            ? ["type": "json_object"]
            : ["type": "json_schema", "json_schema": ["name": "trading_signal", "strict": true, "schema": AnalysisPrompt.schema]]
        var headers = ["Content-Type": "application/json"]
        if let key = settings.apiKey { headers["Authorization"] = "Bearer \(key)" }
        return try jsonRequest(settings, path: "/v1/chat/completions", headers: headers, body: body)
    }

    public func parse(_ response: HTTPResponse) throws -> ModelAnswer {
        try requireSuccess(response)
        let o = try json(response)
        let choice = (o["choices"] as? [[String: Any]])?.first
        let message = choice?["message"] as? [String: Any]
        let finish = choice?["finish_reason"] as? String
        let usage = o["usage"] as? [String: Any]
        let details = usage?["prompt_tokens_details"] as? [String: Any]
        let tokens = TokenUsage(inputTokens: usage?["prompt_tokens"] as? Int ?? 0, outputTokens: usage?["completion_tokens"] as? Int ?? 0,
                                imageTokens: details?["image_tokens"] as? Int)
        let refusal = (message?["refusal"] as? String) ?? (finish == "content_filter" ? "content filter" : nil)
        return ModelAnswer(text: message?["content"] as? String, refusal: refusal, truncated: finish == "length", usage: tokens)
    }
}

extension String {
    func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}
