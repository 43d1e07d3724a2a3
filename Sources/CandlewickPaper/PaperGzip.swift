import CZlib
import Foundation

/// Reads gzip files (`SYMBOL.csv.gz`, as `deploy/data/sp500-daily` ships them) with zlib.
public enum PaperGzip {
    /// The largest decompressed size accepted (a daily-bar CSV is a few MB; this stops a gzip bomb).
    public static let maxDecompressedBytes = 256 << 20

    /// Decompresses gzip `data`; throws `PaperError.config` naming `source` on corrupt, truncated or oversized input.
    public static func decompress(_ data: Data, source: String) throws -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw PaperError.config("\(source): zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var out = Data()
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var input = [UInt8](data)
        let status: Int32 = input.withUnsafeMutableBufferPointer { inBuf in
            stream.next_in = inBuf.baseAddress
            stream.avail_in = uInt(inBuf.count)
            while true {
                let rc = chunk.withUnsafeMutableBufferPointer { outBuf -> Int32 in
                    stream.next_out = outBuf.baseAddress
                    stream.avail_out = uInt(outBuf.count)
                    return inflate(&stream, Z_NO_FLUSH)
                }
                out.append(contentsOf: chunk[0..<(chunk.count - Int(stream.avail_out))])
                if out.count > maxDecompressedBytes { return Z_MEM_ERROR }
                if rc == Z_STREAM_END { return rc }
                if rc != Z_OK { return rc }
                if stream.avail_in == 0 && stream.avail_out != 0 { return Z_BUF_ERROR }  // input ended mid-stream
            }
        }
        switch status {
        case Z_STREAM_END: return out
        case Z_MEM_ERROR: throw PaperError.config("\(source): decompressed size above \(maxDecompressedBytes) bytes")
        case Z_BUF_ERROR: throw PaperError.config("\(source): gzip data is truncated")
        default: throw PaperError.config("\(source): not valid gzip data (zlib error \(status))")
        }
    }
}
