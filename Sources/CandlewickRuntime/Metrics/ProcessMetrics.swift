import CandlewickCore
import Metrics
import Foundation
import Prometheus
import Synchronization

/// The process's metrics registry: `MetricsSystem` bootstrapped once per process with a Prometheus registry
/// behind `ProcessLabelsFactory`, and the text exposition the heartbeat carries (docs/metrics.md).
public enum ProcessMetrics {
    private static let registry = Mutex<PrometheusCollectorRegistry?>(nil)

    /// Latency buckets (seconds) for the histograms whose values run to minutes (a model's answer).
    public static let slowBuckets: [Duration] = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120].map { .milliseconds(Int($0 * 1000)) }

    /// Bootstraps `MetricsSystem` for this process (the first call wins; later calls, e.g. a second
    /// `ProcessContext` in one test process, change nothing) and returns the registry.
    @discardableResult
    public static func bootstrap(process: String, instance: String) -> PrometheusCollectorRegistry {
        registry.withLock { current in
            if let current { return current }
            let made = PrometheusCollectorRegistry()
            var factory = PrometheusMetricsFactory(registry: made)
            factory.durationHistogramBuckets = ["candlewick_llm_request_duration_seconds": slowBuckets]
            MetricsSystem.bootstrap(ProcessLabelsFactory(wrapping: factory, process: process, instance: instance))
            current = made
            return made
        }
    }

    /// `candlewick_process_resident_memory_bytes`, set from /proc/self/statm before each exposition.
    private static let rss = Mutex<CoreMetrics.Gauge?>(nil)
    /// `candlewick_metrics_dropped_total`: expositions left out of a heartbeat because they were too large.
    private static let dropped = Mutex<CoreMetrics.Counter?>(nil)

    /// This process's exposition for its heartbeat, with the resident memory sampled now; nil when metrics
    /// were never bootstrapped, or when the text is over `PrometheusExposition.maxBytes` (then the drop is
    /// counted in `candlewick_metrics_dropped_total` and `warn` is called with the size). `limit` is for tests.
    public static func exposition(limit: Int = PrometheusExposition.maxBytes, warn: (Int) -> Void = { _ in }) -> String? {
        guard let registry = registry.withLock({ $0 }) else { return nil }
        if let bytes = residentBytes() {
            rss.withLock { g in
                if g == nil { g = CoreMetrics.Gauge(label: "candlewick_process_resident_memory_bytes") }
                return g!
            }.record(Double(bytes))
        }
        let text = registry.emitToString()
        guard text.utf8.count <= limit else {
            dropped.withLock { c in
                if c == nil { c = CoreMetrics.Counter(label: "candlewick_metrics_dropped_total") }
                return c!
            }.increment()
            warn(text.utf8.count)
            return nil
        }
        return text
    }

    /// Resident set size in bytes from `/proc/self/statm` (second field, in pages); nil where there is none.
    public static func residentBytes(statm path: String = "/proc/self/statm") -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let fields = text.split(separator: " ")
        guard fields.count >= 2, let pages = Int(fields[1]) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
