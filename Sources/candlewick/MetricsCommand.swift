import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// `candlewick metrics`: listens to heartbeats for a few seconds and prints every process's metrics merged
/// into one Prometheus text exposition (the latest heartbeat of each instance), e.g. for node-exporter's
/// textfile collector. The console serves the same merge at `/metrics` (docs/metrics.md).
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Listen to heartbeats for a few seconds and print all processes' metrics as one Prometheus exposition.",
        discussion: """
            Every process puts its metrics (Prometheus text format, labels process and instance) in its heartbeat; this \
            prints the latest of each instance heard within --seconds, merged: each family's TYPE once, its samples under it. \
            An input that does not parse is left out and named on stderr. Exit codes: 0 ok; 1 no heartbeat with metrics.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Seconds to listen (heartbeats come every runtime.heartbeat_interval_s).") var seconds: Double = 3

    @Option(help: "Write the exposition to this file (atomically: a temporary file renamed over it) instead of stdout.")
    var output: String?

    func validate() throws {
        guard seconds > 0, seconds.isFinite else { throw ValidationError("--seconds must be a positive number") }
    }

    func run() async throws {
        // An observer on the bus, like `candlewick status` (the same process name, so the same key and rights).
        let context = try ProcessContext(process: "candlewick-status", options: common)
        let socket = try context.endpoints.makeSubscriberSocket(prefixes: [Heartbeat.messageType], options: context.socketOptions)
        let mailbox = Mailbox(BusSubscriber(source: socket.incoming, codec: context.codec, logger: context.logger, detectGaps: false).messages())
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        var latest: [String: String] = [:]
        for m in mailbox.drain() {
            guard let hb = m.payload(as: Heartbeat.self), let text = hb.metrics else { continue }
            latest[hb.instance] = text
        }
        mailbox.close()
        await socket.close()
        let merged = PrometheusExposition.gather(latest)
        for skip in merged.skipped {
            FileHandle.standardError.write(Data("metrics: \(skip)\n".utf8))
        }
        guard !latest.isEmpty else {
            FileHandle.standardError.write(Data("no heartbeat with metrics in \(seconds) s on \(context.endpoints.subscribe): is the proxy running?\n".utf8))
            throw ExitCode(1)
        }
        if let output {
            try Data(merged.text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } else {
            print(merged.text, terminator: "")
        }
    }
}
