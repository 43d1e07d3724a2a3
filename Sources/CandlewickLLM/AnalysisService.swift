import CandlewickBus
import CandlewickCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The llm-worker's bus service: pulls `analysis.job`s (charts in attachment frames 0 and 1), runs
/// many analyses at once (the worker is I/O bound; the provider's gate bounds what is in flight),
/// and pushes `analysis.result`s. A job whose charts are missing still gets an answer: HOLD with
/// the reason. Stateless; results are idempotent by job_id.
public struct AnalysisService: Service {
    private let jobs: any FrameChannel
    private let results: BusPublisher
    private let analyst: Analyst
    private let worker: String
    private let logger: Logger
    private let codec: FrameCodec
    /// Analyses finished, refused and frames rejected, for heartbeats.
    public let counters = AnalysisCounters()
    private let metrics = LLMMetrics()

    /// Who answers: the rules analyst or a model provider behind an `Analyzer`.
    public enum Analyst: Sendable {
        case rules
        case model(Analyzer)
    }

    public init(jobs: any FrameChannel, results: BusPublisher, analyst: Analyst, worker: String, logger: Logger, codec: FrameCodec = FrameCodec()) {
        self.jobs = jobs
        self.results = results
        self.analyst = analyst
        self.worker = worker
        self.logger = logger
        self.codec = codec
    }

    public func run() async throws {
        // The run owner deals its jobs out to every worker: each sees part of its sequence (leases find lost jobs).
        let messages = BusSubscriber(source: jobs.incoming, codec: codec, logger: logger, detectGaps: false).messages()
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await message in messages {
                    guard let job = message.payload(as: AnalysisJob.self) else { continue }
                    metrics.jobs.taken.increment()
                    group.addTask { await handle(job, message: message) }
                }
            }
        }
    }

    func handle(_ job: AnalysisJob, message: BusMessage) async {
        let context = job.context
        let id = "sig-" + job.jobId
        let report: AnalysisReport
        if message.attachments.count != 2 {
            let reasons = [Refusal(.callNoCharts, "job carries \(message.attachments.count) chart attachment(s); two are needed").description]
            let hold = SignalValidator.hold(context: context, reasons: reasons, provider: "none", model: "none",
                                            promptVersion: AnalysisPrompt.version, signalId: id, now: Date())
            report = AnalysisReport(outcome: AnalysisOutcome(signal: hold, reasons: reasons, rawAnswer: ""),
                                    signalJSON: Data(), usage: TokenUsage(), attempts: 0, latencyMs: 0, cached: false)
        } else {
            switch analyst {
            case .rules:
                let signal = (try? RulesAnalyst().analyze(context, signalId: id))
                    ?? SignalValidator.hold(context: context, reasons: ["rules analyst failed"], provider: RulesAnalyst.provider,
                                            model: RulesAnalyst.model, promptVersion: "rules-v1", signalId: id, now: Date())
                report = AnalysisReport(outcome: AnalysisOutcome(signal: signal, reasons: [], rawAnswer: ""), signalJSON: Data(),
                                        usage: TokenUsage(), attempts: 0, latencyMs: 0, cached: false)
            case .model(let analyzer):
                report = await analyzer.analyze(context, charts: message.attachments, signalId: id)
            }
        }
        do {
            let result = try AnalysisResult(
                jobId: job.jobId, signal: report.outcome.signal, reasons: report.outcome.reasons, rawAnswer: report.outcome.rawAnswer,
                inputTokens: report.usage.inputTokens, outputTokens: report.usage.outputTokens, imageTokens: report.usage.imageTokens,
                latencyMs: report.latencyMs, attempts: report.attempts, cached: report.cached, worker: worker,
                costUsd: report.costUSD, shadow: report.shadow)
            try results.publish(result, runId: message.header.runId, causationId: message.header.id)
            counters.done.add(1, ordering: .relaxed)
            if !report.outcome.accepted { counters.refused.add(1, ordering: .relaxed) }
            metrics.jobs.finished.increment()
            metrics.record(report)
            logger.info("analysis.done", metadata: [
                "job.id": "\(job.jobId)", "symbol": "\(job.symbol)", "action": "\(report.outcome.signal.action.rawValue)",
                "accepted": "\(report.outcome.accepted)", "latency_ms": "\(Int(report.latencyMs))",
            ])
        } catch {
            metrics.jobs.failed.increment()
            logger.error("analysis.result_not_sent", metadata: ["job.id": "\(job.jobId)", "error": "\(error)"])
        }
    }
}

/// Live counters for heartbeats.
public final class AnalysisCounters: Sendable {
    public let done = Atomic<Int>(0)
    public let refused = Atomic<Int>(0)

    public init() {}

    public var snapshot: [String: Double] {
        ["analyses_done": Double(done.load(ordering: .relaxed)), "answers_refused": Double(refused.load(ordering: .relaxed))]
    }
}
