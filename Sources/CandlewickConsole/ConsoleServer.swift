import CandlewickCore
import Foundation
import Hummingbird
import Logging

/// A request's context: Hummingbird's core storage and the peer address (for the audit log).
public struct ConsoleRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public let client: String

    /// Made by Hummingbird for each request.
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = source.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "unknown"
    }
}

/// Everything the console's HTTP routes need.
public struct ConsoleServer: Sendable {
    public let hub: ConsoleHub
    public let sessions: OperatorSessions
    public let audit: ConsoleAudit
    /// nil when no operator key is available: commands answer 503.
    public let sender: (any TradingCommandSender)?
    /// Add `Secure` to the session cookie (under TLS: the reverse proxy terminates it).
    public let secureCookies: Bool
    /// `/healthz` is 200 while a bus message arrived within this many seconds.
    public let healthWindow: TimeInterval
    /// The console's own series and exposition, merged into `/metrics` with the processes' heartbeats.
    public let metrics: ConsoleMetrics
    public let logger: Logger

    /// The session cookie's name.
    public static let cookieName = "cw_console"
    /// The header a state-changing request carries its CSRF token in.
    public static let csrfHeader = "X-CSRF-Token"
    static let maxBody = 16 * 1024
    /// The actions that act at IB (cancel orders, close positions): the request must name the action a second time
    /// in `confirm`, which the page does only after the operator confirms in a dialog.
    public static let confirmedActions: Set<String> = [TradingCommand.Action.cancelAll.rawValue, TradingCommand.Action.flatten.rawValue]
    /// The content type of the Prometheus text exposition.
    public static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// - Parameters:
    ///   - sender: sends the operator's commands to order-router; nil when the console has no operator identity.
    ///   - healthWindow: seconds without a bus message after which `/healthz` answers 503.
    ///   - metrics: the console's own series and exposition.
    public init(hub: ConsoleHub, sessions: OperatorSessions, audit: ConsoleAudit, sender: (any TradingCommandSender)?,
                secureCookies: Bool, healthWindow: TimeInterval, metrics: ConsoleMetrics, logger: Logger) {
        self.hub = hub
        self.sessions = sessions
        self.audit = audit
        self.sender = sender
        self.secureCookies = secureCookies
        self.healthWindow = healthWindow
        self.metrics = metrics
        self.logger = logger
    }

    /// The routes: the page and its assets, `/events`, `/state`, `/healthz`, `/metrics`, charts, run folders, and the operator's
    /// `/session`, `/login`, `/logout`, `/command`.
    public func router() -> Router<ConsoleRequestContext> {
        let router = Router(context: ConsoleRequestContext.self)
        router.get("/") { _, _ in Self.text(ConsolePage.html, type: "text/html; charset=utf-8") }
        router.get("/console.css") { _, _ in Self.text(ConsoleStylesheet.css, type: "text/css; charset=utf-8") }
        router.get("/console.js") { _, _ in Self.text(ConsoleScript.javascript, type: "text/javascript; charset=utf-8") }
        router.get("/state") { _, _ in Self.json(.ok, await hub.snapshot()) }
        router.get("/healthz") { _, _ in await health() }
        router.get("/metrics") { _, _ in await prometheus() }
        router.get("/events") { _, _ in await events() }
        router.get("/charts/:run/:symbol/:file") { _, context in await chart(context) }
        router.get("/runs/**") { _, context in runFile(context) }
        router.get("/session") { request, _ in
            switch sessions.session(Self.cookie(request)) {
            case .success(let s): Self.json(.ok, Data("{\"logged_in\":true,\"csrf\":\(ConsoleState.quoted(s.csrfToken))}".utf8))
            case .failure: Self.json(.ok, Data("{\"logged_in\":false,\"login_enabled\":\(sessions.enabled)}".utf8))
            }
        }
        router.post("/login") { request, context in try await login(request, context) }
        router.post("/logout") { request, context in try await logout(request, context) }
        router.post("/command") { request, context in try await command(request, context) }
        return router
    }

    private func health() async -> Response {
        let age = await hub.lastMessageAge()
        let alive = age.map { $0 <= healthWindow } ?? false
        let body = "{\"bus\":\"\(alive ? "alive" : "silent")\",\"last_message_age_s\":\(age.map(ConsoleState.number) ?? "null"),\"listeners\":\(await hub.listenerCount)}"
        return Self.json(alive ? .ok : .serviceUnavailable, Data(body.utf8))
    }

    /// Every live process's latest heartbeat exposition and the console's own, merged (`PrometheusExposition.gather`,
    /// as `candlewick metrics` does). No session needed: read-only figures (bind loopback or protect it at the proxy).
    private func prometheus() async -> Response {
        metrics.pages.record(Double(await hub.listenerCount))
        var latest = await hub.liveExpositions()
        if let own = metrics.exposition() { latest[metrics.instance] = own }
        let gathered = PrometheusExposition.gather(latest)
        if !gathered.skipped.isEmpty {
            logger.warning("console.metrics_skipped", metadata: ["skipped": "\(gathered.skipped.joined(separator: "; "))"])
        }
        var headers = HTTPFields()
        headers[.contentType] = Self.prometheusContentType
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: gathered.text)))
    }

    private func events() async -> Response {
        let stream = await hub.listen()
        var headers = HTTPFields()
        headers[.contentType] = "text/event-stream; charset=utf-8"
        headers[.cacheControl] = "no-store"
        return Response(status: .ok, headers: headers, body: ResponseBody { writer in
            for await text in stream {
                try await writer.write(ByteBuffer(string: text))
            }
            try await writer.finish(nil)
        })
    }

    /// A chart of the watched run, read from its run folder (where the run's `live.symbol` record says it is).
    private func chart(_ context: ConsoleRequestContext) async -> Response {
        guard let run = context.parameters.get("run").flatMap(\.removingPercentEncoding),
              let symbol = context.parameters.get("symbol").flatMap(\.removingPercentEncoding),
              let file = context.parameters.get("file"), ["daily.png", "weekly.png"].contains(file),
              let path = await hub.chartFile(runId: run, symbol: symbol, timeframe: String(file.dropLast(4))),
              let png = FileManager.default.contents(atPath: path)
        else { return Self.text("no such chart (the current run's charts are served from its run folder; older ones under /runs/)\n", status: .notFound) }
        var headers = HTTPFields()
        headers[.contentType] = "image/png"
        headers[.cacheControl] = "private, max-age=3600"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: png)))
    }

    private func runFile(_ context: ConsoleRequestContext) -> Response {
        let segments = context.parameters.getCatchAll().map { String($0).removingPercentEncoding ?? "" }
        guard let path = hub.runs.resolve(segments), let data = FileManager.default.contents(atPath: path) else {
            return Self.text("not found\n", status: .notFound)
        }
        var headers = HTTPFields()
        headers[.contentType] = RunFolders.contentType(of: path)
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private func login(_ request: Request, _ context: ConsoleRequestContext) async throws -> Response {
        if let refused = try crossOrigin(request, context, event: "login_refused") { return refused }
        var request = request
        let body = try await request.collectBody(upTo: Self.maxBody)
        let fields = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        guard let attempt = fields?["credential"] as? String else {
            return Self.json(.badRequest, Self.error("send {\"credential\": \"…\"} as JSON"))
        }
        switch sessions.login(attempt) {
        case .accepted(let session):
            metrics.logins.increment("accepted")
            try audit.record(ConsoleAuditEntry(ts: Date(), event: "login", client: context.client, session: session.label))
            var response = Self.json(.ok, Data("{\"csrf\":\(ConsoleState.quoted(session.csrfToken))}".utf8))
            response.headers[.setCookie] = "\(Self.cookieName)=\(session.id); Path=/; HttpOnly; SameSite=Strict\(secureCookies ? "; Secure" : "")"
            return response
        case .refused(let delay, let failures):
            metrics.logins.increment("refused")
            try audit.record(ConsoleAuditEntry(ts: Date(), event: "login_refused", client: context.client, refusal: "bad_credential"))
            logger.warning("console.login_refused", metadata: ["client": "\(context.client)", "failures_in_a_row": "\(failures)"])
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            return Self.json(.unauthorized, Self.error("wrong credential"))
        case .disabled:
            metrics.logins.increment("disabled")
            try audit.record(ConsoleAuditEntry(ts: Date(), event: "login_refused", client: context.client, refusal: "no_credential_configured"))
            return Self.json(.forbidden, Self.error("no operator credential is configured: the console is read-only"))
        }
    }

    private func logout(_ request: Request, _ context: ConsoleRequestContext) async throws -> Response {
        if let refused = try crossOrigin(request, context, event: "logout_refused") { return refused }
        switch sessions.authorize(Self.cookie(request), csrf: request.headers[.init(Self.csrfHeader)!]) {
        case .success(let s):
            sessions.end(s.id)
            try audit.record(ConsoleAuditEntry(ts: Date(), event: "logout", client: context.client, session: s.label))
            var response = Self.json(.ok, Data("{}".utf8))
            response.headers[.setCookie] = "\(Self.cookieName)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0\(secureCookies ? "; Secure" : "")"
            return response
        case .failure(let refusal):
            return Self.refused(refusal)
        }
    }

    private func command(_ request: Request, _ context: ConsoleRequestContext) async throws -> Response {
        var request = request
        let body = try await request.collectBody(upTo: Self.maxBody)
        let fields = (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any]
        let actionText = fields?["action"] as? String
        let offered = actionText.flatMap { hub.actions.contains($0) ? $0 : nil }
        let reason = (fields?["reason"] as? String).flatMap { $0.isEmpty ? nil : String($0.prefix(200)) } ?? "from the console"
        func refused(_ session: OperatorSession?, _ refusal: String) throws {
            metrics.actions.increment(offered ?? "unknown", "refused")
            try audit.record(ConsoleAuditEntry(ts: Date(), event: "command_refused", client: context.client, session: session?.label,
                                               action: actionText, reason: reason, refusal: refusal))
        }
        if let answer = try crossOrigin(request, context, event: "command_refused") {
            metrics.actions.increment(offered ?? "unknown", "refused")
            return answer
        }
        let session: OperatorSession
        switch sessions.authorize(Self.cookie(request), csrf: request.headers[.init(Self.csrfHeader)!]) {
        case .success(let s): session = s
        case .failure(let refusal):
            try refused(nil, refusal.rawValue)
            return Self.refused(refusal)
        }
        guard let actionText, let offered, let action = TradingCommand.Action(rawValue: offered) else {
            try refused(session, "unknown_action")
            return Self.json(.badRequest, Self.error("action must be one of \(hub.actions.joined(separator: ", "))"))
        }
        if Self.confirmedActions.contains(actionText), fields?["confirm"] as? String != actionText {
            try refused(session, "unconfirmed")
            return Self.json(.badRequest, Self.error("\(actionText) cancels orders at IB: confirm it (the request must carry \"confirm\": \"\(actionText)\")"))
        }
        guard let sender else {
            try refused(session, "no_operator_key")
            return Self.json(.serviceUnavailable, Self.error("the console has no operator key: start it where the operator key is installed"))
        }
        do {
            let report = try await sender.send(action, reason: "\(reason) (console, session \(session.label))")
            await hub.tradingState(report)
            metrics.actions.increment(actionText, report.refused == nil ? "done" : "router_refused")
            try audit.record(ConsoleAuditEntry(ts: Date(), event: "command", client: context.client, session: session.label, action: actionText,
                                               reason: reason, routerState: report.state.rawValue, routerReason: report.reason,
                                               routerRefused: report.refused, cleanup: report.cleanup))
            logger.notice("console.command", metadata: [
                "action": "\(actionText)", "session": "\(session.label)", "state": "\(report.state.rawValue)",
                "cleanup": "\(report.cleanup.map { "\($0.cancelledIntents.count) cancelled, \($0.exits.count) exits, \($0.problems.count) problems" } ?? "none")",
            ])
            return Self.json(.ok, ConsoleState.json(report))
        } catch {
            metrics.actions.increment(actionText, "failed")
            try audit.record(ConsoleAuditEntry(ts: Date(), event: "command_refused", client: context.client, session: session.label,
                                               action: actionText, reason: reason, refusal: "router: \(error)"))
            return Self.json(.badGateway, Self.error("order-router did not answer: \(error)"))
        }
    }

    /// A request whose `Origin` names another host than the one it was sent to is refused (defence in depth beside the
    /// SameSite cookie and the CSRF token).
    private func crossOrigin(_ request: Request, _ context: ConsoleRequestContext, event: String) throws -> Response? {
        guard let origin = request.headers[.origin], origin != "null" else { return nil }
        let host = request.head.authority ?? ""
        guard let originHost = URL(string: origin)?.host, originHost + (URL(string: origin)?.port.map { ":\($0)" } ?? "") == host
                || originHost == host else {
            try audit.record(ConsoleAuditEntry(ts: Date(), event: event, client: context.client, refusal: "cross_origin"))
            return Self.json(.forbidden, Self.error("cross-origin request refused"))
        }
        return nil
    }

    private static func refused(_ refusal: SessionRefusal) -> Response {
        switch refusal {
        case .missingCSRF, .badCSRF: json(.forbidden, error("refused (\(refusal.rawValue)): the request must carry the session's CSRF token"))
        default: json(.unauthorized, error("refused (\(refusal.rawValue)): log in as the operator first"))
        }
    }

    static func cookie(_ request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let kv = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if kv.count == 2, kv[0] == cookieName { return String(kv[1]) }
            }
        }
        return nil
    }

    static func error(_ text: String) -> Data { Data("{\"error\":\(ConsoleState.quoted(text))}".utf8) }

    static func json(_ status: HTTPResponse.Status, _ data: Data) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, type: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.init("Content-Security-Policy")!] = "default-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
        headers[.init("X-Content-Type-Options")!] = "nosniff"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
