import ArgumentParser
import CandlewickRuntime

/// `tracker`: Logs every run to MLflow (or a local run folder and HTML report) through a durable spool.
@main
struct Tracker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tracker",
        abstract: "Logs every run to MLflow (or a local run folder and HTML report) through a durable spool.",
        discussion: """
            Subscribes to the bus, spools every record to a local journal before uploading, and delivers parameters, metrics, tags and artifacts (charts, signal, raw model answer, orders, fills, portfolio) to MLflow in order, exactly once, resuming after restarts.
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw ValidationError("tracker has no service in this build yet: it is planned, and documented by --help and docs/protocol.md. It refuses to run rather than pretend.")
    }
}
