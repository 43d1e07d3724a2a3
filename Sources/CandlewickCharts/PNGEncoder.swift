import CPNG
import Foundation

/// Encodes an RGB8 canvas as PNG in memory through libpng. Settings are fixed (no timestamps, no
/// text chunks), so the same pixels always give the same bytes.
public enum PNGEncoder {
    /// zlib level 3 with filter NONE: chart images are mostly flat colour, where filtering costs
    /// far more time than it saves bytes (see docs/benchmarks.md).
    public static let compressionLevel: Int32 = 3

    public static func encode(_ canvas: Canvas) throws -> Data {
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
        canvas.pixels.withUnsafeBufferPointer { p in
            let stride = canvas.width * 3
            for y in 0..<canvas.height {
                png_write_row(png, UnsafeMutablePointer(mutating: p.baseAddress! + y * stride))
            }
        }
        png_write_end(png, info)
        return sink.data
    }
}
