import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// `candlewick status`: every process that heartbeats on the bus, its state and counters.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Listen to heartbeats for a few seconds and print the state of every process.")

    @OptionGroup var common: CommonOptions

    @Option(help: "Seconds to listen (heartbeats come every runtime.heartbeat_interval_s).") var seconds: Double = 3

    @Flag(help: "Print JSON instead of a table.") var json = false

    @Option(help: "Liveness probe: exit 0 as soon as this instance's heartbeat (state running) arrives, 1 if none within --seconds.")
    var expect: String?

    func run() async throws {
        let context = try ProcessContext(process: "candlewick-status", options: common)
        let socket = try context.endpoints.makeSubscriberSocket(prefixes: [Heartbeat.messageType], options: context.socketOptions)
        let mailbox = Mailbox(BusSubscriber(source: socket.incoming, codec: context.codec, logger: context.logger).messages())
        if let expect {
            let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
            var alive = false
            while !alive && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                alive = mailbox.drain().contains { ($0.payload(as: Heartbeat.self)).map { $0.instance == expect && $0.state == "running" } ?? false }
            }
            mailbox.close()
            await socket.close()
            print(alive ? "\(expect): running" : "\(expect): no heartbeat within \(seconds) s")
            if !alive { throw ExitCode(1) }
            return
        }
        try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
        var latest: [String: (Heartbeat, Date)] = [:]
        for m in mailbox.drain() {
            if let hb = m.payload(as: Heartbeat.self) { latest[hb.instance] = (hb, m.header.ts) }
        }
        mailbox.close()
        await socket.close()
        let now = Date()
        let rows = latest.values.sorted { $0.0.instance < $1.0.instance }
        if json {
            let list = rows.map { hb, ts -> [String: Any] in
                ["instance": hb.instance, "process": hb.process, "pid": hb.pid, "host": hb.host, "state": hb.state,
                 "age_s": now.timeIntervalSince(ts), "counters": hb.counters]
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        guard !rows.isEmpty else {
            print("no heartbeats in \(seconds) s on \(context.endpoints.subscribe): is the proxy running?")
            throw ExitCode(1)
        }
        print("instance".padding(toLength: 20, withPad: " ", startingAt: 0) + "state     pid      up        counters")
        for (hb, ts) in rows {
            let up = Int(now.timeIntervalSince(hb.startedAt))
            let stale = now.timeIntervalSince(ts) > hb.intervalS * 3 ? " (silent)" : ""
            let counters = hb.counters.sorted { $0.key < $1.key }.map { "\($0.key)=\(Int($0.value))" }.joined(separator: " ")
            print(hb.instance.padding(toLength: 20, withPad: " ", startingAt: 0) + (hb.state + stale).padding(toLength: 10, withPad: " ", startingAt: 0)
                  + "\(hb.pid)".padding(toLength: 9, withPad: " ", startingAt: 0) + "\(up / 3600)h\(up / 60 % 60)m\(up % 60)s".padding(toLength: 10, withPad: " ", startingAt: 0)
                  + counters)
        }
    }
}
