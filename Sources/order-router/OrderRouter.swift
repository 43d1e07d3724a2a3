import ArgumentParser
import CandlewickRuntime

/// `order-router`: Risk gate, sizing and exactly-once bracket orders at IB.
@main
struct OrderRouter: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "order-router",
        abstract: "Risk gate, sizing and exactly-once bracket orders at IB.",
        discussion: """
            Receives signals, applies the risk policy (sizing, limits, trading state and kill switch), journals each order intent durably before sending it to gateway-bridge with a deterministic orderRef, and reconciles the journal with what IB reports after every restart or reconnect. Paper by default; live trading needs explicit arming.
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw ValidationError("order-router has no service in this build yet: it is planned, and documented by --help and docs/protocol.md. It refuses to run rather than pretend.")
    }
}
