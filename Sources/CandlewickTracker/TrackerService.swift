import CandlewickBus
import CandlewickCore
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// The tracker's bus service. Two loops:
/// - **ingest**: every valid message of a tracked type is journaled in the spool (fsync) before
///   anything else happens; malformed frames are counted and dropped, never fatal;
/// - **deliver**: records leave the spool in order, each planned into sink operations and applied;
///   the cursor moves only when the sink has taken the whole record. While the sink is unreachable
///   the record is retried with backoff and ingest keeps spooling.
/// On graceful shutdown ingest stops at once and delivery drains for at most `drainBudget`;
/// whatever is left stays in the spool for the next start.
public struct TrackerService: Service {
    /// Bus topics (prefixes) the tracker subscribes to.
    public static let topics = ["run.", Order.messageType, Trade.messageType, Portfolio.messageType]
    static let tracked: Set<String> = [RunStarted.messageType, SymbolRecord.messageType, RunFinished.messageType,
                                       Order.messageType, Trade.messageType, Portfolio.messageType]

    private let frames: AsyncStream<[Data]>
    private let spool: Spool
    private let sink: any TrackingSink
    private let logger: Logger
    private let codec: FrameCodec
    private let drainBudget: Duration
    private let maxBackoff: Duration
    private let runsDirectory: String?
    public let counters = TrackerCounters()

    /// - Parameter runsDirectory: where run folders live (`<dir>/<run>/outbox`): searched on start
    ///   for runs whose records the tracker missed entirely while it was down.
    public init(frames: AsyncStream<[Data]>, spool: Spool, sink: any TrackingSink, logger: Logger, codec: FrameCodec = FrameCodec(),
                drainBudget: Duration = .seconds(3), maxBackoff: Duration = .seconds(5), runsDirectory: String? = nil) {
        self.frames = frames
        self.spool = spool
        self.sink = sink
        self.logger = logger
        self.codec = codec
        self.drainBudget = drainBudget
        self.maxBackoff = maxBackoff
        self.runsDirectory = runsDirectory
    }

    public func run() async throws {
        // Rebuild the planner's state from what was already delivered (its operations are discarded).
        var planner = TrackingPlanner()
        let decoder = CandlewickJSON.decoder()
        for record in await spool.deliveredRecords() {
            if let event = try? TrackedEvent(record: record, decoder: decoder) { _ = planner.plan(event) }
        }
        let pending = await spool.pendingCount
        let journaled = await spool.count
        let cursor = await spool.cursor
        counters.pending.store(pending, ordering: .relaxed)
        logger.info("tracker.start", metadata: [
            "sink": "\(sink.name)", "spool": "\(spool.directory)", "journal.records": "\(journaled)",
            "cursor": "\(cursor)", "pending": "\(pending)",
            "recovered.corrupt_lines": "\(spool.recovery.corruptLines)", "recovered.torn_tail": "\(spool.recovery.tornTail)",
        ])
        let initial = planner
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await cancelWhenGracefulShutdown { await ingest() } }
            group.addTask { await deliver(planner: initial) }
        }
        await sink.idle()
        let left = await spool.pendingCount
        logger.info("tracker.stop", metadata: ["delivered": "\(counters.delivered.load(ordering: .relaxed))", "pending": "\(left)"])
    }

    private func ingest() async {
        var trail = await recoverOnStart()
        // Some topics of each publisher only: the audit trail's own numbers (`trail.seq`) find what is missing.
        let subscriber = BusSubscriber(source: frames, codec: codec, logger: logger, detectGaps: false)
        for await event in subscriber.events() {
            switch event {
            case .message(let message):
                guard Self.tracked.contains(message.header.type) else { continue }
                guard await journal(message) != nil else { continue }
                // A numbered record that shows a hole (or an incomplete end): read what is missing from the run's outbox.
                if let runId = trail.note(message.payload), trail.hasGap(runId), let outbox = trail.runs[runId]?.outbox {
                    await recover(runId: runId, outbox: outbox, into: &trail)
                }
            case .rejected:
                counters.rejected.add(1, ordering: .relaxed)
            case .gap(_, _, _, let missing):
                counters.missing.add(Int(missing), ordering: .relaxed)
            }
        }
    }

    /// Journals a message. Returns whether it is in the journal now (true also for a duplicate), nil when the spool failed.
    private func journal(_ message: BusMessage, recovered: Bool = false) async -> Bool? {
        do {
            if let record = try await spool.append(message) {
                counters.spooled.add(1, ordering: .relaxed)
                counters.pending.add(1, ordering: .relaxed)
                if recovered { counters.recovered.add(1, ordering: .relaxed) }
                logger.debug("tracker.spooled", metadata: [
                    "seq": "\(record.seq)", "msg.id": "\(record.id)", "msg.type": "\(record.type)", "recovered": "\(recovered)"])
                return true
            }
            counters.duplicates.add(1, ordering: .relaxed)
            return false
        } catch {
            counters.spoolErrors.add(1, ordering: .relaxed)
            logger.error("tracker.spool_failed", metadata: ["msg.id": "\(message.header.id)", "error": "\(error)"])
            return nil
        }
    }

    /// The audit trail of what is journaled, after reading back from the outboxes what the tracker
    /// missed while it was down: runs it knows but does not hold whole, and runs under
    /// `runsDirectory` it never heard of.
    private func recoverOnStart() async -> AuditTrail {
        var trail = AuditTrail()
        let decoder = CandlewickJSON.decoder()
        for record in await spool.journaled() {
            if let event = try? TrackedEvent(record: record, decoder: decoder) { trail.note(event.payload) }
        }
        for (runId, outbox) in trail.incompleteWithOutbox { await recover(runId: runId, outbox: outbox, into: &trail) }
        guard let runsDirectory else { return trail }
        let reader = OutboxReader(codec: codec)
        for outbox in OutboxReader.outboxes(under: runsDirectory) {
            guard let first = OutboxReader.numbers(in: outbox).first, let message = try? reader.read(outbox, seq: first),
                  let runId = AuditTrail.position(of: message.payload)?.runId else { continue }
            if trail.runs[runId]?.isComplete == true { continue }
            await recover(runId: runId, outbox: outbox, into: &trail)
        }
        return trail
    }

    /// Journals every record of `outbox` the trail does not hold (in number order).
    private func recover(runId: String, outbox: String, into trail: inout AuditTrail) async {
        let reader = OutboxReader(codec: codec)
        var read = 0
        for n in OutboxReader.numbers(in: outbox) where trail.runs[runId]?.held.contains(n) != true {
            do {
                let message = try reader.read(outbox, seq: n)
                guard AuditTrail.position(of: message.payload)?.runId == runId else {
                    throw OutboxReadError(path: outbox, message: "record \(n) is not of run \(runId)")
                }
                guard await journal(message, recovered: true) != nil else { return }
                trail.note(message.payload)
                read += 1
            } catch {
                counters.spoolErrors.add(1, ordering: .relaxed)
                logger.error("tracker.outbox_unreadable", metadata: ["run.id": "\(runId)", "record": "\(n)", "error": "\(error)"])
            }
        }
        let run = trail.runs[runId]
        logger.log(level: run?.isComplete == true ? .info : .warning, "tracker.outbox_read", metadata: [
            "run.id": "\(runId)", "outbox": "\(outbox)", "records.read": "\(read)", "missing": "\(run?.missingSummary ?? "?")"])
    }

    private func deliver(planner initial: TrackingPlanner) async {
        var planner = initial
        counters.setAudits(planner.incompleteAudits())
        let decoder = CandlewickJSON.decoder()
        let clock = ContinuousClock()
        var backoff = Duration.milliseconds(200)
        var failingSince: ContinuousClock.Instant?
        var shutdownAt: ContinuousClock.Instant?
        while !Task.isCancelled {
            if Task.isShuttingDownGracefully {
                let t = shutdownAt ?? clock.now
                shutdownAt = t
                if clock.now - t > drainBudget { break }
            }
            guard let record = await spool.next() else {
                if shutdownAt != nil { break }
                try? await Task.sleep(for: .milliseconds(40))
                continue
            }
            let event: TrackedEvent
            do {
                event = try TrackedEvent(record: record, decoder: decoder)
            } catch {
                logger.error("tracker.record_unreadable", metadata: ["seq": "\(record.seq)", "error": "\(error)"])
                await advance(record, skipped: ["record unreadable: \(error)"])
                continue
            }
            var trial = planner
            let ops = trial.plan(event)
            if let reason = trial.unplanned[record.seq] { logger.warning("tracker.unplanned", metadata: ["seq": "\(record.seq)", "reason": "\(reason)"]) }
            do {
                let spool = self.spool
                let skipped = try await sink.deliver(ops, seq: record.seq, blob: { try spool.blob($0) })
                planner = trial
                if AuditTrail.position(of: event.payload) != nil { counters.setAudits(planner.incompleteAudits()) }
                await advance(record, skipped: skipped)
                if let since = failingSince {
                    counters.sinkDown.store(false, ordering: .relaxed)
                    logger.notice("tracker.sink_back", metadata: ["sink": "\(sink.name)", "down_s": "\(clock.now - since)"])
                    failingSince = nil
                }
                backoff = .milliseconds(200)
                if await spool.pendingCount == 0 { await sink.idle() }
            } catch is CancellationError {
                break
            } catch {
                counters.retries.add(1, ordering: .relaxed)
                if failingSince == nil {
                    failingSince = clock.now
                    counters.sinkDown.store(true, ordering: .relaxed)
                    let left = await spool.pendingCount
                    logger.warning("tracker.sink_unavailable", metadata: [
                        "sink": "\(sink.name)", "seq": "\(record.seq)", "error": "\(error)", "pending": "\(left)"])
                }
                if shutdownAt != nil { break }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, maxBackoff)
            }
        }
    }

    private func advance(_ record: SpoolRecord, skipped: [String]) async {
        for item in skipped {
            counters.skipped.add(1, ordering: .relaxed)
            logger.warning("tracker.item_skipped", metadata: ["seq": "\(record.seq)", "msg.id": "\(record.id)", "reason": "\(item.prefix(400))"])
        }
        do {
            try await spool.markDelivered(record.seq)
            counters.delivered.add(1, ordering: .relaxed)
            counters.pending.subtract(1, ordering: .relaxed)
            logger.info("tracker.delivered", metadata: [
                "seq": "\(record.seq)", "msg.id": "\(record.id)", "msg.type": "\(record.type)", "run.id": "\(record.runId ?? "")",
                "skipped": "\(skipped.count)"])
        } catch {
            logger.error("tracker.cursor_failed", metadata: ["seq": "\(record.seq)", "error": "\(error)"])
        }
    }
}

/// Live counters for heartbeats.
public final class TrackerCounters: Sendable {
    public let spooled = Atomic<Int>(0)
    public let duplicates = Atomic<Int>(0)
    public let rejected = Atomic<Int>(0)
    public let missing = Atomic<Int>(0)
    public let delivered = Atomic<Int>(0)
    public let skipped = Atomic<Int>(0)
    public let retries = Atomic<Int>(0)
    public let pending = Atomic<Int>(0)
    public let spoolErrors = Atomic<Int>(0)
    /// Records read back from a run owner's outbox (missed on the bus).
    public let recovered = Atomic<Int>(0)
    /// Whether the sink is failing right now (records wait in the spool).
    public let sinkDown = Atomic<Bool>(false)
    private let audits = Mutex<[HeartbeatAlert]>([])

    public init() {}

    /// The heartbeat state: `running`, or `sink_unavailable` while records wait for the sink.
    public var state: String { sinkDown.load(ordering: .relaxed) ? "sink_unavailable" : "running" }

    /// Runs delivered with an incomplete audit trail (most recent first): the heartbeat's alerts.
    public var alerts: [HeartbeatAlert] { audits.withLock { $0 } }

    func setAudits(_ alerts: [HeartbeatAlert]) { audits.withLock { $0 = alerts } }

    public var snapshot: [String: Double] {
        func v(_ a: borrowing Atomic<Int>) -> Double { Double(a.load(ordering: .relaxed)) }
        return ["records_spooled": v(spooled), "duplicates": v(duplicates), "frames_rejected": v(rejected),
                "messages_missing": v(missing), "records_delivered": v(delivered), "items_skipped": v(skipped),
                "delivery_retries": v(retries), "records_pending": v(pending), "spool_errors": v(spoolErrors),
                "records_recovered": v(recovered), "alerts.audit_incomplete": Double(alerts.count)]
    }
}
