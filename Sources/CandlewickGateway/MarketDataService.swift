import CandlewickCore
import CandlewickTWS
import Foundation
import Synchronization

/// Historical daily bars from the gateway, with IB's pacing rules kept on our side: at most 50
/// symbols outstanding, no identical request within 15 s (served from the last answer instead), and
/// the message rate kept by `GatewayLink`'s paced writer. Every request has a deadline.
public actor MarketDataFetcher {
    private let sendRequest: @Sendable (TWSRequest) async throws -> Void
    private var nextReqId = 1000
    private var pending: [Int: (request: TWSHistoricalDataRequest, continuation: CheckedContinuation<[TWSBar], any Error>)] = [:]
    /// Requests sent again after IB's pacing refusal or a 1101 data loss (since start).
    public private(set) var retries = 0
    private var recent: [String: (at: Date, bars: [TWSBar])] = [:]
    private var inFlight = 0
    /// Requests waiting for one of the 50 slots, first come first served.
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// Qualifies a symbol (contract details → conId, primary exchange; cached by the order desk).
    private let qualify: @Sendable (String) async throws -> TWSContract

    public init(connection: GatewayLink, qualify: @escaping @Sendable (String) async throws -> TWSContract) {
        self.init(send: { try await connection.send($0) }, qualify: qualify)
    }

    /// With `send` writing one request to IB (tests pass their own).
    init(send: @escaping @Sendable (TWSRequest) async throws -> Void, qualify: @escaping @Sendable (String) async throws -> TWSContract) {
        self.sendRequest = send
        self.qualify = qualify
    }

    /// The last `days` daily bars of `symbol` as `MarketData`, ending with `endDay`'s bar (`YYYY-MM-DD`;
    /// nil: up to now); throws `GatewayError` with IB's code. The same request within 15 s is answered
    /// from the last answer (IB refuses identical historical requests that close together).
    public func marketData(symbol: String, days: Int, endDay: String? = nil, timeout: Double = 30) async throws -> MarketData {
        let key = "\(symbol)|\(days)|\(endDay ?? "now")"
        let bars: [TWSBar]
        if let hit = recent[key], Date().timeIntervalSince(hit.at) < 15 {
            bars = hit.bars
        } else {
            // At most 50 symbols in flight (contract details and history alike), so nothing waits long behind the pacing.
            await acquireSlot()
            defer { releaseSlot() }
            // Qualified first (one contract-details request per symbol, then cached): bars by conId.
            let contract = try await qualify(symbol)
            bars = try await request(contract: contract, days: days, endDay: endDay, timeout: timeout)
            recent[key] = (Date(), bars)
        }
        let ohlcv = try bars.map { b -> OHLCVBar in
            guard let ts = UTCTimestamp.parse(String(b.date.prefix(8))) else { throw GatewayError("bad bar date \(b.date)") }
            func d(_ x: Double) -> Decimal { DecimalText.decimal(shortest: x) ?? Decimal(x) }
            return try OHLCVBar(timestamp: ts, open: d(b.open), high: d(b.high), low: d(b.low), close: d(b.close), volume: b.volume ?? 0)
        }
        guard let last = ohlcv.last else { throw GatewayError("no bars for \(symbol)") }
        // IB takes durations over a year in whole years: keep the calendar days asked for.
        let from = last.timestamp.addingTimeInterval(-Double(days) * 86_400)
        return try MarketData(symbol: symbol, bars: ohlcv.filter { $0.timestamp > from }, fetchedAt: last.timestamp)
    }

    /// Takes one of the 50 in-flight slots, waiting (without polling) while all are taken.
    private func acquireSlot() async {
        if inFlight < 50 {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }  // the releasing request hands its slot over
    }

    private func releaseSlot() {
        if waiting.isEmpty { inFlight -= 1 } else { waiting.removeFirst().resume() }
    }

    private func request(contract: TWSContract, days: Int, endDay: String?, timeout: Double) async throws -> [TWSBar] {
        let symbol = contract.symbol
        nextReqId += 1
        let id = nextReqId
        let duration = days > 365 ? "\((days + 364) / 365) Y" : "\(days) D"
        // A day's bar belongs to an end time at or after its close: the day's last second, exchange time.
        let end = endDay.map { $0.replacingOccurrences(of: "-", with: "") + " 23:59:59 US/Eastern" } ?? ""
        let req = TWSHistoricalDataRequest(reqId: id, contract: contract, endDateTime: end, durationStr: duration)
        let timer = Task {
            try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
            self.expire(id, GatewayError("no historical data for \(symbol) within \(timeout) s"))
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { c in
            pending[id] = (req, c)
            send(id, after: 0)
        }
    }

    /// Sends pending request `id` (again) after `seconds`; a write error fails it.
    private func send(_ id: Int, after seconds: Double) {
        Task {
            if seconds > 0 { try? await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
            guard let req = pending[id]?.request else { return }  // answered or timed out meanwhile
            do { try await sendRequest(.reqHistoricalData(req)) } catch { fail(id, error) }
        }
    }

    /// Routes a gateway event to the request it answers.
    public func handle(_ event: TWSEvent) {
        switch event {
        case .historicalData(let reqId, _, _, let bars):
            guard let p = pending.removeValue(forKey: reqId) else { return }
            p.continuation.resume(returning: bars)
        case .error(let e) where e.id > 0 && pending[e.id] != nil:
            // `IBErrorReaction`: notices (2174 …) never fail the request, pacing sends it again later
            // (its deadline still runs), anything else fails it with IB's code and text.
            switch IBErrorReaction.of(e) {
            case .notice: break
            case .retryLater(let seconds):
                retries += 1
                send(e.id, after: seconds)
            case .failRequest, .resync: fail(e.id, GatewayError(e.message, code: e.code))
            }
        case .error(let e) where e.id <= 0 && IBErrorReaction.of(e) == .resync(dropBeliefs: true):
            // 1101 "restored - data lost": requests in flight across the outage are lost; ask again.
            for id in pending.keys.sorted() {
                retries += 1
                send(id, after: 0)
            }
        default:
            break
        }
    }

    /// Fails every outstanding request (the connection is gone).
    public func failAll(_ reason: String) {
        for id in pending.keys { fail(id, GatewayError(reason)) }
    }

    /// A request past its deadline fails, and IB is told to cancel it: an unanswered request stays open at
    /// IB and holds one of its 50 simultaneous slots (322 for the 51st) even after we stop waiting.
    private func expire(_ id: Int, _ error: any Error) {
        guard pending[id] != nil else { return }
        fail(id, error)
        Task { try? await sendRequest(.cancelHistoricalData(reqId: id)) }
    }

    private func fail(_ id: Int, _ error: any Error) {
        pending.removeValue(forKey: id)?.continuation.resume(throwing: error)
    }
}
