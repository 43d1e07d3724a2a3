import CandlewickCore
import CandlewickTWS
import Foundation
import Logging

/// One API client: handshake, START_API, then requests until the peer leaves or breaks the protocol.
/// Any framing, handshake or decoding error is logged and resets this connection only.
final class PaperConnection: @unchecked Sendable {
    /// Strong: connection threads may outlive the last outside reference to the server (e.g. in tests).
    let server: PaperServer
    let fd: Int32
    /// Set once START_API is accepted. Guarded by the server lock after that.
    var clientId: Int?
    var positionsSubscribed = false
    var accountSummaries: [Int: String] = [:]
    var pacing: PaperPacing
    var closed = false
    let started = Date()
    var logger: Logger

    init(server: PaperServer, fd: Int32) {
        self.server = server
        self.fd = fd
        pacing = PaperPacing(maxMessagesPerSecond: server.config.maxMessagesPerSecond, maxHistorical: server.config.maxHistoricalPer10Min,
                             historicalEnabled: server.config.historicalPacing)
        logger = server.logger
        logger[metadataKey: "fd"] = "\(fd)"
    }

    func shutdownSocket() { shutdown(fd, Int32(SHUT_RDWR)) }

    /// Sends events, behind any of this connection's messages still waiting for the state they report
    /// to reach the disk. Caller holds the server lock.
    func sendLocked(_ events: [TWSEvent]) {
        if server.mustQueueLocked(self) { server.queueLocked(self, events) } else { writeLocked(events) }
    }

    /// Writes events now; on failure the connection is shut down. Caller holds the server lock.
    func writeLocked(_ events: [TWSEvent]) {
        guard !closed else { return }
        var data = Data()
        for e in events {
            do { data.append(try e.frame()) } catch { logger.error("encode.failed", metadata: ["error": "\(error)"]) }
        }
        if !PaperSocket.write(fd, data) {
            closed = true
            shutdownSocket()
        }
    }

    func sendAccountSummariesLocked() {
        for (reqId, tags) in accountSummaries.sorted(by: { $0.key < $1.key }) { sendLocked(server.broker.accountSummary(reqId: reqId, tags: tags)) }
    }

    func run() {
        PaperSocket.setReadTimeout(fd, seconds: 10)
        // Messages are counted for pacing when they arrive, not when a busy server gets to them.
        let arrivals = ArrivalReader(fd: fd)
        defer {
            server.unregister(self)
            // Wake the reader and wait for it before the descriptor can be reused.
            shutdown(fd, Int32(SHUT_RDWR))
            arrivals.waitFinished()
            close(fd)
        }
        var buffer = TWSFrameBuffer(maxLength: server.config.maxMessageLength)
        var phase = 0  // 0: prefix, 1: version, 2: startApi, 3: running
        do {
            while true {
                let (arrivedAt, bytes) = arrivals.next()
                if bytes.isEmpty { break }
                buffer.append(bytes)
                if phase == 0 {
                    guard let prefix = buffer.takeRaw(4) else { continue }
                    guard prefix == TWSWire.apiPrefix else { throw TWSProtocolError.handshake("expected API\\0 prefix, got \(prefix)") }
                    phase = 1
                }
                if phase == 1 {
                    guard let payload = try buffer.nextPayload() else { continue }
                    let range = try TWSHandshake.parseClientVersions(payload)
                    let version = try TWSHandshake.negotiate(range)
                    guard PaperSocket.write(fd, try TWSFraming.frame(TWSHandshake.serverHelloFields(version: version, time: Date()))) else { break }
                    phase = 2
                }
                while let fields = try buffer.nextFields() {
                    if phase == 3, let reply = PaperUnimplemented.reply(to: fields) {
                        guard answer(unimplemented: reply.name, reply.events, arrivedAt: arrivedAt) else { return }
                        continue
                    }
                    let request = try TWSRequest.decode(fields)
                    if phase == 2 {
                        guard case .startApi(let id, _) = request else {
                            throw TWSProtocolError.handshake("expected startApi (71) after the handshake, got \(request.name)")
                        }
                        guard start(clientId: id) else { return }
                        phase = 3
                        arrivals.handshakeDone()
                        continue
                    }
                    guard handle(request, arrivedAt: arrivedAt) else { return }
                }
            }
        } catch {
            logger.warning("connection.reset", metadata: ["client_id": "\(clientId.map(String.init) ?? "-")", "error": "\(error)"])
            return
        }
        logger.info("connection.closed", metadata: ["client_id": "\(clientId.map(String.init) ?? "-")"])
    }

    /// START_API: 326 when the id is taken, else accounts, next id and the farm notices.
    func start(clientId id: Int) -> Bool {
        server.lock.withLock {
            guard server.registerLocked(self, clientId: id) else {
                sendLocked([PaperErrors.err(-1, 326, "Unable to connect as the client id is already in use. Retry with a unique client id.")])
                logger.warning("client.duplicate_id", metadata: ["client_id": "\(id)"])
                return false
            }
            clientId = id
            logger[metadataKey: "client_id"] = "\(id)"
            let st = server.broker.state
            sendLocked([
                .managedAccounts([st.account]), .nextValidId(st.nextValidId(clientId: id)),
                PaperErrors.err(-1, 2104, "Market data farm connection is OK:usfarm"),
                PaperErrors.err(-1, 2106, "HMDS data farm connection is OK:ushmds"),
                PaperErrors.err(-1, 2158, "Sec-def data farm connection is OK:secdefil"),
            ])
            logger.info("client.connected", metadata: ["as_of": "\(st.asOf)"])
            return true
        }
    }

    /// Counts one message against the message rate; false when the connection must close. Caller holds the server lock.
    func paceLocked(at now: Double) -> Bool {
        let verdict = pacing.message(at: now)
        server.messagePeak = max(server.messagePeak, pacing.peakPerSecond)
        if verdict != .ok { server.messageWarnings += 1 }
        switch verdict {
        case .ok: return true
        case .warn:
            sendLocked([PaperErrors.err(-1, 100, "Max rate of messages per second has been exceeded:max=\(pacing.maxMessagesPerSecond)")])
            logger.warning("pacing.messages_warned")
            return true
        case .disconnect:
            sendLocked([PaperErrors.err(-1, 100, "Max rate of messages per second has been exceeded: disconnecting")])
            logger.warning("pacing.disconnected")
            return false
        }
    }

    /// A historical request: IB's cap on open requests (322), then pacing (162), then the bars — sent now,
    /// or held open while the admin port holds answers (`PaperOpenHistorical`). Caller holds the server lock.
    func historicalLocked(_ h: TWSHistoricalDataRequest, at now: Double) {
        let answer: [TWSEvent]
        if let why = pacing.historical(h, at: now) {
            answer = [PaperErrors.err(h.reqId, 162, "Historical Market Data Service error message:Historical data request pacing violation (\(why))")]
        } else {
            answer = server.broker.historicalData(h)
        }
        switch server.hmds.admit(connection: ObjectIdentifier(self), reqId: h.reqId, answer: answer) {
        case .answerNow: sendLocked(answer)
        case .opened: break
        case .refused(let error):
            logger.warning("historical.refused", metadata: ["req_id": "\(h.reqId)", "open": "\(server.hmds.open.count)"])
            sendLocked([error])
        }
    }

    /// Answers a request ib-paper does not implement (see `PaperUnimplemented`); the connection stays.
    func answer(unimplemented name: String, _ events: [TWSEvent], arrivedAt now: Double) -> Bool {
        server.lock.withLock {
            guard paceLocked(at: now) else { return false }
            logger.info("request.unimplemented", metadata: ["request": "\(name)"])
            if !events.isEmpty { sendLocked(events) }
            return !closed
        }
    }

    /// Serves one request; false when the connection must close (pacing).
    func handle(_ request: TWSRequest, arrivedAt now: Double = Date().timeIntervalSince1970) -> Bool {
        return server.lock.withLock {
            guard paceLocked(at: now) else { return false }
            let id = clientId ?? 0
            var b: PaperBroker { server.broker }
            switch request {
            case .startApi: sendLocked([PaperErrors.err(-1, 321, "Error validating request: startApi sent twice")])
            case .reqIds: sendLocked([.nextValidId(b.state.nextValidId(clientId: id))])
            case .reqCurrentTime: sendLocked([.currentTime(Int64(server.simulatedNowLocked().timeIntervalSince1970))])
            case .reqManagedAccounts: sendLocked([.managedAccounts([b.state.account])])
            case .reqContractDetails(let reqId, let c): sendLocked(b.contractDetails(reqId: reqId, contract: c))
            case .reqHistoricalData(let h): historicalLocked(h, at: now)
            case .cancelHistoricalData(let reqId):
                if let cancelled = server.hmds.cancel(connection: ObjectIdentifier(self), reqId: reqId) {
                    sendLocked([cancelled])
                } else {
                    sendLocked([PaperErrors.err(reqId, 366, "No historical data query found for ticker id:\(reqId)")])
                }
            case .placeOrder(let p):
                server.deliverLocked(server.broker.place(p, clientId: id))
            case .cancelOrder(let orderId, _):
                server.deliverLocked(server.broker.cancel(orderId: orderId, clientId: id))
            case .reqGlobalCancel:
                server.deliverLocked(server.broker.cancelAll())
            case .reqOpenOrders: sendLocked(b.openOrders(clientId: id, all: false))
            case .reqAllOpenOrders: sendLocked(b.openOrders(clientId: id, all: true))
            case .reqAutoOpenOrders:
                if id != 0 { sendLocked([PaperErrors.err(-1, 327, "Only the client with id 0 can set auto bind")]) }
            case .reqCompletedOrders: sendLocked(b.completedOrders())
            case .reqExecutions(let reqId, let f): sendLocked(b.executions(reqId: reqId, filter: f))
            case .reqPositions:
                positionsSubscribed = true
                sendLocked(b.positionEvents())
            case .cancelPositions: positionsSubscribed = false
            case .reqAccountSummary(let reqId, _, let tags):
                accountSummaries[reqId] = tags
                sendLocked(b.accountSummary(reqId: reqId, tags: tags))
            case .cancelAccountSummary(let reqId): accountSummaries.removeValue(forKey: reqId)
            case .reqAccountUpdates(let subscribe, _):
                if subscribe { sendLocked(b.accountUpdates()) }
            case .reqMarketDataType, .cancelAccountUpdatesMulti: break
            case .reqAccountUpdatesMulti(let reqId, _, _, _): sendLocked([.accountUpdateMultiEnd(reqId: reqId)])
            case .reqHeadTimestamp(let reqId, let c, _, let what, let fmt): sendLocked(b.headTimestamp(reqId: reqId, contract: c, whatToShow: what, formatDate: fmt))
            }
            return !closed
        }
    }
}

/// The simulation clock's line protocol (after `auth <token>`), one line in, one line out:
/// `advance [n]` → `ok as_of=YYYYMMDD` (n trading days, matching working orders on each);
/// `setdate YYYYMMDD` → `ok as_of=YYYYMMDD`: forward to that trading day, matched day by day exactly like `advance`
/// (a past date, a day without bars or one past the end of data → `error: …`);
/// `reset [YYYYMMDD]` → `ok as_of=YYYYMMDD`: a fresh account (starting cash, no orders, executions or positions;
/// order ids keep increasing) at that day, default the starting as-of day; saved to disk before the answer;
/// `asof` → `as_of=YYYYMMDD`; `now` → `now=<epoch seconds> as_of=YYYYMMDD` (the simulated time `reqCurrentTime` answers);
/// `connectivity lost|restored-data-lost|restored` → IB's 1100/1101/1102 to every client (for tests);
/// `hmds hold` → historical requests stay open (unanswered) until `hmds release` → `ok released=N`;
/// `pacing` → `max_per_second=N violations=V limit=L`: the most messages one client sent in a rolling second.
struct PaperAdmin {
    let server: PaperServer
    let fd: Int32

    /// The first line must be `auth <token>` (no reply when it matches); anything else is refused,
    /// logged and the connection closed, so the simulated day cannot be moved without the token file.
    func run() {
        defer { close(fd) }
        var pending = ""
        var authenticated = server.config.adminToken == nil
        while true {
            let bytes = PaperSocket.read(fd, max: 4096)
            if bytes.isEmpty { return }
            pending += String(decoding: bytes, as: UTF8.self)
            if pending.count > 4096 { return }
            while let nl = pending.firstIndex(of: "\n") {
                let line = pending[..<nl].trimmingCharacters(in: .whitespacesAndNewlines)
                pending = String(pending[pending.index(after: nl)...])
                if !authenticated {
                    let parts = line.split(separator: " ", maxSplits: 1)
                    if parts.count == 2, parts[0] == "auth", let token = server.config.adminToken, ConstantTime.equal(String(parts[1]), token) {
                        authenticated = true
                        continue
                    }
                    server.noteAdminRefused(peer: PaperSocket.peerAddress(fd))
                    _ = PaperSocket.write(fd, Data("error: authentication required (first line: auth <token from the admin token file>)\n".utf8))
                    return
                }
                guard PaperSocket.write(fd, Data((reply(line) + "\n").utf8)) else { return }
            }
        }
    }

    func reply(_ line: String) -> String {
        let parts = line.split(separator: " ")
        switch parts.first?.lowercased() {
        case "advance":
            let n = parts.count > 1 ? Int(parts[1]) ?? -1 : 1
            guard n >= 1, n <= 10_000 else { return "error: usage: advance [days 1...10000]" }
            let reached = server.advance(days: n)
            return reached.count == n ? "ok as_of=\(server.asOf)" : "error: end of data at as_of=\(server.asOf) after \(reached.count) day(s)"
        case "setdate":
            guard parts.count == 2, let day = PaperServer.parseDay(parts[1]) else { return "error: usage: setdate YYYYMMDD (a trading day after as_of)" }
            switch server.setDate(day) {
            case .success(let d): return "ok as_of=\(d)"
            case .failure(let e): return "error: \(e)"
            }
        case "reset":
            guard parts.count <= 2 else { return "error: usage: reset [YYYYMMDD]" }
            var day: PaperDay?
            if parts.count == 2 {
                guard let d = PaperServer.parseDay(parts[1]) else { return "error: usage: reset [YYYYMMDD] (got \"\(parts[1].prefix(20))\")" }
                day = d
            }
            switch server.reset(to: day) {
            case .success(let d): return "ok as_of=\(d)"
            case .failure(let e): return "error: \(e)"
            }
        case "asof": return "as_of=\(server.asOf)"
        case "now":
            let (now, day) = server.lock.withLock { (server.simulatedNowLocked(), server.broker.state.asOf) }
            return "now=\(Int64(now.timeIntervalSince1970)) as_of=\(day)"
        case "pacing":
            let (peak, violations) = server.lock.withLock { (server.messagePeak, server.messageWarnings) }
            return "max_per_second=\(peak) violations=\(violations) limit=\(server.config.maxMessagesPerSecond)"
        case "hmds":
            switch parts.count == 2 ? parts[1].lowercased() : "" {
            case "hold": return "ok holding open=\(server.holdHistorical())"
            case "release": return "ok released=\(server.releaseHistorical())"
            default: return "error: usage: hmds hold|release"
            }
        case "connectivity":
            let codes = ["lost": 1100, "restored-data-lost": 1101, "restored": 1102]
            guard parts.count == 2, let code = codes[String(parts[1]).lowercased()], let n = server.connectivity(code) else {
                return "error: usage: connectivity lost|restored-data-lost|restored"
            }
            return "ok sent=\(code) clients=\(n)"
        default: return "error: unknown command \"\(line.prefix(40))\" (advance [n], setdate YYYYMMDD, reset [YYYYMMDD], asof, now, connectivity lost|restored-data-lost|restored, hmds hold|release, pacing)"
        }
    }
}

/// Reads a connection's socket on its own thread and stamps every chunk with its arrival time.
/// Before the handshake completes a read timeout ends the connection; afterwards the socket may idle.
final class ArrivalReader: @unchecked Sendable {
    private let condition = NSCondition()
    private var chunks: [(Double, [UInt8])] = []
    private var handshakeComplete = false
    private var finished = false

    init(fd: Int32) {
        let thread = Thread { [self] in
            var buf = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = recv(fd, &buf, buf.count, 0)
                if n > 0 {
                    push(Date().timeIntervalSince1970, Array(buf[0..<n]))
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && condition.withLock({ handshakeComplete && !finished }) { continue }
                condition.withLock {
                    chunks.append((Date().timeIntervalSince1970, []))
                    finished = true
                    condition.broadcast()
                }
                return
            }
        }
        thread.name = "ib-paper.reader"
        thread.start()
    }

    private func push(_ at: Double, _ bytes: [UInt8]) {
        condition.withLock {
            chunks.append((at, bytes))
            condition.signal()
        }
    }

    func handshakeDone() { condition.withLock { handshakeComplete = true } }

    /// Returns once the reader thread has stopped (after the socket was shut down).
    func waitFinished() {
        condition.withLock { while !finished { condition.wait() } }
    }

    /// The next chunk and its arrival time; empty bytes = closed (or no handshake in time).
    func next() -> (Double, [UInt8]) {
        condition.withLock {
            while chunks.isEmpty { condition.wait() }
            return chunks.removeFirst()
        }
    }
}
