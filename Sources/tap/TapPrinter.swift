import CandlewickBus
import CandlewickCore
import Foundation
import ServiceLifecycle
import Synchronization

/// Reads subscriber events and prints them until Ctrl-C, `--count` or `--seconds`.
final class TapPrinter: Service {
    let json: Bool
    let subscriber: BusSubscriber
    let count: Int?
    let seconds: Double?
    let rates: Double?
    private let perType = Mutex<[String: Int]>([:])

    init(json: Bool, subscriber: BusSubscriber, count: Int?, seconds: Double?, rates: Double?) {
        self.json = json
        self.subscriber = subscriber
        self.count = count
        self.seconds = seconds
        self.rates = rates
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown { [self] in
            try await withThrowingTaskGroup(of: Void.self) { [self] group in
                group.addTask { await self.printEvents() }
                if let seconds { group.addTask { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) } }
                if let rates { group.addTask { try await self.printRates(every: rates) } }
                try await group.next()
                group.cancelAll()
            }
        }
    }

    private func printEvents() async {
        var seen = 0
        for await event in subscriber.events() {
            switch event {
            case .message(let m):
                perType.withLock { $0[m.header.type, default: 0] += 1 }
                write(json ? String(decoding: m.json, as: UTF8.self) : Self.readable(m), to: .standardOutput)
                seen += 1
                if let count, seen >= count { return }
            case .rejected(let r):
                write("REJECTED \(r.reason.rawValue): \(r.detail.prefix(300))", to: .standardError)
            case .gap(let source, let expected, let got, let missing):
                write("GAP \(source): expected seq \(expected), got \(got) (\(missing) missing)", to: .standardError)
            }
        }
    }

    private func printRates(every interval: Double) async throws {
        var last: [String: Int] = [:]
        while true {
            try await Task.sleep(for: .milliseconds(Int(interval * 1000)))
            let now = perType.withLock { $0 }
            let line = now.keys.sorted().map { type in
                String(format: "%@ %.1f/s", type, Double(now[type, default: 0] - last[type, default: 0]) / interval)
            }.joined(separator: ", ")
            write("rates: \(line.isEmpty ? "no messages" : line)", to: .standardError)
            last = now
        }
    }

    /// The exit summary on stderr, one JSON object.
    func printSummary() {
        let s = subscriber.stats
        let summary: [String: Any] = [
            "accepted": s.accepted, "rejected": s.rejectedTotal,
            "rejected_by_reason": Dictionary(uniqueKeysWithValues: s.rejected.map { ($0.key.rawValue, $0.value) }),
            "gaps": s.gaps, "missing": s.missing, "by_type": perType.withLock { $0 },
        ]
        let data = (try? JSONSerialization.data(withJSONObject: summary, options: [.sortedKeys])) ?? Data()
        write("tap summary: " + String(decoding: data, as: UTF8.self), to: .standardError)
    }

    static func readable(_ m: BusMessage) -> String {
        let h = m.header
        let time = UTCTimestamp.format(h.ts).dropFirst(11).dropLast()
        let head = "\(time) \(h.type.padding(toLength: 14, withPad: " ", startingAt: 0)) \(h.source)#\(h.seq)"
            + (h.runId.map { " run=\($0)" } ?? "")
        let body: String
        switch m.payload {
        case let hb as Heartbeat: body = "state=\(hb.state) pid=\(hb.pid) host=\(hb.host)"
        case let s as TradingSignal:
            body = "\(s.symbol) \(s.action.rawValue) \(s.confidence.rawValue) \(s.confidenceScore)"
                + (s.entryPrice.map { " entry=\($0)" } ?? "") + (s.stopLoss.map { " stop=\($0)" } ?? "")
                + (s.takeProfit.map { " target=\($0)" } ?? "")
        case let md as MarketData: body = "\(md.symbol) \(md.bars.count) bars, last \(md.latestPrice)"
        default:
            let json = (try? CandlewickJSON.encoder().encode(AnyPayload(m.payload))).map { String(decoding: $0, as: UTF8.self) } ?? ""
            body = json.count > 200 ? String(json.prefix(200)) + "…" : json
        }
        let attachments = h.attachments.isEmpty ? "" : " +" + h.attachments.map { "\($0.name)(\($0.size)B)" }.joined(separator: ",")
        return "\(head) \(body)\(attachments)"
    }

    private func write(_ line: String, to handle: FileHandle) {
        handle.write(Data((line + "\n").utf8))
    }
}

/// Encodes any payload through its own `Encodable` conformance.
private struct AnyPayload: Encodable {
    let payload: any BusPayload
    init(_ payload: any BusPayload) { self.payload = payload }
    func encode(to encoder: any Encoder) throws { try payload.encode(to: encoder) }
}
