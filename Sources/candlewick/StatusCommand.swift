import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// `candlewick status`: every process that heartbeats on the bus, its state and counters, and the
/// alerts their heartbeats carry (unknown intents, orders at IB the journal does not know, runs
/// with an incomplete audit trail).
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Listen to heartbeats for a few seconds and print the state of every process and its alerts.",
        discussion: """
            ALERTS lists what the heartbeats say a person must look at: intent_unknown (order-router journaled an \
            intent unknown: it cannot tell whether IB holds it), order_not_in_journal (an order at IB with a \
            Candlewick orderRef cw-… that the router's journal does not know), audit_incomplete (the tracker holds a \
            finished run's audit trail incomplete). With --json every process's row has an "alerts" list.

            Exit codes: 0 ok; 1 no heartbeat; 3 alerts present and --fail-on-alerts given.
            """)

    @OptionGroup var common: CommonOptions

    @Option(help: "Seconds to listen (heartbeats come every runtime.heartbeat_interval_s).") var seconds: Double = 3

    @Flag(help: "Print JSON instead of a table.") var json = false

    @Flag(help: "Exit 3 when any heartbeat carries an alert (for cron jobs and monitoring).") var failOnAlerts = false

    @Option(help: "Liveness probe: exit 0 as soon as this instance's heartbeat (state running) arrives, 1 if none within --seconds.")
    var expect: String?

    func run() async throws {
        let context = try ProcessContext(process: "candlewick-status", options: common)
        let socket = try context.endpoints.makeSubscriberSocket(prefixes: [Heartbeat.messageType], options: context.socketOptions)
        let mailbox = Mailbox(BusSubscriber(source: socket.incoming, codec: context.codec, logger: context.logger, detectGaps: false).messages())
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
        let alerting = rows.contains { !$0.0.alerts.isEmpty }
        if json {
            let list = rows.map { hb, ts -> [String: Any] in
                ["instance": hb.instance, "process": hb.process, "pid": hb.pid, "host": hb.host, "state": hb.state,
                 "age_s": now.timeIntervalSince(ts), "counters": hb.counters,
                 "alerts": hb.alerts.map { ["kind": $0.kind, "id": $0.id, "detail": $0.detail] }]
            }
            print(String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]), as: UTF8.self))
            if alerting && failOnAlerts { throw ExitCode(3) }
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
        print(Self.alertsSection(rows.map(\.0)))
        if alerting && failOnAlerts { throw ExitCode(3) }
    }

    /// `ALERTS (n)` and one line per alert with the instance that raised it, or `ALERTS: none`.
    static func alertsSection(_ heartbeats: [Heartbeat]) -> String {
        let lines = heartbeats.flatMap { hb in
            hb.alerts.map { "  \(hb.instance.padding(toLength: 18, withPad: " ", startingAt: 0)) \($0.kind.padding(toLength: 21, withPad: " ", startingAt: 0)) \($0.id)  \($0.detail)" }
        }
        return lines.isEmpty ? "\nALERTS: none" : (["\nALERTS (\(lines.count))"] + lines).joined(separator: "\n")
    }
}
