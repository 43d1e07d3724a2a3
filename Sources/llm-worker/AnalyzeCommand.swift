import ArgumentParser
import CandlewickCore
import CandlewickLLM
import CandlewickRuntime
import Foundation

/// `llm-worker analyze`: one analysis from two chart PNGs and the JSON `chart-worker render` prints.
struct AnalyzeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Print the TradingSignal for one symbol's charts and indicators as JSON.")

    @OptionGroup var common: CommonOptions
    @Option(help: "Symbol (upper case).") var symbol: String
    @Option(help: "Daily chart PNG.") var daily: String
    @Option(help: "Weekly chart PNG.") var weekly: String
    @Option(help: "The JSON `chart-worker render` printed (indicators, weekly_indicators, last_close, chart_low, chart_high).")
    var indicators: String
    @Option(help: "Signal id (default: derived from the inputs, so re-runs give the same id).") var signalId: String?
    @Option(help: "Also write the analysis record (signal, raw answer, refusal reasons, token usage incl. image tokens, latency, attempts, cached) to this file.")
    var report: String?

    func run() async throws {
        let context = try ProcessContext(process: "llm-worker", options: common)
        let charts = try [daily, weekly].map { path -> Data in
            guard let d = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
            return d
        }
        let analysis = try Self.context(symbol: symbol, json: indicators)
        let id = signalId ?? SHA256Digest.hex(of: ([symbol] + charts.map { SHA256Digest.hex(of: $0) }).joined(separator: "|")).prefix(32).description
        let choice = try ProviderFactory.choose(try LLMSettings(config: context.config), environment: ProcessInfo.processInfo.environment)
        let signalJSON: Data
        switch choice {
        case .rules:
            let started = ContinuousClock.now
            let signal = try RulesAnalyst().analyze(analysis, signalId: id)
            signalJSON = try CandlewickJSON.encode(signal)
            if let path = report {
                let d = ContinuousClock.now - started
                try AnalysisRecord(signal: signal, latencyMs: Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000)
                    .write(to: path)
            }
            context.logger.info("analysis.done", metadata: ["provider": "rules", "action": "\(signal.action.rawValue)"])
        case .model(let provider, let settings):
            let analyzer = try Analyzer.make(provider: provider, settings: settings, logger: context.logger)
            let report = await analyzer.analyze(analysis, charts: charts, signalId: id)
            signalJSON = report.signalJSON
            if let path = self.report { try AnalysisRecord(report).write(to: path) }
            context.logger.info("analysis.done", metadata: [
                "provider": "\(provider.name)", "model": "\(provider.model)", "action": "\(report.outcome.signal.action.rawValue)",
                "accepted": "\(report.outcome.accepted)", "reasons": "\(report.outcome.reasons.joined(separator: "; "))",
                "attempts": "\(report.attempts)", "cached": "\(report.cached)", "latency_ms": "\(Int(report.latencyMs))",
                "tokens.in": "\(report.usage.inputTokens)", "tokens.out": "\(report.usage.outputTokens)",
                "cost_usd": "\(report.costUSD.map { String(format: "%.6f", $0) } ?? "unpriced")", "shadow": "\(report.shadow)",
            ])
        }
        FileHandle.standardOutput.write(signalJSON + Data("\n".utf8))
    }

    /// Reads the render JSON into an analysis context.
    static func context(symbol: String, json path: String) throws -> AnalysisContext {
        struct Rendered: Decodable {
            let indicators: TechnicalIndicators
            let weeklyIndicators: TechnicalIndicators?
            let lastClose: Double
            let chartLow: Double
            let chartHigh: Double
            enum CodingKeys: String, CodingKey {
                case indicators
                case weeklyIndicators = "weekly_indicators", lastClose = "last_close", chartLow = "chart_low", chartHigh = "chart_high"
            }
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw ValidationError("cannot read \(path)") }
        let r: Rendered
        do { r = try CandlewickJSON.decode(Rendered.self, from: data) } catch {
            throw ValidationError("\(path): \(DecodingErrorText.describe(error))")
        }
        guard r.indicators.symbol == symbol else { throw ValidationError("\(path) is for \(r.indicators.symbol), not \(symbol)") }
        return AnalysisContext(symbol: symbol, lastClose: r.lastClose, indicators: r.indicators, weeklyIndicators: r.weeklyIndicators,
                               chartLow: r.chartLow, chartHigh: r.chartHigh, asOf: r.indicators.timestamp)
    }
}
