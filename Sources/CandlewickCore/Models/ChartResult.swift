import Foundation

/// A rendered chart: where its PNG is (a file path, a bus attachment index, or both) and how to verify it.
///
/// Rules: `width`, `height`, `byte_size`, `bars_shown` > 0; `sha256` is 64 lower-case hex digits;
/// at least one of `file_path` and `attachment` is present; `attachment >= 0`.
public struct ChartResult: Sendable, Hashable {
    public let symbol: String
    public let timeframe: Timeframe
    public let width: Int
    public let height: Int
    /// Where the PNG was written, if it was.
    public let filePath: String?
    /// The index of the extra ZeroMQ frame that carries the PNG bytes (0 = first attachment), if any.
    public let attachment: Int?
    public let byteSize: Int
    public let sha256: String
    public let indicatorsDrawn: [String]
    public let barsShown: Int
    public let renderedAt: Date

    public init(symbol: String, timeframe: Timeframe, width: Int, height: Int, filePath: String? = nil,
                attachment: Int? = nil, byteSize: Int, sha256: String, indicatorsDrawn: [String], barsShown: Int,
                renderedAt: Date) throws {
        let v = Validator("ChartResult")
        try SymbolRule.validate(symbol, model: "ChartResult")
        try v.require(width > 0, "width", "must be > 0, got \(width)")
        try v.require(height > 0, "height", "must be > 0, got \(height)")
        try v.require(byteSize > 0, "byte_size", "must be > 0, got \(byteSize)")
        try v.require(barsShown > 0, "bars_shown", "must be > 0, got \(barsShown)")
        try v.require(sha256.utf8.count == 64 && sha256.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) },
                      "sha256", "must be 64 lower-case hex digits")
        try v.require(filePath != nil || attachment != nil, "file_path", "file_path or attachment must be present")
        if let filePath { try v.nonEmpty(filePath, "file_path") }
        if let attachment { try v.require(attachment >= 0, "attachment", "must be >= 0, got \(attachment)") }
        self.symbol = symbol
        self.timeframe = timeframe
        self.width = width
        self.height = height
        self.filePath = filePath
        self.attachment = attachment
        self.byteSize = byteSize
        self.sha256 = sha256
        self.indicatorsDrawn = indicatorsDrawn
        self.barsShown = barsShown
        self.renderedAt = renderedAt
    }
}

extension ChartResult: Codable {
    enum CodingKeys: String, CodingKey {
        case symbol, timeframe, width, height, attachment, sha256
        case filePath = "file_path", byteSize = "byte_size", indicatorsDrawn = "indicators_drawn"
        case barsShown = "bars_shown", renderedAt = "rendered_at"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            symbol: c.decode(String.self, forKey: .symbol), timeframe: c.decode(Timeframe.self, forKey: .timeframe),
            width: c.decode(Int.self, forKey: .width), height: c.decode(Int.self, forKey: .height),
            filePath: c.decodeIfPresent(String.self, forKey: .filePath),
            attachment: c.decodeIfPresent(Int.self, forKey: .attachment),
            byteSize: c.decode(Int.self, forKey: .byteSize), sha256: c.decode(String.self, forKey: .sha256),
            indicatorsDrawn: c.decodeIfPresent([String].self, forKey: .indicatorsDrawn) ?? [],
            barsShown: c.decode(Int.self, forKey: .barsShown), renderedAt: c.decode(Date.self, forKey: .renderedAt))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(symbol, forKey: .symbol)
        try c.encode(timeframe, forKey: .timeframe)
        try c.encode(width, forKey: .width)
        try c.encode(height, forKey: .height)
        try c.encodeIfPresent(filePath, forKey: .filePath)
        try c.encodeIfPresent(attachment, forKey: .attachment)
        try c.encode(byteSize, forKey: .byteSize)
        try c.encode(sha256, forKey: .sha256)
        try c.encode(indicatorsDrawn, forKey: .indicatorsDrawn)
        try c.encode(barsShown, forKey: .barsShown)
        try c.encode(renderedAt, forKey: .renderedAt)
    }
}
