import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// `candlewick trading halt|reduce|resume|status`: the kill switch and the trading state, from the command line.
struct TradingCommandCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trading",
        abstract: "Halt trading (the kill switch), reduce only, resume, or show the trading state of order-router.")

    @OptionGroup var common: CommonOptions
    @Argument(help: "halt, reduce, resume or status.") var action: String
    @Option(help: "Why (recorded in the journal).") var reason = "from the command line"
    @Option(help: "Who is asking (must be in router.allowed_sources).") var source = "cli"

    func run() async throws {
        guard let a = TradingCommand.Action(rawValue: action) else { throw ValidationError("action must be halt, reduce, resume or status") }
        let context = try ProcessContext(process: "candlewick-trading", options: common)
        let endpoint = context.config[\.routerCommands]
        let client = try RequestClient(connect: endpoint, source: context.instance, options: context.socketOptions, codec: context.codec,
                                       logger: context.logger)
        defer { Task { await client.close() } }
        let reply = try await client.request(try TradingCommand(action: a, reason: reason, source: source), timeout: .seconds(10))
        guard let r = reply.payload(as: TradingStateReport.self) else { throw ValidationError("order-router answered \(reply.header.type)") }
        print("trading: \(r.state.rawValue) — \(r.reason) (since \(UTCTimestamp.format(r.changedAt)))")
        print("today: notional \(r.dailyNotional), realised P&L \(r.dailyRealizedPnl)")
        if let refused = r.refused {
            print("refused: \(refused)")
            throw ExitCode(1)
        }
    }
}
