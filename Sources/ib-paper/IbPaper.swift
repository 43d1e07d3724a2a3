import ArgumentParser
import CandlewickRuntime

/// `ib-paper`: A paper gateway speaking the server side of the TWS API, replaying real daily data.
@main
struct IbPaper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ib-paper",
        abstract: "A paper gateway speaking the server side of the TWS API, replaying real daily data.",
        discussion: """
            Serves daily bars from CSV files, qualifies contracts, matches orders (brackets with OCA) against the bars, reports order status, executions with commissions, positions and account values, and keeps its state on disk.
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw ValidationError("ib-paper has no service in this build yet: it is planned, and documented by --help and docs/protocol.md. It refuses to run rather than pretend.")
    }
}
