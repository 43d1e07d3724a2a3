import CandlewickBus
import CandlewickCore
import Foundation
import Logging

/// One stage of a run: jobs pushed to workers (PUSH, bound here), results pulled back (PULL, bound
/// here). Each job is leased; a job whose lease expires (its worker died or went silent) is sent
/// again with its attachments; a result for a finished job is counted as a duplicate and dropped.
final class StageDispatcher<Job: BusPayload> {
    private let push: SocketLoop
    private let pull: SocketLoop
    private let publisher: BusPublisher
    private let mailbox: Mailbox<BusMessage>
    private var leases: JobLeases<(Job, [Attachment])>
    private let runId: String
    private let logger: Logger
    private let name: String
    private(set) var reissued = 0
    private(set) var duplicates = 0

    init(name: String, jobsEndpoint: String, resultsEndpoint: String, source: String, runId: String, lease: Double, attempts: Int,
         options: SocketOptions, codec: FrameCodec, logger: Logger) throws {
        push = try SocketLoop(.push, bind: [jobsEndpoint], options: options, name: "\(name)-jobs")
        pull = try SocketLoop(.pull, bind: [resultsEndpoint], options: options, name: "\(name)-results")
        publisher = BusPublisher(source: source, sink: push, codec: codec)
        mailbox = Mailbox(BusSubscriber(source: pull.incoming, codec: codec, logger: logger).messages())
        leases = JobLeases(leaseSeconds: lease, maxAttempts: attempts)
        self.runId = runId
        self.logger = logger
        self.name = name
    }

    func submit(id: String, job: Job, attachments: [Attachment] = [], now: Double) throws {
        try publisher.publish(job, runId: runId, attachments: attachments)
        leases.issue(id: id, job: (job, attachments), now: now)
    }

    /// Results that arrived since the last call (first ones only), after re-issuing expired jobs.
    /// `jobId` reads a result's job id.
    func poll(now: Double, jobId: (BusMessage) -> String?) throws -> [BusMessage] {
        var fresh: [BusMessage] = []
        for message in mailbox.drain() {
            guard let id = jobId(message) else { continue }
            switch leases.complete(id: id) {
            case .accepted: fresh.append(message)
            case .duplicate: duplicates += 1
            case .unknown: logger.warning("run.unknown_result", metadata: ["stage": "\(name)", "job.id": "\(id)"])
            }
        }
        for due in leases.expired(now: now) {
            logger.warning("run.lease_expired", metadata: ["stage": "\(name)", "job.id": "\(due.id)", "attempt": "\(due.attempts)"])
            try publisher.publish(due.job.0, runId: runId, attachments: due.job.1)
            leases.issue(id: due.id, job: due.job, now: now)
            reissued += 1
        }
        return fresh
    }

    var outstanding: Int { leases.outstanding }
    var abandoned: [String] { leases.abandoned }

    func close() async {
        mailbox.close()
        await push.close()
        await pull.close()
    }
}
