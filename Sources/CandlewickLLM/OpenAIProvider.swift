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
        let splice = ImageSplicedJSON(prefix: "data:image/png;base64,")
        var content: [[String: Any]] = [["type": "text", "text": prompt]]
        for i in images.indices {
            content.append(["type": "image_url", "image_url": ["url": splice.placeholder(i), "detail": settings.imageDetail]])
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
        return try jsonRequest(settings, path: "/v1/chat/completions", headers: headers, body: body, images: images, splice: splice)
    }

    /// Reads the Chat Completions envelope exactly: one choice, `finish_reason` `stop`, no
    /// `refusal`, no `tool_calls`/`function_call`, and `content` a string. Anything else is a
    /// refusal naming the rule (see `RefusalRule`).
    public func parse(_ response: HTTPResponse) throws -> ModelAnswer {
        try answer(response, usage: { o in
            let usage = o["usage"]
            return TokenUsage(inputTokens: count(usage?["prompt_tokens"]), outputTokens: count(usage?["completion_tokens"]),
                              imageTokens: usage?["prompt_tokens_details"]?["image_tokens"]?.number.flatMap { Int(exactly: $0) },
                              cacheReadTokens: count(usage?["prompt_tokens_details"]?["cached_tokens"]))
        }, read: read)
    }

    private func read(_ o: StrictJSON.Node, _ tokens: TokenUsage, _ refuse: (RefusalRule, String) -> ModelAnswer) -> ModelAnswer {
        guard let choices = o["choices"]?.array else { return refuse(.envelopeMalformed, "no choices array") }
        guard choices.count == 1, let message = choices[0]["message"] else {
            return refuse(.envelopeMalformed, "\(choices.count) choices; exactly one with a message is expected")
        }
        if let refusal = message["refusal"], !refusal.isNull {
            return refuse(.envelopeRefusal, "model refused: \((refusal.string ?? "non-text refusal").prefix(200))")
        }
        for key in ["tool_calls", "function_call"] {
            if let calls = message[key], !calls.isNull, calls.array?.isEmpty != true {
                return refuse(.envelopeToolCalls, "the message carries \(key) instead of content")
            }
        }
        let finish = choices[0]["finish_reason"]?.string ?? "(none)"
        switch finish {
        case "stop": break
        case "length": return refuse(.envelopeTruncated, "answer truncated at the token limit (finish_reason length)")
        case "content_filter": return refuse(.envelopeRefusal, "content filter (finish_reason content_filter)")
        default: return refuse(.envelopeFinishReason, "finish_reason \(finish.prefix(40)); only stop is accepted")
        }
        guard let content = message["content"]?.string else { return refuse(.envelopeNoAnswer, "message.content is not a string") }
        return ModelAnswer(text: content, usage: tokens)
    }
}

extension String {
    func trimmingSuffix(_ s: String) -> String { hasSuffix(s) ? String(dropLast(s.count)) : self }
}
