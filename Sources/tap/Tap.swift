import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation
import ServiceLifecycle
import Synchronization

/// `tap`: prints what flows on the bus.
@main
struct Tap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tap",
        abstract: "Print every message on the Candlewick bus (all, or those whose type starts with --topic).",
        discussion: """
            Readable lines by default; --json prints each envelope as one JSON line (attachments are \
            described, not dumped). Refused frames and sequence gaps go to stderr. On exit a summary \
            line `tap summary: {...}` on stderr counts what was accepted, rejected (by reason) and missed.
            """)

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Only types starting with this prefix (repeatable), e.g. --topic signal --topic order.")
    var topic: [String] = []

    @Flag(name: .long, help: "Print each envelope as one JSON line.")
    var json = false

    @Option(name: .long, help: "Print per-type message rates to stderr every N seconds.")
    var rates: Double?

    @Option(name: .long, help: "Exit after N valid messages.")
    var count: Int?

    @Option(name: .long, help: "Exit after N seconds.")
    var seconds: Double?

    func validate() throws {
        if let rates, !(rates > 0) { throw ValidationError("--rates must be > 0 seconds") }
        if let count, count <= 0 { throw ValidationError("--count must be > 0") }
        if let seconds, !(seconds > 0) { throw ValidationError("--seconds must be > 0") }
    }

    func run() async throws {
        let context = try ProcessContext(process: "tap", options: common)
        let socket = try context.endpoints.makeSubscriberSocket(prefixes: topic.isEmpty ? [""] : topic,
                                                                 options: context.socketOptions)
        let subscriber = BusSubscriber(source: socket.incoming, codec: context.codec, logger: context.logger)
        let printer = TapPrinter(json: json, subscriber: subscriber, count: count, seconds: seconds, rates: rates)
        try await ProcessRunner.run([SocketCloser(socket), printer], context: context)
        printer.printSummary()
    }
}
