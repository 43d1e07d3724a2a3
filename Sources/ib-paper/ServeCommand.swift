import ArgumentParser
import CandlewickPaper
import CandlewickRuntime
import CandlewickTWS
import Foundation
import ServiceLifecycle

/// `ib-paper serve` (the default): run the gateway until SIGTERM/SIGINT (graceful, within the shutdown budget).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Serve the TWS API on a TCP port.")

    @OptionGroup var common: CommonOptions
    @Option(help: "API port (0 = any free port).") var port = 4002
    @Option(help: "Listen address (IPv4).") var host = "127.0.0.1"
    @Option(help: "Admin line-protocol port for the simulation clock (`advance [n]`, `asof`).") var adminPort: Int?
    @Option(help: "File holding the token the admin port requires as its first line (`auth <token>`); created (mode 0600) when missing (default ib.paper_admin_token_file, else <security.keys>/ib-paper-admin.token).")
    var adminTokenFile: String?
    @Option(help: "Directory of SYMBOL.csv daily files (default: deploy/data/daily of the checkout).") var data: String?
    @Option(help: "Comma-separated symbols served with deterministic synthetic bars (never implied).") var synthetic: String?
    @Option(help: "Directory for ib-paper-state.json (default: the working directory).") var state = "."
    @Option(help: "Simulated day YYYY-MM-DD for a fresh state (default: computed from the data; a saved state keeps its own).")
    var asOf: String?
    @Option(help: "Account id reported to clients.") var account = "DU0000001"
    @Option(help: "Starting cash (USD) for a fresh state.") var cash = 100_000
    @Option(help: "Messages per second from one client before error 100 / disconnect.") var maxMessagesPerSecond = 50
    @Flag(help: "Disable historical-data pacing (error 162).") var noHistoricalPacing = false
    @Option(name: .customLong("max-historical-per-10min"), help: "Historical requests allowed per 10 minutes (0 = no 10-minute cap, as real gateways for bars of 1 min and longer; the 15 s and 2 s rules stay).")
    var maxHistoricalPer10min = 60
    @Option(help: "Partial fills: the fraction (0 < f <= 1) of a day's volume one order may take on that day's bar; the rest stays working for later bars (default: every order fills in full).")
    var maxVolumeParticipation: String?

    func run() async throws {
        let context = try ProcessContext(process: "ib-paper", options: common)
        guard let dir = data ?? Self.bundledData() else {
            throw ValidationError("no --data given and deploy/data/daily not found next to the working directory or the executable")
        }
        var config = PaperConfig(dataDirectory: dir)
        config.port = port
        config.host = host
        config.adminPort = adminPort
        if adminPort != nil {
            do { config.adminToken = try TokenFile.load(adminTokenFile ?? context.paperAdminTokenFile, create: true) } catch {
                throw ValidationError("admin token: \(error)")
            }
        }
        config.synthetic = (synthetic ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        config.stateDirectory = state
        config.account = account
        config.startingCash = Decimal(cash)
        config.maxMessagesPerSecond = maxMessagesPerSecond
        config.historicalPacing = !noHistoricalPacing
        config.maxHistoricalPer10Min = maxHistoricalPer10min
        if let text = maxVolumeParticipation {
            guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }), let f = Decimal(string: text), f > 0, f <= 1 else {
                throw ValidationError("--max-volume-participation must be a fraction in (0, 1], got \(text)")
            }
            config.maxVolumeParticipation = f
        }
        if let asOf {
            let digits = asOf.replacingOccurrences(of: "-", with: "")
            guard digits.count == 8, let d = Int(digits) else { throw ValidationError("--as-of must be YYYY-MM-DD, got \(asOf)") }
            config.asOf = d
        }
        let server: PaperServer
        do {
            server = try PaperServer(config: config, logger: context.logger)
            try server.start()
        } catch let e as PaperError {
            throw ValidationError(e.description)
        }
        // Serve until SIGTERM/SIGINT, then stop accepting, close the connections and exit within the budget.
        try await ProcessRunner.run([PaperService(server: server)], context: context)
    }

    /// deploy/data/daily in the working directory or above the executable (…/.build/release/ib-paper).
    static func bundledData() -> String? {
        var candidates = [FileManager.default.currentDirectoryPath]
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(dir.path)
            dir = dir.deletingLastPathComponent()
        }
        return candidates.map { ($0 as NSString).appendingPathComponent("deploy/data/daily") }.first {
            var isDir: ObjCBool = false
            return FileManager.default.fileExists(atPath: $0, isDirectory: &isDir) && isDir.boolValue
        }
    }
}

/// `ib-paper encode-sample NAME|--all`: the fields our encoder produces for a named request, as JSON.
struct EncodeSampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode-sample", abstract: "Print the fields CandlewickTWS encodes for a named sample request (JSON).")

    @Argument(help: "Sample name (omit with --all).") var name: String?
    @Flag(help: "Print every sample as one JSON object.") var all = false

    func run() throws {
        let samples = TWSEncodingSamples.all
        let out: Any
        if all {
            out = samples.mapValues { $0.fields() }
        } else {
            guard let name, let s = samples[name] else {
                throw ValidationError("unknown sample \(name ?? "(none)"); known: \(samples.keys.sorted().joined(separator: ", "))")
            }
            out = s.fields()
        }
        let data = try JSONSerialization.data(withJSONObject: out, options: [.sortedKeys])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

/// Keeps the paper gateway running until graceful shutdown, then stops it.
struct PaperService: Service {
    let server: PaperServer

    func run() async throws {
        try? await gracefulShutdown()
        server.stop()
    }
}
