import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation
import Testing

/// Uses the process-wide `MetricsSystem` (bootstrapped once, as every Candlewick process does); each test counts in
/// a family no other code uses, so tests running beside it change nothing it reads.
@Suite("Process metrics")
struct ProcessMetricsTests {
    init() { ProcessMetrics.bootstrap(process: "candlewick-tests", instance: "candlewick-tests.1") }

    /// The value of the series whose line starts with `prefix` (name and its own labels; the process labels follow,
    /// whichever test bootstrapped the process first) in this process's exposition.
    func value(_ prefix: String) -> Double? {
        guard let text = ProcessMetrics.exposition() else { return nil }
        return text.split(separator: "\n").first { $0.hasPrefix(prefix + "process=\"") && $0.contains(",instance=\"") }
            .flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func labelledCountersCountPerSeriesWithTheProcessLabels() {
        let one = LabelledCounters("candlewick_test_one_label_total", labels: ["type"])
        let two = LabelledCounters("candlewick_test_two_labels_total", labels: ["outcome", "reason"])
        for _ in 0..<5 { one.increment("a") }
        one.increment("b", by: 2)
        two.increment("denied", "halted", by: 3)
        two.increment("denied", "halted")
        #expect(value(#"candlewick_test_one_label_total{type="a","#) == 5)
        #expect(value(#"candlewick_test_one_label_total{type="b","#) == 2)
        #expect(value(#"candlewick_test_two_labels_total{outcome="denied",reason="halted","#) == 4)
        // The same series through the one-label and the general path is one counter.
        #expect(one.counter(["a"]) === one.counter(["a"]))
    }

    @Test func theExpositionCarriesResidentMemoryAndParses() throws {
        let text = try #require(ProcessMetrics.exposition())
        #expect((value(#"candlewick_process_resident_memory_bytes{"#) ?? 0) > 1_000_000)
        #expect(PrometheusExposition.merge([text]).skipped.isEmpty)
        // A second bootstrap (a second ProcessContext in one process) keeps the first registry and its labels.
        ProcessMetrics.bootstrap(process: "other", instance: "other.1")
        #expect(ProcessMetrics.exposition()?.contains(#"process="other""#) == false)
    }

    @Test func anExpositionOverTheLimitIsDroppedAndCounted() throws {
        let before = value(#"candlewick_metrics_dropped_total{"#) ?? 0
        var warned: [Int] = []
        #expect(ProcessMetrics.exposition(limit: 100, warn: { warned.append($0) }) == nil)
        #expect(warned.count == 1 && warned[0] > 100)
        #expect(value(#"candlewick_metrics_dropped_total{"#) == before + 1)
    }
}
