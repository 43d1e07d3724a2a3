import CandlewickCore
import CandlewickHTTP
import Foundation

/// Anthropic Messages: base64 image blocks before the text, structured output through
/// `output_config.format` (or forced tool use), configurable version and auth header style.
public struct AnthropicProvider: ModelProvider {
    public let settings: ProviderSettings
    public var name: String { "anthropic" }
    public var model: String { settings.model }
    static let toolName = "emit_signal"

    public init(settings: ProviderSettings) { self.settings = settings }

    public func request(system: String, prompt: String, images: [Data]) throws -> HTTPRequest {
        var content: [[String: Any]] = images.map {
            ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": $0.base64EncodedString()]]
        }
        content.append(["type": "text", "text": prompt])
        var body: [String: Any] = [
            "model": settings.model, "max_tokens": settings.maxTokens, "system": system,
            "messages": [["role": "user", "content": content]],
        ]
        if settings.structuredMode == "tool" {
            body["tools"] = [["name": Self.toolName, "description": "Emit the trading signal.", "input_schema": AnalysisPrompt.schema]]
            body["tool_choice"] = ["type": "tool", "name": Self.toolName]
        } else {
            body["output_config"] = ["format": ["type": "json_schema", "schema": AnalysisPrompt.schema]]
        }
        var headers = ["content-type": "application/json", "anthropic-version": settings.anthropicVersion]
        if let key = settings.apiKey {
            if settings.authStyle == "bearer" { headers["authorization"] = "Bearer \(key)" } else { headers["x-api-key"] = key }
        }
        return try jsonRequest(settings, path: "/v1/messages", headers: headers, body: body)
    }

    public func parse(_ response: HTTPResponse) throws -> ModelAnswer {
        try requireSuccess(response)
        let o = try json(response)
        let blocks = o["content"] as? [[String: Any]] ?? []
        let stop = o["stop_reason"] as? String
        var text = blocks.first { $0["type"] as? String == "text" }?["text"] as? String
        if let tool = blocks.first(where: { $0["type"] as? String == "tool_use" })?["input"],
           let data = try? JSONSerialization.data(withJSONObject: tool, options: [.sortedKeys]) {
            text = String(decoding: data, as: UTF8.self)
        }
        let usage = o["usage"] as? [String: Any]
        let tokens = TokenUsage(inputTokens: usage?["input_tokens"] as? Int ?? 0, outputTokens: usage?["output_tokens"] as? Int ?? 0)
        let details = o["stop_details"] as? [String: Any]
        let refusal = stop == "refusal" ? (details?["explanation"] as? String ?? "refused") : nil
        return ModelAnswer(text: text, refusal: refusal, truncated: stop == "max_tokens" || stop == "model_context_window_exceeded",
                           usage: tokens)
    }
}
