import CandlewickTWS
import Foundation
import Logging

/// The paper gateway: accepts TWS API clients on a TCP port, one blocking thread per connection,
/// and serialises every state change through one lock around the `PaperBroker`.
public final class PaperServer: @unchecked Sendable {
    public let config: PaperConfig
    let logger: Logger
    let lock = NSLock()
    var broker: PaperBroker
    let store: PaperStateStore
    let saver: PaperStateSaver
    var connections: [ObjectIdentifier: PaperConnection] = [:]
    /// Messages held until the state they report is on disk (an acknowledged order survives a crash,
    /// as at IB), oldest first; later messages to the same clients queue behind them, so order is kept.
    var outbox: [(generation: Int, connection: PaperConnection, events: [TWSEvent])] = []
    var clients: [Int: PaperConnection] = [:]
    var listeners: [Int32] = []
    var adminRefusals = 0
    /// The most messages one client sent within a rolling second, and error-100 warnings sent (admin `pacing`).
    var messagePeak = 0
    var messageWarnings = 0
    /// Historical requests open in the simulated HMDS (IB's cap of 50).
    var hmds = PaperOpenHistorical()
    /// Monotonic seconds when the simulated day last moved (start, advance, setdate, reset): see `simulatedNowLocked`.
    var dayMovedAt = PaperServer.uptime()

    /// Loads the data and the saved state (or starts a fresh account).
    public init(config: PaperConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        var instruments = try PaperMarket.load(directory: config.dataDirectory, logger: logger)
        for s in config.synthetic {
            let symbol = s.uppercased()
            guard !instruments.contains(where: { $0.symbol == symbol }) else { throw PaperError.config("--synthetic \(symbol): real data exists for it") }
            instruments.append(PaperMarket.synthetic(symbol: symbol))
            logger.warning("data.synthetic", metadata: ["symbol": "\(symbol)"])
        }
        guard !instruments.isEmpty else { throw PaperError.config("no SYMBOL.csv files in \(config.dataDirectory)") }
        let market = PaperMarket(instruments: instruments)
        store = PaperStateStore(directory: config.stateDirectory)
        let state: PaperState
        if let saved = try store.load() {
            state = saved
            logger.info("state.loaded", metadata: ["path": "\(store.path)", "as_of": "\(saved.asOf)", "orders": "\(saved.orders.count)"])
        } else {
            guard let asOf = config.asOf ?? Self.defaultAsOf(market) else { throw PaperError.config("cannot choose an as-of day; pass --as-of") }
            state = PaperState(asOf: asOf, account: config.account, cash: config.startingCash)
        }
        broker = PaperBroker(market: market, state: state, maxVolumeParticipation: config.maxVolumeParticipation)
        try store.save(state)
        saver = PaperStateSaver(store: store, logger: logger)
        saver.onDurable = { [weak self] _ in self?.lock.withLock { self?.flushDurableLocked() } }
    }

    /// 60 trading days before the end of the shortest history still trading when the latest one starts,
    /// so every such symbol has years of bars behind it and days left to advance into.
    public static func defaultAsOf(_ market: PaperMarket) -> PaperDay? {
        let all = market.instruments.values
        guard let latestStart = all.compactMap({ $0.bars.first?.day }).max() else { return nil }
        let active = all.filter { ($0.bars.last?.day ?? 0) > latestStart }
        guard let end = active.compactMap({ $0.bars.last?.day }).min(), let i = market.calendar.firstIndex(of: end) else { return nil }
        return market.calendar[max(0, i - 60)]
    }

    /// The simulated day.
    public var asOf: PaperDay { lock.withLock { broker.state.asOf } }

    /// Binds the ports and starts the accept threads. Returns the bound API port and admin port.
    @discardableResult
    public func start() throws -> (port: Int, adminPort: Int?) {
        let (fd, port) = try PaperSocket.listen(host: config.host, port: config.port)
        var adminPort: Int?
        lock.withLock { listeners.append(fd) }
        if let a = config.adminPort {
            let (afd, ap) = try PaperSocket.listen(host: config.host, port: a)
            adminPort = ap
            lock.withLock { listeners.append(afd) }
            spawn("ib-paper.admin") { [self] in acceptLoop(afd, admin: true) }
        }
        let (day, symbols) = lock.withLock { (broker.state.asOf, broker.market.instruments.keys.sorted().joined(separator: ",")) }
        logger.info("listening", metadata: ["host": "\(config.host)", "port": "\(port)", "admin_port": "\(adminPort.map(String.init) ?? "-")",
                                            "as_of": "\(day)", "symbols": "\(symbols)"])
        spawn("ib-paper.accept") { [self] in acceptLoop(fd, admin: false) }
        return (port, adminPort)
    }

    /// Closes the listeners and every connection, then waits until the state is on disk.
    public func stop() {
        let (ls, cs) = lock.withLock { (listeners, Array(connections.values)) }
        for fd in ls { shutdown(fd, Int32(SHUT_RDWR)); close(fd) }
        for c in cs { c.shutdownSocket() }
        saver.stop()
    }

    /// Admin connections refused for a missing or wrong token.
    public var adminRefused: Int { lock.withLock { adminRefusals } }

    func noteAdminRefused(peer: String) {
        let n = lock.withLock { () -> Int in
            adminRefusals += 1
            return adminRefusals
        }
        logger.warning("admin.refused", metadata: ["peer": "\(peer)", "reason": "missing or wrong token", "refused_total": "\(n)"])
    }

    /// Blocks until every state change so far is on disk.
    public func flushState() { saver.flush() }

    func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let t = Thread { body() }
        t.name = name
        t.start()
    }

    func acceptLoop(_ fd: Int32, admin: Bool) {
        while let c = PaperSocket.accept(fd) {
            if admin {
                spawn("ib-paper.admin-conn") { [self] in PaperAdmin(server: self, fd: c).run() }
                continue
            }
            let conn = PaperConnection(server: self, fd: c)
            let accepted = lock.withLock { () -> Bool in
                guard connections.count < config.maxConnections else { return false }
                connections[ObjectIdentifier(conn)] = conn
                return true
            }
            guard accepted else {
                logger.warning("connection.refused", metadata: ["reason": "more than \(config.maxConnections) connections"])
                close(c)
                continue
            }
            spawn("ib-paper.conn") { conn.run() }
        }
    }

    /// Advances the simulated day `days` times, delivering fills; returns the days reached.
    public func advance(days: Int) -> [PaperDay] {
        lock.withLock {
            var reached: [PaperDay] = []
            for _ in 0..<max(0, days) {
                guard let out = broker.advanceDay() else { break }
                reached.append(broker.state.asOf)
                deliverLocked(out)
            }
            dayMoved(reached)
            return reached
        }
    }

    /// Saves the state that `out` reports and sends `out` to its targets once that state is on disk
    /// (a message IB sends about an order is never about one a crash would forget). Caller holds `lock`.
    /// IB's connectivity notices (message codes 1100/1101/1102), to every connected client; returns how many got it.
    public func connectivity(_ code: Int) -> Int? {
        let texts = [1100: "Connectivity between IB and Trader Workstation has been lost.",
                     1101: "Connectivity between IB and Trader Workstation has been restored - data lost.",
                     1102: "Connectivity between IB and Trader Workstation has been restored - data maintained."]
        guard let text = texts[code] else { return nil }
        return lock.withLock {
            for c in clients.values { c.sendLocked([PaperErrors.err(-1, code, text)]) }
            logger.info("admin.connectivity", metadata: ["code": "\(code)", "clients": "\(clients.count)"])
            return clients.count
        }
    }

    /// Holds historical answers: requests stay open until `releaseHistorical()`. Returns how many are open.
    public func holdHistorical() -> Int {
        lock.withLock {
            hmds.holding = true
            logger.info("admin.hmds_hold")
            return hmds.open.count
        }
    }

    /// Answers every open historical request (oldest first) and stops holding; returns how many.
    public func releaseHistorical() -> Int {
        lock.withLock {
            let released = hmds.release()
            for entry in released {
                guard let c = connections[entry.connection] else { continue }
                c.sendLocked(entry.answer)
            }
            logger.info("admin.hmds_release", metadata: ["released": "\(released.count)"])
            return released.count
        }
    }

    func deliverLocked(_ out: [PaperOutbound]) {
        let generation = saver.submit(broker.state)
        for o in out {
            switch o.target {
            case .client(let id): if let c = clients[id] { outbox.append((generation, c, [o.event])) }
            case .positionSubscribers: for c in connections.values where c.positionsSubscribed { outbox.append((generation, c, [o.event])) }
            }
        }
        flushDurableLocked()
    }

    /// Whether a message to `connection` must wait behind held ones. Caller holds `lock`.
    func mustQueueLocked(_ connection: PaperConnection) -> Bool { outbox.contains { $0.connection === connection } }

    /// Queues a message to `connection` behind the held ones. Caller holds `lock`.
    func queueLocked(_ connection: PaperConnection, _ events: [TWSEvent]) {
        outbox.append((outbox.last?.generation ?? 0, connection, events))
    }

    /// Sends every held message whose state is on disk, in order. Caller holds `lock`.
    func flushDurableLocked() {
        let durable = saver.durableGeneration
        var n = 0
        while n < outbox.count, outbox[n].generation <= durable { n += 1 }
        guard n > 0 else { return }
        let ready = outbox.prefix(n)
        outbox.removeFirst(n)
        for m in ready { m.connection.writeLocked(m.events) }
    }

    /// Registers a client id; false when another connection holds it. Caller holds `lock`.
    func registerLocked(_ conn: PaperConnection, clientId: Int) -> Bool {
        if clients[clientId] != nil { return false }
        clients[clientId] = conn
        return true
    }

    /// Forgets a closing connection. Its held messages are dropped and it never writes again: its
    /// descriptor is about to be closed and may be reused by the next accepted client.
    func unregister(_ conn: PaperConnection) {
        lock.withLock {
            conn.closed = true
            hmds.drop(connection: ObjectIdentifier(conn))
            outbox.removeAll { $0.connection === conn }
            connections.removeValue(forKey: ObjectIdentifier(conn))
            if let id = conn.clientId, clients[id] === conn { clients.removeValue(forKey: id) }
        }
    }
}
