import ArgumentParser
import CandlewickRuntime

/// `gateway-bridge`: The only process that talks to IB: one TWS API connection, pacing, reconnect and re-sync.
@main
struct GatewayBridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gateway-bridge",
        abstract: "The only process that talks to IB: one TWS API connection, pacing, reconnect and re-sync.",
        discussion: """
            Serves market data, contract details, order placement and cancellation, executions and portfolio on the bus, and publishes order status, executions and portfolio changes as events. Connects to IB Gateway/TWS or to ib-paper.
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw ValidationError("gateway-bridge has no service in this build yet: it is planned, and documented by --help and docs/protocol.md. It refuses to run rather than pretend.")
    }
}
