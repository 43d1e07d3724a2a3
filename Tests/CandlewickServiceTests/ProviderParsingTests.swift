import CandlewickCore
@testable import CandlewickHTTP
import CandlewickLLM
import Foundation
import Testing

/// The two providers' response parsers, on hand-written envelopes: the answer text exactly as sent,
/// the usage fields mapped, and every way the envelope is refused named by its rule.
@Suite("Provider response parsers")
struct ProviderParsingTests {
    static func response(_ body: String, status: Int = 200, headers: [String: String] = [:]) -> HTTPResponse {
        HTTPResponse(status: status, headers: headers, body: Data(body.utf8))
    }

    static let openAI = OpenAIProvider(settings: ProviderSettings(baseURL: "http://x", model: "m", apiKey: nil))
    static func anthropic(tool: Bool = false) -> AnthropicProvider {
        var s = ProviderSettings(baseURL: "http://x", model: "m", apiKey: nil)
        s.structuredMode = tool ? "tool" : "json_schema"
        return AnthropicProvider(settings: s)
    }

    static func chat(message: String = #"{"role":"assistant","content":"{\"action\":\"BUY\"}"}"#, finish: String = #""stop""#,
                     choices: Int = 1) -> String {
        let choice = #"{"index":0,"message":\#(message),"finish_reason":\#(finish)}"#
        return #"{"id":"c","object":"chat.completion","choices":[\#(Array(repeating: choice, count: choices).joined(separator: ","))],"#
            + #""usage":{"prompt_tokens":1234,"completion_tokens":56,"prompt_tokens_details":{"image_tokens":765,"cached_tokens":1024}}}"#
    }

    static func rule(_ answer: ModelAnswer) -> RefusalRule? { answer.refusal?.rule }

    @Test("OpenAI: one choice, stop, string content: the content verbatim and the usage")
    func openAIAnswer() throws {
        let a = try Self.openAI.parse(Self.response(Self.chat()))
        #expect(a.text == #"{"action":"BUY"}"# && a.refusal == nil)
        #expect(a.usage == TokenUsage(inputTokens: 1234, outputTokens: 56, imageTokens: 765, cacheReadTokens: 1024))
        // An empty tool_calls array and a null refusal are what OpenAI sends beside ordinary content.
        let plain = try Self.openAI.parse(Self.response(Self.chat(message: #"{"role":"assistant","content":"x","refusal":null,"tool_calls":[]}"#)))
        #expect(plain.text == "x")
    }

    @Test("OpenAI: each malformed or non-answer envelope is refused by its own rule, the body kept for audit")
    func openAIRefusals() throws {
        let cases: [(String, RefusalRule)] = [
            (Self.chat(message: #"{"role":"assistant","content":null,"refusal":"I can't help with that"}"#), .envelopeRefusal),
            (Self.chat(message: #"{"role":"assistant","content":null,"tool_calls":[{"id":"t","type":"function"}]}"#), .envelopeToolCalls),
            (Self.chat(message: #"{"role":"assistant","content":null,"function_call":{"name":"f"}}"#), .envelopeToolCalls),
            (Self.chat(finish: #""length""#), .envelopeTruncated),
            (Self.chat(finish: #""content_filter""#), .envelopeRefusal),
            (Self.chat(finish: #""tool_calls""#), .envelopeFinishReason),
            (Self.chat(finish: "null"), .envelopeFinishReason),
            (Self.chat(choices: 2), .envelopeMalformed),
            (Self.chat(choices: 0), .envelopeMalformed),
            (#"{"id":"c"}"#, .envelopeMalformed),
            (Self.chat(message: #"{"role":"assistant","content":null}"#), .envelopeNoAnswer),
            (Self.chat(message: #"{"role":"assistant","content":[{"type":"text","text":"x"}]}"#), .envelopeNoAnswer),
            (#"[1,2]"#, .envelopeMalformed),
            (#"{"choices":[], "choices":[]}"#, .jsonDuplicateKey),
            ("not json", .envelopeMalformed),
        ]
        for (body, expected) in cases {
            let a = try Self.openAI.parse(Self.response(body))
            #expect(a.text == nil && Self.rule(a) == expected, "\(body)")
            #expect(a.raw == body)
        }
        // The refusal's text reaches the detail.
        let refused = try Self.openAI.parse(Self.response(Self.chat(message: #"{"role":"assistant","content":null,"refusal":"no charts today"}"#)))
        #expect(refused.refusal?.detail.contains("no charts today") == true)
    }

    @Test("a non-2xx status throws ProviderHTTPError with the status, body and headers (both providers)")
    func httpErrors() {
        for provider in [Self.openAI as any ModelProvider, Self.anthropic()] {
            #expect {
                try provider.parse(Self.response(#"{"error":"slow down"}"#, status: 429, headers: ["retry-after": "2"]))
            } throws: { e in
                guard let e = e as? ProviderHTTPError else { return false }
                return e.status == 429 && e.body == #"{"error":"slow down"}"# && e.headers["retry-after"] == "2"
            }
        }
    }

    static func message(_ blocks: [String], stop: String = "end_turn", extra: String = "") -> String {
        #"{"id":"msg","type":"message","role":"assistant","model":"m","content":[\#(blocks.joined(separator: ","))],"#
            + #""stop_reason":"\#(stop)"\#(extra),"usage":{"input_tokens":900,"output_tokens":80,"cache_read_input_tokens":300,"cache_creation_input_tokens":20}}"#
    }
    static let text = #"{"type":"text","text":"{\"action\":\"SELL\"}"}"#
    static let thinking = #"{"type":"thinking","thinking":"hmm","signature":"s"}"#
    static func toolUse(_ name: String = "emit_signal", input: String = #"{ "action" :"BUY",  "score": 71.50 }"#) -> String {
        #"{"type":"tool_use","id":"tu","name":"\#(name)","input":\#(input)}"#
    }

    @Test("Anthropic json_schema mode: the one text block (after thinking) and the usage")
    func anthropicJSONMode() throws {
        let a = try Self.anthropic().parse(Self.response(Self.message([Self.thinking, Self.text])))
        #expect(a.text == #"{"action":"SELL"}"#)
        #expect(a.usage == TokenUsage(inputTokens: 900, outputTokens: 80, cacheReadTokens: 300, cacheWriteTokens: 20))
    }

    @Test("Anthropic tool mode: the exact bytes of the one tool_use input")
    func anthropicToolMode() throws {
        let a = try Self.anthropic(tool: true).parse(Self.response(Self.message([Self.toolUse()], stop: "tool_use")))
        #expect(a.text == #"{ "action" :"BUY",  "score": 71.50 }"#)
        // Whitespace-only text beside the tool block is tolerated.
        let ws = try Self.anthropic(tool: true).parse(Self.response(Self.message([#"{"type":"text","text":" \n"}"#, Self.toolUse()], stop: "tool_use")))
        #expect(ws.text != nil)
    }

    @Test("Anthropic: each malformed or non-answer envelope is refused by its own rule")
    func anthropicRefusals() throws {
        let json: [(String, RefusalRule)] = [
            (Self.message([], stop: "refusal", extra: #","stop_details":{"explanation":"policy"}"#), .envelopeRefusal),
            (Self.message([Self.text], stop: "max_tokens"), .envelopeTruncated),
            (Self.message([Self.text], stop: "model_context_window_exceeded"), .envelopeTruncated),
            (Self.message([Self.text, Self.toolUse()], stop: "tool_use"), .envelopeToolInJSONMode),
            (Self.message([Self.text, Self.text]), .envelopeNoAnswer),
            (Self.message([Self.thinking]), .envelopeNoAnswer),
            (Self.message([Self.text], stop: "stop_sequence"), .envelopeFinishReason),
            (Self.message([#"{"type":"image","source":{}}"#]), .envelopeMalformed),
            (Self.message([Self.text]).replacingOccurrences(of: #""role":"assistant""#, with: #""role":"user""#), .envelopeMalformed),
            (Self.message([Self.text]).replacingOccurrences(of: #""type":"message""#, with: #""type":"error""#), .envelopeMalformed),
            (Self.message([Self.text]).replacingOccurrences(of: #""model":"m""#, with: #""model":"m","model":"n""#), .jsonDuplicateKey),
        ]
        for (body, expected) in json {
            let a = try Self.anthropic().parse(Self.response(body))
            #expect(a.text == nil && Self.rule(a) == expected, "\(body)")
        }
        let refused = try Self.anthropic().parse(Self.response(json[0].0))
        #expect(refused.refusal?.detail.contains("policy") == true)
        let tool: [(String, RefusalRule)] = [
            (Self.message([Self.toolUse("other_tool")], stop: "tool_use"), .envelopeToolName),
            (Self.message([Self.toolUse(), Self.toolUse()], stop: "tool_use"), .envelopeToolCount),
            (Self.message([Self.text], stop: "end_turn"), .envelopeToolCount),
            (Self.message([Self.text, Self.toolUse()], stop: "tool_use"), .envelopeTextWithTool),
            (Self.message([Self.toolUse()], stop: "end_turn"), .envelopeFinishReason),
            (Self.message([#"{"type":"tool_use","id":"tu","name":"emit_signal"}"#], stop: "tool_use"), .envelopeNoAnswer),
            (Self.message([Self.toolUse(input: #"{"a":1,"a":2}"#)], stop: "tool_use"), .jsonDuplicateKey),
        ]
        for (body, expected) in tool {
            let a = try Self.anthropic(tool: true).parse(Self.response(body))
            #expect(a.text == nil && Self.rule(a) == expected, "\(body)")
        }
    }
}
