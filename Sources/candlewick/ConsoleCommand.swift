import ArgumentParser
import CandlewickBus
import CandlewickConsole
import CandlewickCore
import CandlewickRuntime
import Foundation
import Hummingbird

/// `candlewick console`: the live operator page in the browser (docs/console.md).
struct ConsoleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "console",
        abstract: "Serve the live operator page: processes, the run's signals and charts, orders, fills, P&L, and the kill switch.",
        discussion: """
            Reads the bus with the observer key; HALT / REDUCE / RESUME / CANCEL ALL / FLATTEN go to order-router as the \
            operator (operator key) after the operator logs in with the credential from --operator-credential-file \
            (mode 0600) or CANDLEWICK_CONSOLE_CREDENTIAL; CANCEL ALL and FLATTEN are confirmed in a dialog first. Without \
            a credential the page is read-only. /metrics serves every live process's Prometheus metrics, merged, without \
            a session. Plain HTTP: terminate TLS at a reverse proxy (docs/console.md); a non-loopback --listen needs \
            --insecure-listen.
            """)

    @OptionGroup var common: CommonOptions
    @Option(help: "HOST:PORT to listen on.") var listen = "127.0.0.1:8765"
    @Flag(help: "Allow a non-loopback --listen address (plain HTTP: only behind a TLS-terminating proxy or on a trusted network).")
    var insecureListen = false
    @Option(help: "File holding the operator credential (mode 0600, at least 16 characters). Else CANDLEWICK_CONSOLE_CREDENTIAL.")
    var operatorCredentialFile: String?
    @Option(help: "Seconds an idle operator session lives.") var sessionIdle: Double = 900
    @Option(help: "Seconds an operator session lives at most.") var sessionMax: Double = 8 * 3600
    @Flag(help: "Mark the session cookie Secure (set when a reverse proxy serves the console over HTTPS).") var secureCookie = false
    @Option(help: "The runs directory listed under past runs (default: tracker.directory).") var runs: String?
    @Option(help: "The audit log (JSON lines; default: <security.audit_directory>/candlewick-console.jsonl).") var auditLog: String?
    @Option(help: "The payload source label of trading commands (must be in router.allowed_sources).") var sourceLabel = "console"

    func validate() throws {
        guard sessionIdle > 0, sessionMax > 0, sessionIdle.isFinite, sessionMax.isFinite else {
            throw ValidationError("--session-idle and --session-max must be positive seconds")
        }
        _ = try ListenAddress(listen, insecureAllowed: insecureListen)
    }

    func run() async throws {
        let address = try ListenAddress(listen, insecureAllowed: insecureListen)
        let credential = try OperatorCredential.load(file: operatorCredentialFile)
        let context = try ProcessContext(process: "candlewick-console", options: common)
        let sender = operatorSender(context: context)
        let hub = ConsoleHub(runs: RunFolders(directory: runs ?? context.config[\.trackerDirectory]),
                             actions: TradingCommand.Action.allCases.filter { $0 != .status }.map(\.rawValue),
                             operatorEnabled: credential != nil && sender != nil)
        let audit = try ConsoleAudit(path: auditLog ?? "\(context.config[\.securityAuditDirectory])/candlewick-console.jsonl")
        let server = ConsoleServer(hub: hub, sessions: OperatorSessions(credential: credential, policy: SessionPolicy(idleTimeout: sessionIdle, absoluteTimeout: sessionMax)),
                                   audit: audit, sender: sender, secureCookies: secureCookie,
                                   healthWindow: 3 * context.config[\.runtimeHeartbeatIntervalS] + 1,
                                   metrics: ConsoleMetrics(instance: context.instance), logger: context.logger)
        let socket = try context.endpoints.makeSubscriberSocket(prefixes: ConsoleBusService.topics, options: context.socketOptions)
        let subscriber = BusSubscriber(source: socket.incoming, codec: context.codec, logger: context.logger, detectGaps: false)
        let app = Application(router: server.router(), configuration: .init(address: .hostname(address.host, port: address.port)),
                              onServerRunning: { _ in
                                  context.logger.notice("console.listening", metadata: ["url": "http://\(listen)/"])
                              },
                              logger: context.logger)
        context.logger.notice("console.start", metadata: [
            "listen": "\(listen)", "operator": "\(credential == nil ? "disabled (no credential)" : sender == nil ? "disabled (no operator key)" : "enabled")",
            "audit": "\(audit.path)",
        ])
        try await ProcessRunner.run([app, ConsoleBusService(hub: hub, socket: socket, subscriber: subscriber, sender: sender, logger: context.logger)],
                                    context: context)
    }

    /// The console's operator identity (`candlewick-trading.console-<pid>`, operator key), or nil when it cannot be had.
    private func operatorSender(context: ProcessContext) -> BusTradingCommandSender? {
        var options = common
        options.instance = "candlewick-trading.console-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            let op = try ProcessContext(process: "candlewick-trading", options: options)
            let client = try RequestClient(connect: try WorkEndpoints(config: op.config).routerCommands, source: op.instance,
                                           options: op.socketOptions, codec: op.codec, logger: op.logger)
            return BusTradingCommandSender(client: client, label: sourceLabel)
        } catch {
            context.logger.warning("console.no_operator_identity", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
