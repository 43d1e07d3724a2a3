import CandlewickCore

/// One stage of a run as a value type: jobs wait here until fewer than `window` are out at the
/// workers, each job out is leased (`JobLeases`), an expired lease sends the job again until its
/// attempts run out, and a second result for a finished job is a duplicate. Keeping the rest here
/// means a lease times a worker's work on a job, not the time it sat queued behind hundreds of
/// others (1,000 symbols on one chart-worker once re-issued 348 jobs whose workers were merely busy).
/// Pure: the caller passes the time and sends what it is told to send.
public struct StageQueue<Job: Sendable>: Sendable {
    /// A job to send now, and which attempt this is (1 = first).
    public struct Send: Sendable {
        public let id: String
        public let job: Job
        public let attempt: Int
    }

    private var leases: JobLeases<Job>
    /// Jobs submitted but not sent yet, oldest first (`backlog[backlogStart...]`).
    private var backlog: [(id: String, job: Job)] = []
    private var backlogStart = 0
    /// At most this many jobs out at once.
    public let window: Int
    /// Jobs sent again after their lease expired.
    public private(set) var reissued = 0
    /// Results for jobs already finished.
    public private(set) var duplicates = 0

    public init(leaseSeconds: Double, maxAttempts: Int, window: Int) {
        precondition(window >= 1, "a stage needs a window of at least one job")
        leases = JobLeases(leaseSeconds: leaseSeconds, maxAttempts: maxAttempts)
        self.window = window
    }

    /// Queues a job; returns what to send now (it, when the window has room).
    public mutating func submit(id: String, job: Job, now: Double) -> [Send] {
        backlog.append((id, job))
        return refill(now: now)
    }

    /// Records a result for `id`; a duplicate is counted. Frees a place in the window, so call
    /// `refill(now:)` (or `expire(now:)`) afterwards.
    public mutating func complete(id: String) -> JobLeases<Job>.Outcome {
        let outcome = leases.complete(id: id)
        if outcome == .duplicate { duplicates += 1 }
        return outcome
    }

    /// Jobs whose lease expired at `now` (sent again) and jobs the freed places let out.
    public mutating func expire(now: Double) -> [Send] {
        var sends: [Send] = []
        for due in leases.expired(now: now) {
            leases.issue(id: due.id, job: due.job, now: now)
            reissued += 1
            sends.append(Send(id: due.id, job: due.job, attempt: due.attempts + 1))
        }
        return sends + refill(now: now)
    }

    /// Sends from the backlog while the window has room.
    public mutating func refill(now: Double) -> [Send] {
        var sends: [Send] = []
        while leases.outstanding < window, backlogStart < backlog.count {
            let next = backlog[backlogStart]
            leases.issue(id: next.id, job: next.job, now: now)
            sends.append(Send(id: next.id, job: next.job, attempt: 1))
            backlogStart += 1
        }
        // Sent jobs leave the array soon (a chart job holds its bars until then), at amortised O(1).
        if backlogStart > 16, backlogStart * 2 > backlog.count {
            backlog.removeFirst(backlogStart)
            backlogStart = 0
        }
        return sends
    }

    /// Jobs out at a worker.
    public var leased: Int { leases.outstanding }
    /// Jobs without a result yet: out at a worker or waiting to be sent.
    public var outstanding: Int { leases.outstanding + backlog.count - backlogStart }
    /// Jobs given up after their last attempt expired.
    public var abandoned: [String] { leases.abandoned }
}
