import ArgumentParser
import CandlewickBus
import CandlewickRuntime
import Foundation

/// `candlewick-bench bus`: one hop of the bus vs raw libzmq, throughput and round-trip latency.
struct BusBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bus", abstract: "Bus hop vs raw libzmq.")

    @Option(help: "Messages per throughput run.") var count = 50_000
    @Option(help: "Round trips per latency run.") var roundTrips = 5_000
    @Option(help: "Message size in bytes.") var size = 1024
    @Option(help: "Repetitions (the median is reported).") var repeats = 5
    @Option(help: "tcp or ipc.") var transport = "tcp"
    @Flag(help: "CURVE on both the raw libzmq sockets and the envelope path (keys, ZAP, per-request checks).") var curve = false
    @Flag(help: "Bootstrap the Prometheus metrics as every process does, so the bus's counters count (docs/metrics.md).") var metrics = false
    @Option(help: "Which measurements to run, comma-separated (for profiling one alone): raw, ours, raw-rtt, rtt, pool-rtt.")
    var only = "raw,ours,raw-rtt,rtt,pool-rtt"

    /// The measurement names `--only` takes.
    private static let measurements: Set<String> = ["raw", "ours", "raw-rtt", "rtt", "pool-rtt"]

    func validate() throws {
        let unknown = only.split(separator: ",").map(String.init).filter { !Self.measurements.contains($0) }
        guard unknown.isEmpty else {
            throw ValidationError("--only: unknown measurement(s) \(unknown.joined(separator: ", ")); known: \(Self.measurements.sorted().joined(separator: ", "))")
        }
    }

    func run() async throws {
        if metrics { ProcessMetrics.bootstrap(process: "candlewick-bench", instance: "candlewick-bench.1") }
        func endpoint() -> String {
            transport == "ipc" ? "ipc:///tmp/candlewick-bench-\(UUID().uuidString.prefix(8)).sock" : "tcp://127.0.0.1:*"
        }
        let keys = curve ? try BenchCurve() : nil
        var raw: [Double] = [], ours: [Double] = []
        var rawRTT: [Double] = [], oursRTT: [Double] = [], poolRTT: [Double] = []
        let runs = Set(only.split(separator: ",").map(String.init))
        for _ in 0..<repeats {
            if runs.contains("raw") { raw.append(try BusBenchmark.rawThroughput(endpoint: endpoint(), count: count, size: size, curve: keys)) }
            if runs.contains("ours") { ours.append(try await BusBenchmark.envelopeThroughput(endpoint: endpoint(), count: count, size: size, curve: keys)) }
            if runs.contains("raw-rtt") { rawRTT += try BusBenchmark.rawRoundTrips(endpoint: endpoint(), count: roundTrips, size: size, curve: keys) }
            if runs.contains("rtt") { oursRTT += try await BusBenchmark.envelopeRoundTrips(endpoint: endpoint(), count: roundTrips, size: size, curve: keys) }
            if runs.contains("pool-rtt") {
                poolRTT += try await BusBenchmark.envelopeRoundTrips(endpoint: endpoint(), count: roundTrips, size: size, curve: keys, onClientThread: false)
            }
        }
        let result: [String: Any] = [
            "transport": transport, "curve": curve, "metrics": metrics, "message_bytes": size, "envelope_bytes": try BusBenchmark.envelopeBytes(size: size),
            "count": count, "round_trips": roundTrips, "repeats": repeats,
            "raw_msgs_per_s": raw, "envelope_msgs_per_s": ours,
            "raw_rtt_us_p50": percentile(rawRTT, 0.5), "raw_rtt_us_p99": percentile(rawRTT, 0.99),
            "envelope_rtt_us_p50": percentile(oursRTT, 0.5), "envelope_rtt_us_p99": percentile(oursRTT, 0.99),
            "envelope_pool_rtt_us_p50": percentile(poolRTT, 0.5), "envelope_pool_rtt_us_p99": percentile(poolRTT, 0.99),
            "peak_rss_mb": peakRSSMegabytes(),
        ]
        // A measurement not run (`--only`) has no percentile: null, not NaN (which JSON cannot hold).
        let data = try JSONSerialization.data(withJSONObject: result.mapValues { ($0 as? Double)?.isNaN == true ? NSNull() : $0 },
                                              options: [.sortedKeys])
        print(String(decoding: data, as: UTF8.self))
    }
}

func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return .nan }
    let s = values.sorted()
    return s[min(s.count - 1, Int(Double(s.count - 1) * p))]
}

/// This process's peak resident set. Linux's `VmHWM` (of this process image only): `getrusage`'s `ru_maxrss`
/// survives `execve`, so a bench started by a big parent (the Python bench script, holding every request the mock
/// received) reported the parent's size at fork instead of its own.
func peakRSSMegabytes() -> Double {
    if let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
       let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
       let kB = Double(line.dropFirst("VmHWM:".count).trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "") {
        return kB / 1024
    }
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_maxrss) / 1024
}
