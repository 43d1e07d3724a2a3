import CandlewickBus
import CandlewickCore
import Foundation
import Logging

/// One stage of a run: jobs pushed to workers (PUSH, bound here), results pulled back (PULL, bound
/// here). Each job is leased; a job whose lease expires (its worker died or went silent) is sent
/// again with its attachments; a result for a finished job is counted as a duplicate and dropped.
/// At most `window` jobs are out at a time and the rest wait here, so a lease measures a worker's
/// time on a job rather than the time the job sat queued behind hundreds of others (before, 1,000
/// symbols on one chart-worker re-issued 348 jobs whose workers were merely busy).
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
    private let window: Int
    /// Jobs submitted but not sent yet, oldest first (`backlog[backlogStart...]`).
    private var backlog: [(id: String, job: Job, attachments: [Attachment])] = []
    private var backlogStart = 0

    init(name: String, jobsEndpoint: String, resultsEndpoint: String, source: String, runId: String, lease: Double, attempts: Int,
         window: Int, options: SocketOptions, codec: FrameCodec, logger: Logger) throws {
        precondition(window >= 1, "a stage needs a window of at least one job")
        self.window = window
        push = try SocketLoop(.push, bind: [jobsEndpoint], options: options, name: "\(name)-jobs")
        pull = try SocketLoop(.pull, bind: [resultsEndpoint], options: options, name: "\(name)-results")
        publisher = BusPublisher(source: source, sink: push, codec: codec)
        mailbox = Mailbox(BusSubscriber(source: pull.incoming, codec: codec, logger: logger).messages())
        leases = JobLeases(leaseSeconds: lease, maxAttempts: attempts)
        self.runId = runId
        self.logger = logger
        self.name = name
    }

    /// Queues a job; it is sent (and its lease starts) as soon as fewer than `window` jobs are out.
    func submit(id: String, job: Job, attachments: [Attachment] = [], now: Double) throws {
        backlog.append((id, job, attachments))
        try sendFromBacklog(now: now)
    }

    private func sendFromBacklog(now: Double) throws {
        while leases.outstanding < window, backlogStart < backlog.count {
            let next = backlog[backlogStart]
            try publisher.publish(next.job, runId: runId, attachments: next.attachments)
            leases.issue(id: next.id, job: (next.job, next.attachments), now: now)
            backlogStart += 1
        }
        if backlogStart > 256, backlogStart * 2 > backlog.count {
            backlog.removeFirst(backlogStart)
            backlogStart = 0
        }
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
        try sendFromBacklog(now: now)
        return fresh
    }

    /// Jobs without a result yet: out at a worker or waiting to be sent.
    var outstanding: Int { leases.outstanding + backlog.count - backlogStart }
    var abandoned: [String] { leases.abandoned }

    func close() async {
        mailbox.close()
        await push.close()
        await pull.close()
    }
}
