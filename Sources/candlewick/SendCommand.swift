import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// `candlewick send`: publishes messages by hand (debugging, scripts, the cross-language checks).
struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Publish a payload (JSON, validated like any bus message) or numbered probes.")

    @OptionGroup var common: CommonOptions

    @Option(name: .long, help: "Message type, e.g. bus.probe or signal.")
    var type: String = Probe.messageType

    @Option(name: .long, help: "Payload JSON; for bus.probe without --payload, probes numbered 1…N are sent.")
    var payload: String?

    @Option(name: .long, help: "How many messages to send.")
    var count: Int = 1

    @Option(name: .long, help: "Messages per second (0 = as fast as possible).")
    var rate: Double = 0

    @Option(name: .long, help: "Run id to stamp on the envelopes.")
    var runId: String?

    @Option(name: .long, help: "Seconds to wait after connecting before sending (lets subscriptions propagate).")
    var settle: Double = 0.3

    @Flag(name: .long, help: "Print each envelope as JSON on stdout instead of sending it.")
    var dryRun = false

    func validate() throws {
        guard count > 0 else { throw ValidationError("--count must be > 0") }
        guard rate >= 0 else { throw ValidationError("--rate must be >= 0") }
        if type != Probe.messageType && payload == nil { throw ValidationError("--payload is required for type \(type)") }
        if payload != nil, !MessageCatalog.standard.knows(type) {
            throw ValidationError("unknown message type \(type); known: \(MessageCatalog.standard.types.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let context = try ProcessContext(process: "candlewick-send", options: common)
        if dryRun {
            let printer = BusPublisher(source: context.instance, sink: StdoutSink())
            for n in 1...count { try printer.publish(any: try makePayload(n), runId: runId) }
            return
        }
        let (publisher, socket) = try context.endpoints.makePublisher(source: context.instance, options: context.socketOptions)
        try await Task.sleep(for: .milliseconds(Int(settle * 1000)))
        for n in 1...count {
            try publisher.publish(any: try makePayload(n), runId: runId)
            if rate > 0 { try await Task.sleep(for: .milliseconds(Int(1000 / rate))) }
        }
        await socket.close()
        // A short-lived publisher: let libzmq deliver what it still holds before the process exits.
        ZMQContext.shared.terminate()
        context.logger.info("send.done", metadata: ["count": "\(count)", "type": "\(type)"])
    }

    private func makePayload(_ n: Int) throws -> any BusPayload {
        if let payload { return try Self.decodePayload(type: type, json: payload) }
        return try Probe(n: n, body: "probe \(n)")
    }

    /// Validates a payload by decoding it as the catalog's type for `type`.
    static func decodePayload(type: String, json: String) throws -> any BusPayload {
        let wrapped = #"{"v":1,"id":"cli","type":"\#(type)","source":"cli","seq":1,"ts":"2000-01-01T00:00:00Z","payload":\#(json)}"#
        do {
            return try MessageCatalog.standard.decodePayload(type: type, envelopeJSON: Data(wrapped.utf8),
                                                             decoder: CandlewickJSON.decoder())
        } catch {
            throw ValidationError("invalid \(type) payload: \(error)")
        }
    }
}


/// Writes the envelope JSON frame of each message as one line on stdout (`--dry-run`).
private struct StdoutSink: FrameSink {
    func send(_ frames: [Data]) throws {
        FileHandle.standardOutput.write(frames[1] + Data("\n".utf8))
    }
}
