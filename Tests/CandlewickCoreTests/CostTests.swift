import CandlewickCore
import Foundation
import Testing

@Suite("Cost per signal")
struct CostTests {
    /// Published figures for a 1920×1080 chart: OpenAI GPT-4o class high detail 85 + 6 tiles × 170 = 1,105,
    /// low 85; Anthropic resizes to 1456×816 ≈ 1,584 tokens (width × height / 750).
    @Test func imageTokensOfAFullHDChart() {
        #expect(ImageTokens.openAITile(width: 1920, height: 1080, detail: "high") == 1105)
        #expect(ImageTokens.openAITile(width: 1920, height: 1080, detail: "auto") == 1105)
        #expect(ImageTokens.openAITile(width: 1920, height: 1080, detail: "low") == 85)
        #expect(ImageTokens.anthropicSize(width: 1920, height: 1080) == (1456, 816))
        #expect(ImageTokens.anthropic(width: 1920, height: 1080) == 1584)
        // Other published points: OpenAI 1024×1024 high → 768×768 → 4 tiles → 765; 2048×4096 → 768×1536 → 6 tiles → 1105.
        #expect(ImageTokens.openAITile(width: 1024, height: 1024, detail: "high") == 765)
        #expect(ImageTokens.openAITile(width: 2048, height: 4096, detail: "high") == 1105)
        // Anthropic: an image already inside both limits is not resized (1000×1000 → 1,333 tokens).
        #expect(ImageTokens.anthropic(width: 1000, height: 1000) == 1333)
        // OpenAI patch models: 1024×1024 → 1024 patches; 1800×2400 → scaled to 1452 patches; gpt-4.1-mini × 1.62.
        #expect(ImageTokens.openAIPatch(width: 1024, height: 1024) == 1024)
        #expect(ImageTokens.openAIPatch(width: 1800, height: 2400) == 1452)
        #expect(ImageTokens.openAIPatch(width: 1024, height: 1024, multiplier: 1.62) == 1659)
    }

    @Test func pngSizeIsReadFromTheHeader() throws {
        var png = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
        png += Data([0, 0, 0x07, 0x80, 0, 0, 0x04, 0x38])
        #expect(ImageTokens.pngSize(png)! == (1920, 1080))
        #expect(ImageTokens.pngSize(Data("not a png at all, really not".utf8)) == nil)
    }

    @Test func priceTableCostsBothProviders() throws {
        let t = try PriceTable(parsing: "gpt-x=2.5/10/1.25, claude-y = 3/15/0.3/3.75 ,cheap=0.1/0.4")
        // OpenAI: 1800 prompt tokens of which 800 cached, 120 out.
        let o = try #require(t.cost(provider: "openai", model: "gpt-x", input: 1800, output: 120, cacheRead: 800, cacheWrite: 0))
        #expect(abs(o - (1000 * 2.5 + 800 * 1.25 + 120 * 10) / 1e6) < 1e-12)
        // Anthropic: input excludes cache reads (1000) and writes (500).
        let a = try #require(t.cost(provider: "anthropic", model: "claude-y", input: 1700, output: 110, cacheRead: 1000, cacheWrite: 500))
        #expect(abs(a - (1700 * 3 + 1000 * 0.3 + 500 * 3.75 + 110 * 15) / 1e6) < 1e-12)
        // Defaults for cache prices: 10 % and 125 % of input.
        let cheap = try #require(t.price(of: "cheap"))
        #expect(abs(cheap.cacheRead - 0.01) < 1e-12 && abs(cheap.cacheWrite - 0.125) < 1e-12 && cheap.output == 0.4)
        #expect(t.cost(provider: "openai", model: "unknown", input: 1, output: 1, cacheRead: 0, cacheWrite: 0) == nil)
        for bad in ["gpt", "gpt=1", "gpt=a/b", "gpt=1/2/3/4/5", "gpt=-1/2", "gpt=1/2, gpt=1/2", "=1/2"] {
            #expect(throws: ModelValidationError.self, "\(bad)") { try PriceTable(parsing: bad) }
        }
    }
}
