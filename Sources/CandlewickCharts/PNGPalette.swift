/// A canvas as PNG palette image data, made only when exact: when the canvas has at most 256
/// distinct colours (PNG's limit for a palette), every pixel becomes the index of its colour, so
/// decoding gives back exactly the canvas's pixels. A canvas with more colours has no
/// `PNGPalette` (it is encoded as RGB); nothing is ever approximated.
///
/// The palette lists colours in the order they first occur (rows top to bottom, pixels left to
/// right), so the same pixels always give the same palette and the same bytes.
struct PNGPalette {
    /// PNG's largest palette (8-bit indices).
    static let maxColours = 256

    /// The distinct colours, in order of first occurrence.
    let colours: [RGB]
    /// `height` rows of `1 + width` bytes: a 0 filter byte ("none"), then one index per pixel.
    let scanlines: [UInt8]

    /// The canvas's palette and indices, or nil when it has more than `maxColours` colours (the
    /// scan stops at the first colour too many).
    init?(_ canvas: Canvas) {
        guard Self.sampleFits(canvas) else { return nil }
        let width = canvas.width, height = canvas.height, rowBytes = canvas.rowBytes
        var table = ColourTable()
        var colours: [RGB] = []
        var indices = [UInt8](repeating: 0, count: (1 + width) * height)
        let complete = canvas.scanlines.withUnsafeBufferPointer { src in
            indices.withUnsafeMutableBufferPointer { dst in
                // Most pixels repeat their left neighbour: remember the last colour and its index.
                var last = UInt32.max, lastIndex: UInt8 = 0
                for y in 0..<height {
                    var i = y * rowBytes + 1, o = y * (1 + width) + 1
                    for _ in 0..<width {
                        let key = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
                        if key != last {
                            if let index = table.index(of: key) {
                                lastIndex = index
                            } else {
                                guard colours.count < Self.maxColours else { return false }
                                lastIndex = UInt8(colours.count)
                                table.insert(key, index: lastIndex)
                                colours.append(RGB(src[i], src[i + 1], src[i + 2]))
                            }
                            last = key
                        }
                        dst[o] = lastIndex
                        i += 3
                        o += 1
                    }
                }
                return true
            }
        }
        guard complete else { return nil }
        self.colours = colours
        scanlines = indices
    }

    /// Rows sampled by `sampleFits`: every `sampleStride`-th.
    static let sampleStride = 8

    /// False when every `sampleStride`-th row alone has more than `maxColours` colours (then the
    /// whole image has too: an exact answer). An anti-aliased chart (~1,000 colours) is rejected
    /// after an eighth of the work of indexing it; an image that passes is indexed in full.
    static func sampleFits(_ canvas: Canvas) -> Bool {
        var table = ColourTable()
        var count = 0
        return canvas.scanlines.withUnsafeBufferPointer { src in
            var last = UInt32.max
            for y in stride(from: 0, to: canvas.height, by: sampleStride) {
                var i = y * canvas.rowBytes + 1
                for _ in 0..<canvas.width {
                    let key = UInt32(src[i]) << 16 | UInt32(src[i + 1]) << 8 | UInt32(src[i + 2])
                    if key != last, table.index(of: key) == nil {
                        guard count < maxColours else { return false }
                        table.insert(key, index: 0)
                        count += 1
                    }
                    last = key
                    i += 3
                }
            }
            return true
        }
    }
}

/// An open-addressing hash table from a 24-bit colour to its palette index, sized for at most 256
/// colours (1,024 slots: never more than a quarter full).
private struct ColourTable {
    private static let slots = 1024
    private static let empty = UInt32.max
    private var keys = [UInt32](repeating: ColourTable.empty, count: ColourTable.slots)
    private var values = [UInt8](repeating: 0, count: ColourTable.slots)

    @inline(__always)
    private static func slot(_ key: UInt32) -> Int { Int((key &* 2_654_435_761) >> 22) }

    func index(of key: UInt32) -> UInt8? {
        var s = Self.slot(key)
        while keys[s] != Self.empty {
            if keys[s] == key { return values[s] }
            s = (s + 1) & (Self.slots - 1)
        }
        return nil
    }

    mutating func insert(_ key: UInt32, index: UInt8) {
        var s = Self.slot(key)
        while keys[s] != Self.empty { s = (s + 1) & (Self.slots - 1) }
        keys[s] = key
        values[s] = index
    }
}
