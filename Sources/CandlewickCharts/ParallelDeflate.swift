import CZlib
import Dispatch
import Foundation

/// A zlib stream made by deflating the input in parts on several threads (as pigz does): each part
/// is raw deflate primed with the previous part's last 32 KiB as dictionary and ended with a sync
/// flush (the last one finishes the stream); the Adler-32 checksums of the parts are combined.
/// The output is a valid zlib stream and the same input always gives the same bytes.
enum ParallelDeflate {
    static func zlib(_ input: [UInt8], level: Int32, parts requested: Int) throws -> [UInt8] {
        let parts = max(1, min(requested, input.count / (256 * 1024) + 1))
        let size = (input.count + parts - 1) / parts
        let ranges = (0..<parts).map { i in (i * size)..<min(input.count, (i + 1) * size) }
        let outputs = Locked([[UInt8]?](repeating: nil, count: parts))
        let sums = Locked([uLong](repeating: 0, count: parts))
        let failure = Locked<String?>(nil)
        input.withUnsafeBufferPointer { all in
            let base = UncheckedPointer(all.baseAddress!)
            let work: @Sendable (Int) -> Void = { i in
                let r = ranges[i]
                do {
                    let out = try deflatePart(base.pointer, range: r, level: level, last: i == parts - 1)
                    outputs.update { $0[i] = out }
                    let sum = adler32(adler32(0, nil, 0), base.pointer + r.lowerBound, uInt(r.count))
                    sums.update { $0[i] = sum }
                } catch {
                    failure.update { $0 = "\(error)" }
                }
            }
            // Parts 1… on dedicated threads, part 0 on this one. Not DispatchQueue.concurrentPerform:
            // called from Swift's cooperative pool it can deadlock when every pool thread waits for an
            // iteration queued behind the others. Dedicated threads always make progress.
            let done = DispatchSemaphore(value: 0)
            for i in 1..<parts {
                let thread = Thread {
                    work(i)
                    done.signal()
                }
                thread.name = "deflate-\(i)"
                thread.start()
            }
            work(0)
            for _ in 1..<parts { done.wait() }
        }
        if let message = failure.value { throw ChartError("deflate failed: \(message)") }
        var adler = adler32(0, nil, 0)
        for (i, r) in ranges.enumerated() { adler = adler32_combine(adler, sums.value[i], off_t(r.count)) }
        var stream: [UInt8] = [0x78, 0x5E]  // zlib header: deflate, 32 KiB window, level 2–5, no dictionary
        stream.reserveCapacity(outputs.value.reduce(0) { $0 + ($1?.count ?? 0) } + 6)
        for out in outputs.value { stream.append(contentsOf: out ?? []) }
        for shift in stride(from: 24, through: 0, by: -8) { stream.append(UInt8(truncatingIfNeeded: UInt32(adler) >> UInt32(shift))) }
        return stream
    }

    private static func deflatePart(_ base: UnsafePointer<UInt8>, range: Range<Int>, level: Int32, last: Bool) throws -> [UInt8] {
        var s = z_stream()
        guard deflateInit2_(&s, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw ChartError("deflateInit2 failed")
        }
        defer { deflateEnd(&s) }
        if range.lowerBound > 0 {
            let dict = min(32_768, range.lowerBound)
            guard deflateSetDictionary(&s, base + range.lowerBound - dict, uInt(dict)) == Z_OK else {
                throw ChartError("deflateSetDictionary failed")
            }
        }
        // Compress through a small reused buffer: a deflateBound-sized one would be megabytes of
        // zeroed memory for a result of ~100 KB.
        var out: [UInt8] = []
        out.reserveCapacity(range.count / 16)
        s.next_in = UnsafeMutablePointer(mutating: base + range.lowerBound)
        s.avail_in = uInt(range.count)
        let flush = last ? Z_FINISH : Z_SYNC_FLUSH
        try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 65_536) { chunk in
            while true {
                s.next_out = chunk.baseAddress
                s.avail_out = uInt(chunk.count)
                let rc = deflate(&s, flush)
                guard rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR else { throw ChartError("deflate returned \(rc)") }
                let produced = chunk.count - Int(s.avail_out)
                out.append(contentsOf: UnsafeBufferPointer(start: chunk.baseAddress, count: produced))
                if rc == Z_STREAM_END || (s.avail_in == 0 && s.avail_out > 0) { break }
            }
        }
        guard s.avail_in == 0 else { throw ChartError("deflate left \(s.avail_in) bytes") }
        return out
    }
}

/// A pointer shared read-only with worker threads for the duration of one call.
private struct UncheckedPointer: @unchecked Sendable {
    let pointer: UnsafePointer<UInt8>
    init(_ p: UnsafePointer<UInt8>) { pointer = p }
}

/// A value guarded by a lock, for results written by worker threads.
private final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ v: T) { stored = v }
    var value: T { lock.withLock { stored } }
    func update(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
