/// An opaque RGB colour.
public struct RGB: Sendable, Hashable {
    public let r: UInt8
    public let g: UInt8
    public let b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    /// `0xRRGGBB`.
    public init(hex: UInt32) {
        self.init(UInt8(hex >> 16 & 0xff), UInt8(hex >> 8 & 0xff), UInt8(hex & 0xff))
    }
}

/// The chart's colours, chosen for legibility on white and distinguishable by a vision model.
public enum Palette {
    public static let background = RGB(hex: 0xFFFFFF)
    public static let panel = RGB(hex: 0xFFFFFF)
    public static let grid = RGB(hex: 0xE6E9EF)
    public static let frame = RGB(hex: 0xB8BEC9)
    public static let text = RGB(hex: 0x1F2430)
    public static let mutedText = RGB(hex: 0x5A6272)
    public static let up = RGB(hex: 0x1A9E5A)
    public static let down = RGB(hex: 0xD8353B)
    public static let upVolume = RGB(hex: 0x8FD1AD)
    public static let downVolume = RGB(hex: 0xF0A3A6)
    public static let sma20 = RGB(hex: 0x2F6FDB)
    public static let sma50 = RGB(hex: 0xF08C00)
    public static let sma200 = RGB(hex: 0x7B2CBF)
    public static let bollinger = RGB(hex: 0x6C8EAD)
    public static let bollingerFill = RGB(hex: 0xDCE6F2)
    public static let rsi = RGB(hex: 0x7B2CBF)
    public static let rsiBand = RGB(hex: 0xF1ECF8)
    public static let guide = RGB(hex: 0x9AA1AE)
    public static let macd = RGB(hex: 0x2F6FDB)
    public static let signal = RGB(hex: 0xF08C00)
    public static let lastPrice = RGB(hex: 0x1F2430)
}
