import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The chart-worker's bus service: pulls `chart.job`s (PULL, connected to the run owner's PUSH),
/// renders them, and pushes `chart.result`s with the PNGs as attachment frames (PUSH, connected to
/// the owner's PULL). Stateless: start more workers to go faster; a job lost with a dead worker
/// is re-issued by the owner when its lease expires, and results are idempotent by `job_id`.
public struct ChartWorkerService: Service {
    private let jobs: any FrameChannel
    private let results: BusPublisher
    private let runner: UncheckedSendable<ChartJobRunner>
    private let codec: FrameCodec
    private let logger: Logger
    /// Jobs done, jobs failed, and frames refused.
    public let counters = ChartWorkerCounters()
    private let jobMetrics = JobMetrics(stage: "charts")

    /// - Parameters:
    ///   - worker: the instance name written into each result.
    ///   - jobs: where chart jobs arrive (PULL, or its in-memory twin).
    ///   - results: publishes results (onto PUSH, or its twin).
    public init(worker: String, jobs: any FrameChannel, results: BusPublisher, codec: FrameCodec = FrameCodec(), logger: Logger) throws {
        self.jobs = jobs
        self.results = results
        self.codec = codec
        self.logger = logger
        runner = UncheckedSendable(try ChartJobRunner(worker: worker))
    }

    public func run() async throws {
        // The run owner deals its jobs out to every worker: each sees part of its sequence (leases find lost jobs).
        let subscriber = BusSubscriber(source: jobs.incoming, codec: codec, logger: logger, detectGaps: false)
        let messages = subscriber.messages()
        await cancelWhenGracefulShutdown {
            for await message in messages {
                counters.rejected.store(subscriber.stats.rejectedTotal, ordering: .relaxed)
                guard let job = message.payload(as: ChartJob.self) else {
                    logger.warning("chart.unexpected_message", metadata: ["msg.type": "\(message.header.type)"])
                    continue
                }
                jobMetrics.taken.increment()
                handle(job, message: message)
            }
        }
    }

    private func handle(_ job: ChartJob, message: BusMessage) {
        let (result, pngs) = runner.value.run(job)
        let attachments = zip(result.charts, pngs).map { chart, png in
            Attachment(name: "\(chart.timeframe.rawValue)_chart.png", contentType: "image/png", data: png, sha256: chart.sha256)
        }
        do {
            try results.publish(result, runId: message.header.runId, causationId: message.header.id, attachments: attachments)
        } catch {
            logger.error("chart.result_not_sent", metadata: ["job.id": "\(job.jobId)", "error": "\(error)"])
        }
        if result.status == "ok" {
            counters.done.add(1, ordering: .relaxed)
            jobMetrics.finished.increment()
            logger.info("chart.done", metadata: [
                "job.id": "\(job.jobId)", "symbol": "\(job.marketData.symbol)", "render_ms": "\(Int(result.renderMs))",
            ])
        } else {
            counters.failed.add(1, ordering: .relaxed)
            jobMetrics.failed.increment()
            logger.warning("chart.failed", metadata: ["job.id": "\(job.jobId)", "error": "\(result.error ?? "")"])
        }
    }
}

/// Live counters for heartbeats.
public final class ChartWorkerCounters: Sendable {
    public let done = Atomic<Int>(0)
    public let failed = Atomic<Int>(0)
    public let rejected = Atomic<Int>(0)

    public init() {}

    public var snapshot: [String: Double] {
        ["jobs_done": Double(done.load(ordering: .relaxed)), "jobs_failed": Double(failed.load(ordering: .relaxed)),
         "frames_rejected": Double(rejected.load(ordering: .relaxed))]
    }
}

/// Hands a value that is only ever used by one task at a time across an isolation boundary.
struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
