import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// What `candlewick run` tells the tracker: `run.started`, one `run.symbol` per finished symbol
/// (both chart PNGs attached), `run.finished`. Publishing never fails the run: a message that
/// cannot be sent is logged (the run folder still has everything).
final class RunTracking {
    private let publisher: BusPublisher
    private let loop: SocketLoop
    private let runId: String
    private let context: ProcessContext
    private var charts: [String: (pngs: [Attachment], lastClose: Decimal, at: Double)] = [:]
    private let opened = ContinuousClock.now

    /// Opens the publisher early: a PUB socket drops what it sends before the proxy's subscriptions arrive.
    init(context: ProcessContext, runId: String) throws {
        (publisher, loop) = try context.endpoints.makePublisher(source: context.instance, options: context.socketOptions)
        self.runId = runId
        self.context = context
    }

    private func send<P: BusPayload>(_ payload: P, attachments: [Attachment] = []) {
        do { try publisher.publish(payload, runId: runId, attachments: attachments) } catch {
            context.logger.warning("run.tracking_not_sent", metadata: ["run.id": "\(runId)", "msg.type": "\(P.messageType)", "error": "\(error)"])
        }
    }

    func started(symbols: [String], params: [String: String]) async {
        let settled = opened + .milliseconds(300)
        if ContinuousClock.now < settled { try? await Task.sleep(until: settled) }
        if let p = try? RunStarted(runId: runId, symbols: symbols, params: params, startedAt: Date()) { send(p) }
    }

    /// A chart finished: keep its PNGs (named as the tracker expects) for the symbol's record.
    func charted(jobId: String, pngs: [Attachment], lastClose: Decimal, at: Double) {
        let named = pngs.map { Attachment(name: $0.name.hasPrefix("daily") ? SymbolRecord.dailyChartName : SymbolRecord.weeklyChartName,
                                          contentType: "image/png", data: $0.data, sha256: $0.sha256) }
        charts[jobId] = (named, lastClose, at)
    }

    /// A signal arrived: publish the symbol's record.
    func analysed(_ a: AnalysisResult, at: Double) {
        guard let chart = charts.removeValue(forKey: a.jobId) else { return }
        let s = a.signal
        do {
            let record = try SymbolRecord(
                runId: runId, symbol: s.symbol, signal: s, rawAnswer: a.rawAnswer, reasons: a.reasons, llmProvider: s.provider ?? "unknown",
                llmModel: s.model ?? "unknown", promptVersion: s.promptVersion ?? "unknown", inputTokens: a.inputTokens,
                outputTokens: a.outputTokens, llmLatencyMs: a.latencyMs, costUsd: a.costUsd, latestPrice: chart.lastClose,
                stageTimings: ["charts": chart.at, "analysis": max(0, at - chart.at)])
            send(record, attachments: chart.pngs)
        } catch {
            context.logger.warning("run.tracking_invalid", metadata: ["run.id": "\(runId)", "symbol": "\(s.symbol)", "error": "\(error)"])
        }
    }

    func finished(failed: Bool, totals: [String: Double]) async {
        if let p = try? RunFinished(runId: runId, status: failed ? .failed : .finished, totals: totals, finishedAt: Date()) { send(p) }
        await loop.close()
    }
}
