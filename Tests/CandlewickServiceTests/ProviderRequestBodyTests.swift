import CandlewickCore
import CandlewickHTTP
@testable import CandlewickLLM
import Foundation
import Testing

/// The providers' request bodies, whose images are spliced in as base64 after the envelope is
/// serialized (`ImageSplicedJSON`): the body is valid JSON, each image reads back byte for byte in
/// its place and order, nothing of the placeholders is left, and a placeholder that is not found
/// exactly once is an error, never a wrong body.
@Suite("Provider request bodies")
struct ProviderRequestBodyTests {
    /// Bytes whose base64 has every character class, `+` and `/` included, and sizes that need padding.
    static let images = [Data((0..<3000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }), Data([0xFB, 0xFF, 0xBF, 0xFE]), Data([0x01])]
    static let settings = ProviderSettings(baseURL: "http://x/", model: "m", apiKey: "k")

    static func object(_ body: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: body) as? [String: Any])
    }

    @Test("OpenAI: each image a data URL of its exact bytes, in order, beside the prompt; no placeholder left")
    func openAIImages() throws {
        // A prompt that quotes a placeholder's shape cannot collide: the token is random per body.
        let prompt = "Analyze. \"@candlewick-image-0-x@\" / \\ \u{2028}"
        let request = try OpenAIProvider(settings: Self.settings).request(system: "sys", prompt: prompt, images: Self.images)
        #expect(request.url == "http://x/v1/chat/completions")
        let body = try Self.object(request.body)
        let messages = try #require(body["messages"] as? [[String: Any]])
        #expect(messages.count == 2 && messages[0]["content"] as? String == "sys")
        let content = try #require(messages[1]["content"] as? [[String: Any]])
        #expect(content.first?["text"] as? String == prompt)
        let urls = content.dropFirst().compactMap { ($0["image_url"] as? [String: Any])?["url"] as? String }
        #expect(urls == Self.images.map { "data:image/png;base64," + $0.base64EncodedString() })
        #expect(content.dropFirst().allSatisfy { ($0["image_url"] as? [String: Any])?["detail"] as? String == "high" })
        #expect(body["model"] as? String == "m" && body["max_completion_tokens"] as? Int == 1200)
        #expect(String(decoding: request.body, as: UTF8.self).components(separatedBy: "@candlewick-image-").count == 2,
                "only the prompt's quoted shape is left, no real placeholder")
    }

    @Test("Anthropic: each image block's data is the bare base64 of its exact bytes, in order, before the text")
    func anthropicImages() throws {
        let request = try AnthropicProvider(settings: Self.settings).request(system: "sys", prompt: "p", images: Self.images)
        let body = try Self.object(request.body)
        let content = try #require((body["messages"] as? [[String: Any]])?.first?["content"] as? [[String: Any]])
        let data = content.compactMap { ($0["source"] as? [String: Any])?["data"] as? String }
        #expect(data == Self.images.map { $0.base64EncodedString() })
        #expect(content.last?["text"] as? String == "p" && body["system"] as? String == "sys")
    }

    @Test("No images: the envelope alone, exactly as JSONSerialization writes it")
    func noImages() throws {
        let splice = ImageSplicedJSON(prefix: "data:image/png;base64,")
        let body: [String: Any] = ["b": [1, 2], "a": "x/y"]
        #expect(try splice.data(body, images: []) == (try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])))
    }

    @Test("A placeholder missing, repeated or out of order is an error naming the image")
    func placeholderNotFoundOnce() throws {
        let splice = ImageSplicedJSON(prefix: "")
        let one = Data([1, 2, 3])
        #expect(throws: ImageSpliceError.self) { try splice.data(["a": "nothing here"], images: [one]) }
        #expect(throws: ImageSpliceError.self) { try splice.data(["a": splice.placeholder(0), "b": splice.placeholder(0)], images: [one]) }
        // Sorted keys put image 1's placeholder first: image 1's is then not found after image 0's.
        #expect(throws: ImageSpliceError.self) {
            try splice.data(["a": splice.placeholder(1), "b": splice.placeholder(0)], images: [one, one])
        }
        do {
            _ = try splice.data(["a": "x"], images: [one, one])
        } catch {
            #expect("\(error)".contains("image 1 of 2"))
        }
    }
}
