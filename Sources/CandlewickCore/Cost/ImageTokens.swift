import Foundation

/// Image tokens of a chart, computed the way each provider counts them (the APIs do not always
/// report them): OpenAI's tile formula (GPT-4o class) per detail level, OpenAI's 32-px patch
/// formula (GPT-4.1-mini class, with the model's multiplier), and Anthropic's pixels / 750 after
/// its resize.
public enum ImageTokens {
    /// How a model family counts image tokens (`llm.image_token_formula`).
    public enum Formula: String, Sendable, Hashable, CaseIterable, Codable {
        case openAITile = "openai-tile"
        case openAIPatch = "openai-patch"
        case anthropic
    }

    /// OpenAI tile models: `low` is a flat 85; `high` (and `auto`/`original`, which pick high
    /// detail for a chart this size) fits the image in 2048×2048, scales its short side down to
    /// 768, and costs 85 + 170 per 512-px tile. 1920×1080 high → 1365×768 → 3×2 tiles → 1,105.
    public static func openAITile(width: Int, height: Int, detail: String) -> Int {
        if detail == "low" { return 85 }
        var w = Double(width), h = Double(height)
        let fit = min(1, 2048 / max(w, h))
        w *= fit
        h *= fit
        let short = min(w, h)
        if short > 768 {
            w = (w * 768 / short).rounded(.down)
            h = (h * 768 / short).rounded(.down)
        }
        let tiles = Int((w / 512).rounded(.up)) * Int((h / 512).rounded(.up))
        return 85 + 170 * tiles
    }

    /// OpenAI patch models: 32-px patches, at most 1,536 (the image is scaled down to fit), times
    /// the model's multiplier (1.62 for gpt-4.1-mini, 2.46 for gpt-4.1-nano).
    public static func openAIPatch(width: Int, height: Int, multiplier: Double = 1) -> Int {
        let w = Double(width), h = Double(height)
        var patches = (w / 32).rounded(.up) * (h / 32).rounded(.up)
        if patches > 1536 {
            var r = (32 * 32 * 1536 / (w * h)).squareRoot()
            r *= min((w * r / 32).rounded(.down) / (w * r / 32), (h * r / 32).rounded(.down) / (h * r / 32))
            patches = min(1536, (w * r / 32).rounded(.up) * (h * r / 32).rounded(.up))
        }
        return Int((patches * multiplier).rounded())
    }

    /// Anthropic's resize: an image over 1,568 px on its long side or over 1,600 tokens
    /// (1,200,000 px) is scaled down to fit both, sides rounded down to a multiple of 8.
    /// 1920×1080 → 1456×816.
    public static func anthropicSize(width: Int, height: Int) -> (width: Int, height: Int) {
        let w = Double(width), h = Double(height)
        let scale = min(1, 1568 / max(w, h), (1_200_000 / (w * h)).squareRoot())
        guard scale < 1 else { return (width, height) }
        return (Int(w * scale) / 8 * 8, Int(h * scale) / 8 * 8)
    }

    /// Anthropic: width × height / 750 after the resize. 1920×1080 → 1456×816 → 1,584.
    public static func anthropic(width: Int, height: Int) -> Int {
        let s = anthropicSize(width: width, height: height)
        return Int((Double(s.width * s.height) / 750).rounded())
    }

    public static func tokens(_ formula: Formula, width: Int, height: Int, detail: String, patchMultiplier: Double = 1) -> Int {
        switch formula {
        case .openAITile: openAITile(width: width, height: height, detail: detail)
        case .openAIPatch: openAIPatch(width: width, height: height, multiplier: patchMultiplier)
        case .anthropic: anthropic(width: width, height: height)
        }
    }

    /// Width and height from a PNG's IHDR chunk, or nil when the bytes are not a PNG.
    public static func pngSize(_ data: Data) -> (width: Int, height: Int)? {
        let b = [UInt8](data.prefix(24))
        guard b.count == 24, b[0..<8] == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], b[12..<16] == [0x49, 0x48, 0x44, 0x52] else {
            return nil
        }
        func be(_ i: Int) -> Int { Int(b[i]) << 24 | Int(b[i + 1]) << 16 | Int(b[i + 2]) << 8 | Int(b[i + 3]) }
        return (be(16), be(20))
    }
}
