/// An RGB8 raster, row-major, top-left origin. Every drawing call clips to the canvas and to the
/// current clip rectangle.
///
/// Rows are stored the way PNG's image data wants them: a filter-type byte (0, "none") followed by
/// the row's RGB bytes, so the encoder compresses the buffer as it is, without a copy.
public struct Canvas: Sendable {
    public let width: Int
    public let height: Int
    /// `height` rows of `1 + width * 3` bytes: a 0 filter byte, then RGB.
    public private(set) var scanlines: [UInt8]
    /// Bytes per stored row (`1 + width * 3`).
    public let rowBytes: Int
    /// Drawing is limited to this rectangle (x0 ≤ x < x1, y0 ≤ y < y1).
    public var clip: PixelRect

    public init(width: Int, height: Int, background: RGB) {
        precondition(width > 0 && height > 0, "canvas size must be positive")
        self.width = width
        self.height = height
        rowBytes = 1 + width * 3
        var row = [UInt8]()
        row.reserveCapacity(rowBytes)
        row.append(0)
        for _ in 0..<width { row.append(background.r); row.append(background.g); row.append(background.b) }
        var all = [UInt8]()
        all.reserveCapacity(rowBytes * height)
        for _ in 0..<height { all.append(contentsOf: row) }
        scanlines = all
        clip = PixelRect(x0: 0, y0: 0, x1: width, y1: height)
    }

    /// Byte offset of pixel (x, y) in `scanlines`.
    @inline(__always)
    func offset(_ x: Int, _ y: Int) -> Int { y * rowBytes + 1 + x * 3 }

    /// The colour at (x, y).
    public func pixel(_ x: Int, _ y: Int) -> RGB {
        let i = offset(x, y)
        return RGB(scanlines[i], scanlines[i + 1], scanlines[i + 2])
    }

    /// The image as packed RGB bytes (`width * height * 3`), without the filter bytes.
    public var rgb: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(width * height * 3)
        for y in 0..<height { out.append(contentsOf: scanlines[(y * rowBytes + 1)..<((y + 1) * rowBytes)]) }
        return out
    }

    /// Runs `body` with drawing limited to `rect` (intersected with the current clip).
    public mutating func clipped(to rect: PixelRect, _ body: (inout Canvas) -> Void) {
        let saved = clip
        clip = clip.intersection(rect)
        body(&self)
        clip = saved
    }

    /// Fills the pixels whose centres lie in [x0, x1) × [y0, y1) (after clipping) with `color`.
    public mutating func fillRect(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGB) {
        let ax = max(x0, clip.x0), bx = min(x1, clip.x1), ay = max(y0, clip.y0), by = min(y1, clip.y1)
        guard ax < bx, ay < by else { return }
        let start = offset(ax, ay), stride = rowBytes
        scanlines.withUnsafeMutableBufferPointer { p in
            for y in ay..<by {
                var i = start + (y - ay) * stride
                for _ in ax..<bx {
                    p[i] = color.r; p[i + 1] = color.g; p[i + 2] = color.b
                    i += 3
                }
            }
        }
    }

    /// Blends `color` over (x, y) with coverage `alpha` in 0...1, rounded to one of
    /// `coverageLevels` steps (see `Canvas+Coverage.swift`).
    @inline(__always)
    public mutating func blend(_ x: Int, _ y: Int, _ color: RGB, _ alpha: Double) {
        guard x >= clip.x0, x < clip.x1, y >= clip.y0, y < clip.y1, alpha > 0 else { return }
        let a = Canvas.coverageWeight(alpha)
        guard a > 0 else { return }
        let i = offset(x, y)
        scanlines.withUnsafeMutableBufferPointer { p in
            p[i] = UInt8((Int(p[i]) * (256 - a) + Int(color.r) * a) >> 8)
            p[i + 1] = UInt8((Int(p[i + 1]) * (256 - a) + Int(color.g) * a) >> 8)
            p[i + 2] = UInt8((Int(p[i + 2]) * (256 - a) + Int(color.b) * a) >> 8)
        }
    }

    /// Blends `color` at coverage `alpha` (rounded as in `blend`) over the column x, rows y0..<y1
    /// (clipped): the hot path of band fills.
    public mutating func blendColumn(x: Int, y0: Int, y1: Int, _ color: RGB, _ alpha: Double) {
        guard x >= clip.x0, x < clip.x1, alpha > 0 else { return }
        let a = Canvas.coverageWeight(alpha)
        guard a > 0 else { return }
        let ya = max(y0, clip.y0), yb = min(y1, clip.y1)
        guard ya < yb else { return }
        let (r, g, b) = (Int(color.r) * a, Int(color.g) * a, Int(color.b) * a)
        let keep = 256 - a
        let stride = rowBytes
        var i = offset(x, ya)
        scanlines.withUnsafeMutableBufferPointer { p in
            for _ in ya..<yb {
                p[i] = UInt8((Int(p[i]) * keep + r) >> 8)
                p[i + 1] = UInt8((Int(p[i + 1]) * keep + g) >> 8)
                p[i + 2] = UInt8((Int(p[i + 2]) * keep + b) >> 8)
                i += stride
            }
        }
    }

    /// A horizontal line one pixel high, solid or dashed (`dash` on, `gap` off).
    public mutating func horizontalLine(y: Int, x0: Int, x1: Int, _ color: RGB, dash: Int = 0, gap: Int = 0) {
        guard dash > 0 else { return fillRect(x0: x0, y0: y, x1: x1, y1: y + 1, color) }
        var x = x0
        while x < x1 {
            fillRect(x0: x, y0: y, x1: min(x + dash, x1), y1: y + 1, color)
            x += dash + gap
        }
    }

    /// A vertical line one pixel wide.
    public mutating func verticalLine(x: Int, y0: Int, y1: Int, _ color: RGB) {
        fillRect(x0: x, y0: min(y0, y1), x1: x + 1, y1: max(y0, y1) + 1, color)
    }

    /// The outline of a rectangle, one pixel wide.
    public mutating func strokeRect(_ r: PixelRect, _ color: RGB) {
        horizontalLine(y: r.y0, x0: r.x0, x1: r.x1, color)
        horizontalLine(y: r.y1 - 1, x0: r.x0, x1: r.x1, color)
        verticalLine(x: r.x0, y0: r.y0, y1: r.y1 - 1, color)
        verticalLine(x: r.x1 - 1, y0: r.y0, y1: r.y1 - 1, color)
    }
}

/// An integer pixel rectangle: x0 ≤ x < x1, y0 ≤ y < y1.
public struct PixelRect: Sendable, Hashable {
    public var x0: Int
    public var y0: Int
    public var x1: Int
    public var y1: Int

    public init(x0: Int, y0: Int, x1: Int, y1: Int) {
        self.x0 = x0
        self.y0 = y0
        self.x1 = x1
        self.y1 = y1
    }

    public var width: Int { x1 - x0 }
    public var height: Int { y1 - y0 }

    public func intersection(_ o: PixelRect) -> PixelRect {
        PixelRect(x0: max(x0, o.x0), y0: max(y0, o.y0), x1: max(max(x0, o.x0), min(x1, o.x1)),
                  y1: max(max(y0, o.y0), min(y1, o.y1)))
    }

    public func contains(_ x: Int, _ y: Int) -> Bool { x >= x0 && x < x1 && y >= y0 && y < y1 }
}
