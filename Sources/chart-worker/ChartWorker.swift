import ArgumentParser
import CandlewickRuntime

/// `chart-worker`: Bars → indicators → daily and weekly 1920x1080 PNG charts.
@main
struct ChartWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chart-worker",
        abstract: "Bars → indicators → daily and weekly 1920x1080 PNG charts.",
        discussion: """
            Pulls chart jobs from the bus, computes SMA 20/50/200, RSI 14, MACD 12/26/9, Bollinger Bands 20/2 and ATR 14 once, renders both charts deterministically and returns ChartResults with the PNG bytes as attachments.
            """)

    @OptionGroup var common: CommonOptions

    func run() async throws {
        throw ValidationError("chart-worker has no service in this build yet: it is planned, and documented by --help and docs/protocol.md. It refuses to run rather than pretend.")
    }
}
