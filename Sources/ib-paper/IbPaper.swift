import ArgumentParser

/// `ib-paper`: A paper gateway speaking the server side of the TWS API, replaying real daily data.
@main
struct IbPaper: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ib-paper",
        abstract: "A paper gateway speaking the server side of the TWS API, replaying real daily data.",
        discussion: """
            Serves daily bars from CSV files, qualifies contracts, matches orders (brackets with OCA) against the bars, \
            reports order status, executions with commissions, positions and account values, and keeps its state on disk. \
            See docs/tws.md.
            """,
        subcommands: [ServeCommand.self, EncodeSampleCommand.self],
        defaultSubcommand: ServeCommand.self)
}
