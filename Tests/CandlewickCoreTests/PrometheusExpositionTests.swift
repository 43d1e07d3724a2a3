import CandlewickCore
import Foundation
import Testing

@Suite("Prometheus exposition merge")
struct PrometheusExpositionTests {
    let chart = """
        # TYPE candlewick_jobs_taken_total counter
        candlewick_jobs_taken_total{stage="charts",process="chart-worker",instance="chart-worker.1"} 4
        # TYPE candlewick_process_resident_memory_bytes gauge
        candlewick_process_resident_memory_bytes{process="chart-worker",instance="chart-worker.1"} 1.2e+07

        """
    let llm = """
        # HELP candlewick_jobs_taken_total Jobs taken by a worker.
        # TYPE candlewick_jobs_taken_total counter
        candlewick_jobs_taken_total{stage="analysis",process="llm-worker",instance="llm-worker.1"} 3
        # TYPE candlewick_llm_request_duration_seconds histogram
        candlewick_llm_request_duration_seconds_bucket{provider="anthropic",process="llm-worker",instance="llm-worker.1",le="1.0"} 1
        candlewick_llm_request_duration_seconds_bucket{provider="anthropic",process="llm-worker",instance="llm-worker.1",le="+Inf"} 3
        candlewick_llm_request_duration_seconds_sum{provider="anthropic",process="llm-worker",instance="llm-worker.1"} 7.5
        candlewick_llm_request_duration_seconds_count{provider="anthropic",process="llm-worker",instance="llm-worker.1"} 3
        # TYPE candlewick_process_resident_memory_bytes gauge
        candlewick_process_resident_memory_bytes{process="llm-worker",instance="llm-worker.1"} 2e+07

        """

    /// The lines of `text` that are not comments, grouped under the family their last `# TYPE` named.
    func grouped(_ text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        var current = ""
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") { current = String(line.split(separator: " ")[2]) } else if !line.hasPrefix("#") {
                out[current, default: []].append(String(line))
            }
        }
        return out
    }

    @Test func familiesAppearOnceWithTheirSamplesUnderThem() {
        let merged = PrometheusExposition.merge([chart, llm])
        #expect(merged.skipped.isEmpty)
        let lines = merged.text.split(separator: "\n")
        for family in ["candlewick_jobs_taken_total", "candlewick_process_resident_memory_bytes", "candlewick_llm_request_duration_seconds"] {
            #expect(lines.filter { $0.hasPrefix("# TYPE \(family) ") }.count == 1, "\(family)")
        }
        // The HELP one input gave is kept, once.
        #expect(lines.filter { $0 == "# HELP candlewick_jobs_taken_total Jobs taken by a worker." }.count == 1)
        let groups = grouped(merged.text)
        #expect(groups["candlewick_jobs_taken_total"]?.count == 2)
        #expect(groups["candlewick_process_resident_memory_bytes"]?.count == 2)
        // A histogram's buckets, sum and count stay under its own TYPE line, in order.
        #expect(groups["candlewick_llm_request_duration_seconds"]?.map { $0.split(separator: "{")[0] } == [
            "candlewick_llm_request_duration_seconds_bucket", "candlewick_llm_request_duration_seconds_bucket",
            "candlewick_llm_request_duration_seconds_sum", "candlewick_llm_request_duration_seconds_count",
        ])
        #expect(merged.text.hasSuffix("\n"))
    }

    @Test func garbageIsSkippedWithItsReasonAndTheRestMerged() {
        let inputs = [chart, "this is { not an exposition", "x_total{a=\"1\" 3\n", "# TYPE y flux\ny 1\n", "z{a=\"1\"} one\n", llm]
        let merged = PrometheusExposition.merge(inputs)
        #expect(merged.skipped.map(\.input) == [1, 2, 3, 4])
        #expect(merged.skipped[0].reason.contains("line 1"))
        #expect(merged.skipped[2].reason.contains("unknown type"))
        #expect(merged.skipped[3].reason.contains("not a number"))
        #expect(merged.text == PrometheusExposition.merge([chart, llm]).text)
        #expect(PrometheusExposition.merge([]).text.isEmpty)
    }

    @Test func aSeriesGivenTwiceIsKeptOnceAndAConflictingTypeIsSkipped() {
        // The same series in two inputs (an instance's heartbeat given twice): the first value is kept.
        let again = chart.replacingOccurrences(of: "} 4", with: "} 9")
        let merged = PrometheusExposition.merge([chart, again])
        #expect(merged.text == PrometheusExposition.merge([chart]).text)
        #expect(merged.skipped.count == 2 && merged.skipped.allSatisfy { $0.input == 1 && $0.reason.contains("already given") })
        // Label order does not make a different series.
        let reordered = "candlewick_jobs_taken_total{instance=\"chart-worker.1\",process=\"chart-worker\",stage=\"charts\"} 5\n"
        #expect(PrometheusExposition.merge([chart, reordered]).skipped.count == 1)
        // Twice inside one input: that input is malformed.
        let twice = "a_total{x=\"1\"} 1\na_total{x=\"1\"} 2\n"
        #expect(PrometheusExposition.merge([twice]).skipped.first?.reason.contains("given twice") == true)
        // A family declared a gauge by one input and a counter by another: the second's family is left out.
        let clash = "# TYPE candlewick_process_resident_memory_bytes counter\ncandlewick_process_resident_memory_bytes{instance=\"x\"} 1\n"
        let m = PrometheusExposition.merge([chart, clash])
        #expect(m.skipped.count == 1 && m.skipped[0].reason.contains("type counter"))
        #expect(!m.text.contains("instance=\"x\""))
    }

    @Test func labelValuesWithEscapesAndSpecialValuesParse() {
        let text = "# TYPE q gauge\nq{msg=\"a \\\"b\\\" \\\\ c\\n\",le=\"+Inf\"} +Inf\nq{msg=\"2\"} NaN 1700000000000\nq -1.5e-3\n"
        let merged = PrometheusExposition.merge([text])
        #expect(merged.skipped.isEmpty, "\(merged.skipped)")
        #expect(grouped(merged.text)["q"]?.count == 3)
        #expect(PrometheusExposition.merge(["q{msg=\"bad \\x\"} 1\n"]).skipped.count == 1)
        #expect(PrometheusExposition.merge(["9q 1\n"]).skipped.count == 1)
        #expect(PrometheusExposition.merge(["q 1 2 3\n"]).skipped.count == 1)
    }

    @Test func heartbeatCarriesMetricsUpToTheLimit() throws {
        func hb(_ metrics: String?) throws -> Heartbeat {
            try Heartbeat(process: "tracker", instance: "tracker.1", pid: 3, host: "h", startedAt: Date(timeIntervalSince1970: 0),
                          state: "running", intervalS: 2, metrics: metrics)
        }
        let decoded = try CandlewickJSON.decoder().decode(Heartbeat.self, from: try CandlewickJSON.encode(try hb(chart)))
        #expect(decoded.metrics == chart)
        #expect(!String(decoding: try CandlewickJSON.encode(try hb(nil)), as: UTF8.self).contains("\"metrics\""))
        #expect(throws: ModelValidationError.self) { try hb(String(repeating: "x", count: PrometheusExposition.maxBytes + 1)) }
    }
}

@Suite("Prometheus exposition gather")
struct PrometheusGatherTests {
    let a = "# TYPE x_total counter\nx_total{instance=\"a.1\"} 1\n"
    let b = "# TYPE x_total counter\nx_total{instance=\"b.1\"} 2\n"

    @Test func instancesAreMergedInNameOrderAndASkipNamesItsInstance() {
        let gathered = PrometheusExposition.gather(["b.1": b, "broken.1": "x_total{ 3\n", "a.1": a])
        #expect(gathered.text == PrometheusExposition.merge([a, b]).text)
        #expect(gathered.text.range(of: "a.1")!.lowerBound < gathered.text.range(of: "b.1")!.lowerBound)
        #expect(gathered.skipped.count == 1)
        #expect(gathered.skipped.first?.hasPrefix("broken.1: line 1: ") == true, "\(gathered.skipped)")
        let none = PrometheusExposition.gather([:])
        #expect(none.text.isEmpty && none.skipped.isEmpty)
    }
}
