import ArgumentParser

/// `candlewick`: the command line for people, and the home of the bus proxy.
@main
struct Candlewick: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candlewick",
        abstract: "Candlewick: IB daily bars → charts → LLM signals → risk-gated bracket orders, audited.",
        subcommands: [RunCommand.self, ReportCommand.self, BacktestCommand.self, StatusCommand.self, MetricsCommand.self, ScheduleCommand.self, ChartsCommand.self, ProxyCommand.self, SendCommand.self, TradingCommandCLI.self, ConsoleCommand.self, ConfigCommand.self, KeysCommand.self])
}
