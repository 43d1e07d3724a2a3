import ArgumentParser

/// `candlewick-bench`: the Swift side of `scripts/bench`. Each subcommand prints JSON measurements.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candlewick-bench",
        abstract: "Benchmarks for scripts/bench (JSON on stdout).",
        subcommands: [BusBench.self, MetricsBench.self, CodecBench.self, ChartsBench.self, HashBench.self, LLMBench.self])
}
