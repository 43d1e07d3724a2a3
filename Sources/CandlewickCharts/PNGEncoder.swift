import CPNG
import Foundation

/// Encodes an RGB8 canvas as PNG in memory through libpng. Settings are fixed (no timestamps, no
/// text chunks), so the same pixels always give the same bytes.
public enum PNGEncoder {
    /// zlib level 3 with filter NONE: chart images are mostly flat colour, where filtering costs
    /// far more time than it saves bytes (see docs/benchmarks.md).
    public static let compressionLevel: Int32 = 3

    /// The image data is deflated in this many parts, concurrently. Fixed (not the core count) so
    /// the bytes are the same on every machine.
    public static let parts = 2

    /// Encodes with the image data deflated in `parts` parts on as many threads as are free
    /// (libpng writes the signature, IHDR, IDAT and IEND chunks and their CRCs; zlib compresses
    /// the parts). With one part this is `encode(_:)`, libpng's own single-threaded path.
    public static func encode(_ canvas: Canvas, parts: Int) throws -> Data {
        guard parts > 1 else { return try encode(canvas) }
        // The canvas already holds PNG scanlines (filter byte 0, then RGB): compress it as it is.
        let idat = try ParallelDeflate.zlib(canvas.scanlines, level: compressionLevel, parts: parts)
        return try write(canvas) { png, _ in
            idat.withUnsafeBufferPointer { p in
                var offset = 0
                while offset < p.count {  // IDAT chunks of at most 1 MiB
                    let n = min(1 << 20, p.count - offset)
                    png_write_chunk(png, Array("IDAT".utf8) + [0], p.baseAddress! + offset, n)
                    offset += n
                }
            }
            png_write_chunk(png, Array("IEND".utf8) + [0], nil, 0)
            return false
        }
    }

    public static func encode(_ canvas: Canvas) throws -> Data {
        try write(canvas) { png, _ in
            canvas.scanlines.withUnsafeBufferPointer { p in
                for y in 0..<canvas.height {
                    png_write_row(png, UnsafeMutablePointer(mutating: p.baseAddress! + y * canvas.rowBytes + 1))
                }
            }
            return true
        }
    }

    /// Sets libpng up for an RGB8 image of the canvas's size writing to memory, writes the header,
    /// lets `body` write the image data, and finishes with `png_write_end` if `body` returns true.
    private static func write(_ canvas: Canvas, _ body: (png_structp, png_infop?) -> Bool) throws -> Data {
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
        png_set_IHDR(png, info, png_uint_32(canvas.width), png_uint_32(canvas.height), 8, PNG_COLOR_TYPE_RGB,
                     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT)
        png_set_compression_level(png, compressionLevel)
        png_set_filter(png, 0, PNG_FILTER_NONE)
        png_write_info(png, info)
        if body(png, info) { png_write_end(png, info) }
        return sink.data
    }
}
