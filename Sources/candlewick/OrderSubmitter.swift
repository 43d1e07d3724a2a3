import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Hands the run's signals to order-router (`signal.submit` on router.commands) and waits for a
/// final answer, asking again while the answer is not final (an intent still in flight, the journal
/// not reconciled yet, no reply). Submitting again is safe: intents are idempotent by run, symbol and signal.
final class OrderSubmitter: Sendable {
    let client: RequestClient
    let runId: String
    let deadline: Double

    init(endpoint: String, context: ProcessContext, runId: String, deadline: Double = 60) throws {
        client = try RequestClient(connect: endpoint, source: context.instance, options: context.socketOptions, codec: context.codec,
                                   logger: context.logger)
        self.runId = runId
        self.deadline = deadline
    }

    /// The router's final decision, or nil when none came before the deadline.
    func submit(_ signal: TradingSignal, lastPrice: Decimal?) async -> RouterDecision? {
        let start = Date()
        while Date().timeIntervalSince(start) < deadline {
            guard let s = try? SignalSubmission(runId: runId, signal: signal, lastPrice: lastPrice, source: "candlewick-run"),
                  let reply = try? await client.request(s, runId: runId, timeout: .seconds(20)),
                  let d = reply.payload(as: RouterDecision.self) else {
                try? await Task.sleep(for: .milliseconds(500))
                continue
            }
            if d.outcome == .pending || d.note?.code == .notReconciled {
                try? await Task.sleep(for: .milliseconds(300))
                continue
            }
            return d
        }
        return nil
    }

    func close() async { await client.close() }
}

/// The paper gateway's simulation clock (ib-paper's admin line protocol): `advance N` moves the
/// as-of day so working orders are matched against the next bars.
enum PaperClock {
    /// Sends `advance days` to `host:port`, after the token in `tokenFile`; returns ib-paper's answer line.
    static func advance(_ address: String, days: Int, tokenFile: String) throws -> String {
        let token: String
        do { token = try TokenFile.load(tokenFile, create: false) } catch { throw ValidationError("ib-paper admin token: \(error)") }
        let parts = address.split(separator: ":")
        guard parts.count == 2, let port = UInt16(parts[1]) else { throw ValidationError("ib.paper_admin must be host:port, got \(address)") }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = port.bigEndian
        inet_pton(AF_INET, parts[0] == "localhost" ? "127.0.0.1" : String(parts[0]), &addr.sin_addr)
        var tv = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard rc == 0 else { throw ValidationError("ib-paper admin at \(address): \(String(cString: strerror(errno)))") }
        let line = Array("auth \(token)\nadvance \(days)\n".utf8)
        _ = line.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var reply = [UInt8]()
        var buf = [UInt8](repeating: 0, count: 256)
        while !reply.contains(0x0A) {
            let n = recv(fd, &buf, buf.count, 0)
            guard n > 0 else { break }
            reply += buf[0..<n]
        }
        return String(decoding: reply, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// What a run's orders came to: the router's decision per symbol, fills by intent, the portfolio.
struct RunOrders {
    var decisions: [String: RouterDecision] = [:]
    var fills: [String: Trade] = [:]
    var portfolio: Portfolio?
    var paperDay: String?

    /// Gathers fills and the portfolio from a gateway snapshot.
    mutating func absorb(_ snapshot: BrokerSnapshot) {
        portfolio = snapshot.portfolio
        for (symbol, d) in decisions where d.outcome == .placed || d.outcome == .duplicate {
            let first = d.plan?.firstLeg.orderRef
            let execs = snapshot.executions.filter { $0.orderRef == first }
            if let e = execs.first, let t = try? Trade(symbol: symbol, side: e.side, orderRef: first, executions: execs) { fills[symbol] = t }
        }
    }

    /// One word and a detail for the summary table.
    func status(_ symbol: String) -> String {
        guard let d = decisions[symbol] else { return "" }
        switch d.outcome {
        case .placed, .duplicate:
            if let t = fills[symbol], let avg = t.averagePrice {
                return "filled \(t.totalQuantity) @ \(NSDecimalNumber(decimal: avg).doubleValue.formatted(.number.precision(.fractionLength(2))))"
            }
            return "placed \(d.plan?.quantity ?? 0)"
        case .denied, .rejected: return "\(d.outcome.rawValue): \(d.note?.code.rawValue ?? "")"
        case .pending: return "pending"
        }
    }
}
