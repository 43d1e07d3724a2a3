import CPNG
import Foundation

/// Encodes a canvas as PNG in memory through libpng. Settings are fixed (no timestamps, no text
/// chunks), so the same pixels always give the same bytes. Lossless: a canvas with at most 256
/// colours is written as an 8-bit palette image (`PNGPalette`), any other as RGB8; either decodes
/// to exactly the canvas's pixels.
public enum PNGEncoder {
    /// zlib level 3 with filter NONE: chart images are mostly flat colour, where filtering and the
    /// lazy-matching levels (4 and up) cost far more time than they save bytes (measured in
    /// docs/benchmarks.md, Charts).
    public static let compressionLevel: Int32 = 3

    /// The image data is deflated in this many parts, concurrently. Fixed (not the core count) so
    /// the bytes are the same on every machine.
    public static let parts = 2

    /// The worker's encoding: a palette image when exact, else RGB, with the image data deflated
    /// in `parts` parts on as many threads as are free (libpng writes the signature, IHDR, PLTE,
    /// IDAT and IEND chunks and their CRCs; zlib compresses the parts). Filter NONE, zlib level 3,
    /// default strategy.
    public static func encode(_ canvas: Canvas, parts: Int) throws -> Data {
        if let palette = PNGPalette(canvas) {
            return try writeImageData(palette.scanlines, canvas, colourType: PNG_COLOR_TYPE_PALETTE,
                                      palette: palette.colours, parts: parts)
        }
        guard parts > 1 else { return try encode(canvas) }
        // The canvas already holds PNG scanlines (filter byte 0, then RGB): compress it as it is.
        return try writeImageData(canvas.scanlines, canvas, colourType: PNG_COLOR_TYPE_RGB, palette: [], parts: parts)
    }

    /// RGB8 through libpng's own single-threaded path (zlib level 3, filter NONE), whatever the
    /// number of colours: the benchmark's anchor.
    public static func encode(_ canvas: Canvas) throws -> Data {
        try write(canvas, colourType: PNG_COLOR_TYPE_RGB, palette: []) { png in
            canvas.scanlines.withUnsafeBufferPointer { p in
                for y in 0..<canvas.height {
                    png_write_row(png, UnsafeMutablePointer(mutating: p.baseAddress! + y * canvas.rowBytes + 1))
                }
            }
            return true
        }
    }

    /// Writes `scanlines` (PNG image data before compression) deflated in `parts` parts as the
    /// IDAT chunks, at most 1 MiB each.
    private static func writeImageData(_ scanlines: [UInt8], _ canvas: Canvas, colourType: Int32, palette: [RGB],
                                       parts: Int) throws -> Data {
        let idat = try ParallelDeflate.zlib(scanlines, level: compressionLevel, parts: parts)
        return try write(canvas, colourType: colourType, palette: palette) { png in
            idat.withUnsafeBufferPointer { p in
                var offset = 0
                while offset < p.count {
                    let n = min(1 << 20, p.count - offset)
                    png_write_chunk(png, Array("IDAT".utf8) + [0], p.baseAddress! + offset, n)
                    offset += n
                }
            }
            png_write_chunk(png, Array("IEND".utf8) + [0], nil, 0)
            return false
        }
    }

    /// Sets libpng up for an 8-bit image of the canvas's size and `colourType` writing to memory,
    /// writes the header (and the palette, if any), lets `body` write the image data, and finishes
    /// with `png_write_end` if `body` returns true.
    private static func write(_ canvas: Canvas, colourType: Int32, palette: [RGB], _ body: (png_structp) -> Bool) throws -> Data {
        final class Sink { var data = Data() }
        let sink = Sink()
        sink.data.reserveCapacity(canvas.width * canvas.height / 8)
        guard let png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nil, nil, nil) else {
            throw ChartError("libpng: cannot create write struct")
        }
        var info = png_create_info_struct(png)
        var pngOpt: png_structp? = png
        defer { png_destroy_write_struct(&pngOpt, &info) }
        let write: @convention(c) (png_structp?, png_bytep?, Int) -> Void = { p, bytes, length in
            guard let p, let bytes, let io = png_get_io_ptr(p) else { return }
            Unmanaged<Sink>.fromOpaque(io).takeUnretainedValue().data.append(bytes, count: length)
        }
        let flush: @convention(c) (png_structp?) -> Void = { _ in }
        png_set_write_fn(png, Unmanaged.passUnretained(sink).toOpaque(), write, flush)
        png_set_IHDR(png, info, png_uint_32(canvas.width), png_uint_32(canvas.height), 8, colourType,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT)
        if !palette.isEmpty {
            var entries = palette.map { png_color(red: $0.r, green: $0.g, blue: $0.b) }
            png_set_PLTE(png, info, &entries, Int32(entries.count))
        }
        png_set_compression_level(png, compressionLevel)
        png_set_filter(png, 0, PNG_FILTER_NONE)
        png_write_info(png, info)
        if body(png) { png_write_end(png, info) }
        return sink.data
    }
}
