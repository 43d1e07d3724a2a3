import CPNG
import Foundation

/// Decodes an 8-bit RGB or palette PNG from memory with libpng to RGB pixels (test helper).
struct DecodedPNG {
    let width: Int
    let height: Int
    let pixels: [UInt8]
    /// The colour type in the file's header: `PNG_COLOR_TYPE_RGB` or `PNG_COLOR_TYPE_PALETTE`.
    let colourType: Int32
    /// The number of palette entries (0 for RGB).
    let paletteCount: Int

    init(_ data: Data) throws {
        final class Source {
            let data: Data
            var offset = 0
            init(_ d: Data) { data = d }
        }
        let source = Source(data)
        guard let png = png_create_read_struct(PNG_LIBPNG_VER_STRING, nil, nil, nil) else { throw DecodeError() }
        var info = png_create_info_struct(png)
        var pngOpt: png_structp? = png
        defer { png_destroy_read_struct(&pngOpt, &info, nil) }
        let read: @convention(c) (png_structp?, png_bytep?, Int) -> Void = { p, out, length in
            guard let p, let out, let io = png_get_io_ptr(p) else { return }
            let s = Unmanaged<Source>.fromOpaque(io).takeUnretainedValue()
            let n = min(length, s.data.count - s.offset)
            s.data.withUnsafeBytes { raw in
                out.update(from: raw.baseAddress!.assumingMemoryBound(to: UInt8.self) + s.offset, count: n)
            }
            s.offset += n
        }
        png_set_read_fn(png, Unmanaged.passUnretained(source).toOpaque(), read)
        png_read_info(png, info)
        let w = Int(png_get_image_width(png, info)), h = Int(png_get_image_height(png, info))
        let type = Int32(png_get_color_type(png, info))
        guard type == PNG_COLOR_TYPE_RGB || type == PNG_COLOR_TYPE_PALETTE, png_get_bit_depth(png, info) == 8 else { throw DecodeError() }
        var entries: png_colorp?
        var count: Int32 = 0
        if type == PNG_COLOR_TYPE_PALETTE {
            png_get_PLTE(png, info, &entries, &count)
            png_set_palette_to_rgb(png)
            png_read_update_info(png, info)
        }
        var buffer = [UInt8](repeating: 0, count: w * h * 3)
        buffer.withUnsafeMutableBufferPointer { b in
            for y in 0..<h { png_read_row(png, b.baseAddress! + y * w * 3, nil) }
        }
        width = w
        height = h
        pixels = buffer
        colourType = type
        paletteCount = Int(count)
    }

    struct DecodeError: Error {}
}
