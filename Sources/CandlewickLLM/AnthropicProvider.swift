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
        let splice = ImageSplicedJSON(prefix: "")
        var content: [[String: Any]] = images.indices.map {
            ["type": "image", "source": ["type": "base64", "media_type": "image/png", "data": splice.placeholder($0)]]
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
        return try jsonRequest(settings, path: "/v1/messages", headers: headers, body: body, images: images, splice: splice)
    }

    /// Reads the Messages envelope exactly. Tool mode: exactly one `tool_use` block, named as
    /// requested, no text beside it, `stop_reason` `tool_use`; the answer is the exact bytes of its
    /// `input`. json_schema mode: no `tool_use` block, exactly one text block (thinking blocks may
    /// precede it), `stop_reason` `end_turn`. Refusals and truncation are refusals; anything else
    /// is refused naming the rule.
    public func parse(_ response: HTTPResponse) throws -> ModelAnswer {
        try answer(response, usage: { o in
            let usage = o["usage"]
            return TokenUsage(inputTokens: count(usage?["input_tokens"]), outputTokens: count(usage?["output_tokens"]),
                              cacheReadTokens: count(usage?["cache_read_input_tokens"]),
                              cacheWriteTokens: count(usage?["cache_creation_input_tokens"]))
        }, read: { read($0, $1, $2, body: response.body) })
    }

    private func read(_ o: StrictJSON.Node, _ tokens: TokenUsage, _ refuse: (RefusalRule, String) -> ModelAnswer, body: Data) -> ModelAnswer {
        guard o["type"]?.string == "message", o["role"]?.string == "assistant", let blocks = o["content"]?.array else {
            return refuse(.envelopeMalformed, "not an assistant message with a content array")
        }
        let stop = o["stop_reason"]?.string ?? "(none)"
        switch stop {
        case "refusal":
            let why = o["stop_details"]?["explanation"]?.string ?? "refused"
            return refuse(.envelopeRefusal, "model refused: \(why.prefix(200))")
        case "max_tokens", "model_context_window_exceeded":
            return refuse(.envelopeTruncated, "answer truncated (stop_reason \(stop))")
        default: break
        }
        var texts: [StrictJSON.Node] = [], tools: [StrictJSON.Node] = []
        for b in blocks {
            switch b["type"]?.string {
            case "text": texts.append(b)
            case "tool_use": tools.append(b)
            case "thinking", "redacted_thinking": continue
            case let t: return refuse(.envelopeMalformed, "unexpected content block type \((t ?? "(none)").prefix(40))")
            }
        }
        let toolMode = settings.structuredMode == "tool"
        if toolMode {
            guard tools.count == 1 else { return refuse(.envelopeToolCount, "\(tools.count) tool_use blocks; exactly one is expected") }
            let name = tools[0]["name"]?.string ?? "(none)"
            guard name == Self.toolName else { return refuse(.envelopeToolName, "tool_use block for \(name.prefix(40)), not \(Self.toolName)") }
            if texts.contains(where: { !($0["text"]?.string ?? "").trimmingCharacters(in: .whitespacesAndNewlines).isEmpty }) {
                return refuse(.envelopeTextWithTool, "a text block beside the tool_use block")
            }
            guard stop == "tool_use" else { return refuse(.envelopeFinishReason, "stop_reason \(stop.prefix(40)) in tool mode; tool_use is expected") }
            guard let input = tools[0]["input"] else { return refuse(.envelopeNoAnswer, "tool_use block without input") }
            return ModelAnswer(text: String(decoding: body[body.startIndex + input.span.lowerBound ..< body.startIndex + input.span.upperBound],
                                            as: UTF8.self), usage: tokens)
        }
        guard tools.isEmpty else { return refuse(.envelopeToolInJSONMode, "\(tools.count) tool_use block(s) in json_schema mode") }
        guard texts.count == 1, let text = texts[0]["text"]?.string else {
            return refuse(.envelopeNoAnswer, "\(texts.count) text blocks; exactly one is expected")
        }
        guard stop == "end_turn" else { return refuse(.envelopeFinishReason, "stop_reason \(stop.prefix(40)); end_turn is expected") }
        return ModelAnswer(text: text, usage: tokens)
    }
}
