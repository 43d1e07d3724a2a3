import CandlewickCore
import CandlewickTWS
import Foundation

/// The order desk as a value: events in (`DeskEvent`), actions out (`DeskAction`), no I/O, the time
/// passed in with every event. `OrderDesk` drives it.
///
/// Believes the broker, not memory: what it knows of IB's orders comes from IB on the current
/// connection only (a complete snapshot taken after each connect, and IB's own order reports since).
/// When a connection drops, everything believed about it is dropped with it; no order is placed on a
/// new connection before a fresh snapshot says whether IB already holds it. An intent is acknowledged
/// only when IB reported every leg on the current connection; when it cannot tell (legs written and
/// never reported, or only some legs at IB) it says so, never "already at IB".
public struct OrderDeskState: Sendable {
    /// Seconds each contract request, placement and snapshot may take.
    public let timeout: Double
    /// The API client id of this bridge (order statuses of other clients acknowledge nothing).
    public let clientId: Int

    /// The current connection (0 before the first) and whether it is up.
    public internal(set) var epoch = 0
    public internal(set) var connected = false
    var accounts: [String] = []
    /// Orders IB reported on the current connection, by ref; refs by IB order id (ids can roll back after
    /// a gateway restart, so both are dropped with the connection).
    public internal(set) var orders: [String: BrokerOrder] = [:]
    var refById: [Int: String] = [:]
    /// Intents whose legs were written on the current connection and not (yet) reported by IB: ids by ref.
    public internal(set) var written: [String: [String: Int]] = [:]
    /// The connection epoch of the last complete snapshot (nil after a drop, until the next one).
    public internal(set) var syncedEpoch: Int?
    var nextReqId = 500_000

    var contracts: [String: TWSContract] = [:]
    /// Contract-details requests sent (cache misses).
    public internal(set) var contractRequests = 0
    var contractLookups: [Int: ContractLookup] = [:]

    /// Placement requests not yet answered.
    var placements: [DeskRequestId: Placement] = [:]

    var round: SnapshotRound?
    var roundCount = 0
    /// Requests for a snapshot that must start after the current round (they asked after it began).
    var nextRound: [SnapshotWaiter] = []
    /// Callers waiting for the broker's time (one reqCurrentTime answers them all).
    var timeWaiters: [DeskRequestId] = []

    var executions: [String: TWSExecution] = [:]
    var commissions: [String: TWSCommissionReport] = [:]
    var published: Set<String> = []
    var positions: [String: (account: String, quantity: Decimal, avgCost: Double)] = [:]
    var accountValues: [String: String] = [:]
    var lastPrices: [String: Decimal] = [:]

    public init(timeout: Double, clientId: Int) {
        self.timeout = timeout
        self.clientId = clientId
    }

    struct ContractLookup: Sendable {
        let symbol: String
        var found: TWSContract?
        var waiters: [ContractWaiter]
    }

    enum ContractWaiter: Sendable {
        case caller(DeskRequestId)
        case placement(DeskRequestId)
    }

    enum SnapshotWaiter: Sendable {
        case caller(DeskRequestId)
        /// A placement waiting for the current connection's picture; `lookAgain` when its intent was written and not reported.
        case placement(DeskRequestId, lookAgain: Bool)
    }

    struct SnapshotRound: Sendable {
        let id: Int
        let epoch: Int
        var pendingEnds: Set<String>
        var orders: [String: BrokerOrder] = [:]
        var waiters: [SnapshotWaiter]
        /// The broker's time answered during the round (reqCurrentTime).
        var ibTime: Date?
    }

    /// Where a placement request stands.
    struct Placement: Sendable {
        let plan: OrderPlan
        var stage: Stage
        /// Resolved before the orders are written.
        var contract: TWSContract?

        enum Stage: Sendable {
            case snapshot
            case contract
            /// Ids asked of the driver; the intent counts as being placed from here on.
            case ids
            case placing(ids: [String: Int], seen: Set<Int>, epoch: Int, writtenAt: Date?)
        }

        var isPlacing: Bool {
            switch stage {
            case .ids, .placing: true
            case .snapshot, .contract: false
            }
        }
    }

    /// How many requests are waiting for an answer (placements, contract lookups, snapshot rounds): 0 when idle.
    public var openRequests: Int {
        placements.count + contractLookups.values.reduce(0) { $0 + $1.waiters.count } + (round?.waiters.count ?? 0) + nextRound.count + timeWaiters.count
    }

    /// The working orders of an intent (or one ref) as IB reports them on the current connection.
    public func working(intentId: String, orderRef: String?) -> [BrokerOrder] {
        let refs = orders.keys.filter { ref in orderRef.map { ref == $0 } ?? ref.hasPrefix(intentId + "-") }
        return refs.sorted().compactMap { orders[$0] }.filter { !["Filled", "Cancelled", "ApiCancelled", "Inactive"].contains($0.status) }
    }

    /// Whether the current connection has a complete snapshot.
    public var isSynced: Bool { connected && syncedEpoch == epoch }

    /// Applies one event at time `now` and returns the I/O it asks for, in order.
    public mutating func apply(_ event: DeskEvent, now: Date) -> [DeskAction] {
        var out: [DeskAction] = []
        switch event {
        case .connectionUp(let e, let accounts):
            if e > epoch {
                epoch = e
                connected = true
                self.accounts = accounts
                // Even when the old connection's drop is still on its way: nothing believed there carries over.
                if let synced = syncedEpoch, synced < e { dropBeliefs(epoch: synced, &out) }
            }
        case .connectionLost(let e, let why):
            lose(epoch: e, why, &out)
        case .placeRequested(let id, let plan):
            placements[id] = Placement(plan: plan, stage: .snapshot)
            advance(id, lookAgainDone: false, afterContract: false, now: now, &out)
        case .contractRequested(let id, let symbol):
            if let c = contracts[symbol] { out.append(.reply(id, .contract(c))) } else { lookUp(symbol, for: .caller(id), &out) }
        case .snapshotRequested(let id):
            requestSnapshot(.caller(id), &out)
        case .timeRequested(let id):
            requestTime(id, &out)
        case .orderIdsTaken(let id, let result):
            idsTaken(id, result, &out)
        case .legsWritten(let id, let error, let at):
            if let error {
                finishPlacement(id, .failure(unknown(id, .connectionLost, "write failed: \(error)")), &out)
            } else if case .placing(let ids, let seen, let e, _) = placements[id]?.stage {
                placements[id]?.stage = .placing(ids: ids, seen: seen, epoch: e, writtenAt: at)
            }
        case .sendFailed(let what, let error):
            switch what {
            case .contract(let reqId): failContract(reqId, GatewayError(error), now: now, &out)
            case .snapshot(let r): if round?.id == r { failRound(GatewayError(error), now: now, &out) }
            case .time: failTime(GatewayError(error), &out)
            case .cleanup: break
            }
        case .tws(let e):
            receive(e, now: now, &out)
        case .timerFired(let timer):
            switch timer {
            case .contract(let reqId):
                let symbol = contractLookups[reqId]?.symbol ?? "?"
                failContract(reqId, GatewayError("no contract details for \(symbol) within \(timeout) s"), now: now, &out)
            case .placement(let id):
                guard placements[id]?.isPlacing == true else { break }
                finishPlacement(id, .failure(unknown(id, .timeout, "IB did not acknowledge the orders within \(timeout) s")), &out)
            case .snapshot(let r):
                if round?.id == r { failRound(GatewayError("the snapshot did not complete within \(timeout) s"), now: now, &out) }
            case .time:
                failTime(GatewayError("IB did not answer reqCurrentTime within \(timeout) s"), &out)
            }
        case .priceNoted(let symbol, let close):
            lastPrices[symbol] = close
        }
        return out
    }

    mutating func reqId() -> Int {
        nextReqId += 1
        return nextReqId
    }

    // MARK: connection

    /// Connection `e` dropped: everything in flight on it fails (placements become "outcome unknown"),
    /// and everything believed about IB's orders on it is forgotten: the next connection's snapshot is the
    /// only source of truth again (order ids may even roll back after a gateway restart).
    mutating func lose(epoch e: Int, _ why: String, _ out: inout [DeskAction]) {
        if e >= epoch { connected = false }
        for reqId in contractLookups.keys.sorted() { failContract(reqId, GatewayError("connection to IB lost: \(why)"), now: nil, &out) }
        for (id, p) in placements.sorted(by: { $0.key < $1.key }) {
            if case .placing(_, _, let pe, _) = p.stage, pe <= e {
                finishPlacement(id, .failure(unknown(id, .connectionLost, "connection to IB lost before acknowledgement: \(why)")), &out)
            }
        }
        if let r = round, r.epoch <= e { failRound(GatewayError("connection to IB lost: \(why)"), now: nil, &out) }
        failTime(GatewayError("connection to IB lost: \(why)"), &out)
        if (syncedEpoch ?? 0) <= e { dropBeliefs(epoch: e, &out) }
    }

    /// Forgets every order, ref and written leg believed on connection `e` (and before).
    /// `cause`: why (a reconnect, or IB's 1101 on the same connection).
    mutating func dropBeliefs(epoch e: Int, cause: String = "connection changed", _ out: inout [DeskAction]) {
        let forgotten = orders.count + written.count
        orders = [:]
        refById = [:]
        written = [:]
        syncedEpoch = nil
        out.append(.log(.notice, "gateway.belief_dropped", ["epoch": "\(e)", "orders_forgotten": "\(forgotten)", "cause": cause,
                                                             "effect": "orders are answered from a fresh snapshot"]))
    }

    // MARK: contracts

    mutating func lookUp(_ symbol: String, for waiter: ContractWaiter, _ out: inout [DeskAction]) {
        if let (reqId, _) = contractLookups.first(where: { $0.value.symbol == symbol }) {
            contractLookups[reqId]?.waiters.append(waiter)
            return
        }
        let reqId = reqId()
        contractRequests += 1
        contractLookups[reqId] = ContractLookup(symbol: symbol, waiters: [waiter])
        out.append(.startTimer(.contract(reqId: reqId), seconds: timeout))
        out.append(.send([.reqContractDetails(reqId: reqId, contract: TWSContract(symbol: symbol))], .contract(reqId: reqId)))
    }

    mutating func resolveContract(_ reqId: Int, _ result: Result<TWSContract, GatewayError>, now: Date?, _ out: inout [DeskAction]) {
        guard let lookup = contractLookups.removeValue(forKey: reqId) else { return }
        out.append(.cancelTimer(.contract(reqId: reqId)))
        if case .success(let c) = result { contracts[lookup.symbol] = c }
        for w in lookup.waiters {
            switch (w, result) {
            case (.caller(let id), .success(let c)): out.append(.reply(id, .contract(c)))
            case (.caller(let id), .failure(let e)): out.append(.reply(id, .failed(e)))
            case (.placement(let id), .success(let c)):
                placements[id]?.contract = c
                if let now { advance(id, lookAgainDone: false, afterContract: true, now: now, &out) }
            case (.placement(let id), .failure(let e)):
                // Without an IB code (not connected, timeout) nothing says IB refused it: the outcome stays open.
                finishPlacement(id, .failure(rejection(placements[id]?.plan.intentId ?? "?", code: e.code, e.message)), &out)
            }
        }
    }

    mutating func failContract(_ reqId: Int, _ e: GatewayError, now: Date?, _ out: inout [DeskAction]) {
        resolveContract(reqId, .failure(e), now: now, &out)
    }

    /// How many contracts are cached.
    public var cachedContracts: Int { contracts.count }
}
