import CFreeType
import Foundation

/// A chart could not be drawn: names what was missing or wrong.
public struct ChartError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where the fonts are. DejaVu Sans ships with Debian's fonts-dejavu-core.
public struct FontSet: Sendable {
    public var regular: String
    public var bold: String

    public init(regular: String = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                bold: String = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf") {
        self.regular = regular
        self.bold = bold
    }
}

/// One rendered glyph: an 8-bit coverage bitmap and its metrics.
struct Glyph {
    let bitmap: [UInt8]
    let width: Int
    let rows: Int
    let left: Int
    let top: Int
    let advance: Int
}

/// Text through FreeType: anti-aliased grayscale glyphs, cached per (face, pixel size, character).
/// Not thread-safe: one renderer per worker thread.
final class FontRenderer {
    private var library: FT_Library?
    private var faces: [FT_Face?] = []
    private var cache: [GlyphKey: Glyph] = [:]

    struct GlyphKey: Hashable {
        let face: Int
        let size: Int
        let scalar: UInt32
    }

    init(fonts: FontSet) throws {
        guard FT_Init_FreeType(&library) == 0 else { throw ChartError("FreeType could not be initialised") }
        for path in [fonts.regular, fonts.bold] {
            guard FileManager.default.fileExists(atPath: path) else {
                throw ChartError("font not found: \(path) (install fonts-dejavu-core or configure the font path)")
            }
            var face: FT_Face?
            guard FT_New_Face(library, path, 0, &face) == 0 else { throw ChartError("FreeType cannot load font \(path)") }
            faces.append(face)
        }
    }

    deinit {
        for f in faces { FT_Done_Face(f) }
        FT_Done_FreeType(library)
    }

    private func glyph(_ scalar: Unicode.Scalar, size: Int, bold: Bool) -> Glyph? {
        let key = GlyphKey(face: bold ? 1 : 0, size: size, scalar: scalar.value)
        if let g = cache[key] { return g }
        guard let face = faces[bold ? 1 : 0] else { return nil }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
        guard FT_Load_Char(face, FT_ULong(scalar.value), FT_Int32(FT_LOAD_RENDER)) == 0, let slot = face.pointee.glyph else {
            return nil
        }
        let bm = slot.pointee.bitmap
        let w = Int(bm.width), rows = Int(bm.rows), pitch = Int(bm.pitch)
        var pixels = [UInt8](repeating: 0, count: w * rows)
        if let buffer = bm.buffer {
            for y in 0..<rows { for x in 0..<w { pixels[y * w + x] = buffer[y * pitch + x] } }
        }
        let g = Glyph(bitmap: pixels, width: w, rows: rows, left: Int(slot.pointee.bitmap_left),
                      top: Int(slot.pointee.bitmap_top), advance: Int((slot.pointee.advance.x + 32) >> 6))
        cache[key] = g
        return g
    }

    /// The advance width of `text` in pixels.
    func measure(_ text: String, size: Int, bold: Bool = false) -> Int {
        text.unicodeScalars.reduce(0) { $0 + (glyph($1, size: size, bold: bold)?.advance ?? 0) }
    }

    /// Draws `text` with its baseline at `y`, aligned to `x` as asked; returns the width drawn.
    @discardableResult
    func draw(_ text: String, x: Int, y: Int, size: Int, color: RGB, bold: Bool = false,
              align: TextAlign = .left, on canvas: inout Canvas) -> Int {
        let width = measure(text, size: size, bold: bold)
        var pen = switch align {
        case .left: x
        case .center: x - width / 2
        case .right: x - width
        }
        for scalar in text.unicodeScalars {
            guard let g = glyph(scalar, size: size, bold: bold) else { continue }
            let ox = pen + g.left, oy = y - g.top
            for row in 0..<g.rows {
                for col in 0..<g.width {
                    let a = g.bitmap[row * g.width + col]
                    if a > 0 { canvas.blend(ox + col, oy + row, color, Double(a) / 255) }
                }
            }
            pen += g.advance
        }
        return width
    }
}

/// Horizontal text alignment relative to the given x.
enum TextAlign { case left, center, right }
