import ArgumentParser
import CandlewickCore
import Foundation

/// `candlewick-bench hash`: SHA256Digest's throughput and per-call time over the sizes Candlewick hashes — short
/// strings (cache keys, client order ids), a 1 KiB envelope-sized buffer, a chart PNG's ~185 KiB, and 4 MiB. Timed in
/// the thread's CPU time, not wall time, so that other processes on a busy machine do not count.
struct HashBench: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "hash", abstract: "SHA-256 throughput by input size.")

    @Option(help: "Timed rounds per size (the median is reported).") var rounds = 7
    @Option(help: "Bytes to hash per round and size.") var bytesPerRound = 64 << 20

    func run() throws {
        var result: [String: Any] = [:]
        var sink = 0
        for size in [32, 1024, 185 * 1024, 4 << 20] {
            let data = Data((0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
            let calls = max(4, bytesPerRound / size)
            for _ in 0..<max(1, calls / 10) { sink &+= SHA256Digest.hex(of: data).utf8.count }  // warm-up
            var perCall: [Double] = []
            for _ in 0..<rounds {
                let t0 = threadCPUNanos()
                for _ in 0..<calls { sink &+= SHA256Digest.hex(of: data).utf8.count }
                perCall.append(Double(threadCPUNanos() - t0) / Double(calls))
            }
            let ns = perCall.sorted()[perCall.count / 2]
            result["\(size)"] = ["ns_per_call": ns, "mb_per_s": Double(size) / ns * 1e3]
        }
        result["sink"] = sink
        let data = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

/// CPU time used by the calling thread, in nanoseconds.
private func threadCPUNanos() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
