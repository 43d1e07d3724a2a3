import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// `candlewick trading halt|reduce|resume|status|cancel-all|flatten`: the kill switch and the trading state, from the command line.
struct TradingCommandCLI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trading",
        abstract: "Halt trading (the kill switch), reduce only, resume, show the trading state, or halt and cancel every working order (cancel-all) and close every position (flatten).")

    @OptionGroup var common: CommonOptions
    @Argument(help: "halt, reduce, resume, status, cancel-all or flatten.") var action: String
    @Option(help: "Why (recorded in the journal).") var reason = "from the command line"
    @Option(help: "Who is asking (must be in router.allowed_sources).") var source = "cli"

    func run() async throws {
        guard let a = TradingCommand.Action(rawValue: action.replacingOccurrences(of: "-", with: "_")) else {
            throw ValidationError("action must be halt, reduce, resume, status, cancel-all or flatten, got \"\(action)\"")
        }
        let context = try ProcessContext(process: "candlewick-trading", options: common)
        let endpoint = try WorkEndpoints(config: context.config).routerCommands
        let client = try RequestClient(connect: endpoint, source: context.instance, options: context.socketOptions, codec: context.codec,
                                       logger: context.logger)
        defer { Task { await client.close() } }
        // cancel-all and flatten wait for IB to confirm the cancels (up to 10 s) before they close positions.
        let reply = try await client.request(try TradingCommand(action: a, reason: reason, source: source), timeout: .seconds(30))
        guard let r = reply.payload(as: TradingStateReport.self) else { throw ValidationError("order-router answered \(reply.header.type)") }
        print("trading: \(r.state.rawValue) — \(r.reason) (since \(UTCTimestamp.format(r.changedAt)))")
        print("today: notional \(r.dailyNotional), realised P&L \(r.dailyRealizedPnl)")
        if let c = r.cleanup {
            print("cancelled: \(c.cancelledIntents.count) intent(s)\(c.cancelledIntents.isEmpty ? "" : " — " + c.cancelledIntents.joined(separator: ", "))")
            for x in c.exits { print("exit: \(x.symbol) \(x.side.rawValue) \(x.quantity) at market → \(x.outcome) (\(x.intentId))") }
            for p in c.problems { print("problem: \(p)") }
        }
        if let refused = r.refused {
            print("refused: \(refused)")
            throw ExitCode(1)
        }
    }
}
