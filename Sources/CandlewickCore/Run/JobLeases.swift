/// Tracks jobs handed to workers: each is leased until a deadline; a job whose lease expires
/// without a result is due again (its worker died or went silent); a late or repeated result for a
/// finished job is recognised as a duplicate. A pure value type: the caller passes the time.
public struct JobLeases<Job: Sendable>: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// The first result for a leased job.
        case accepted
        /// A result for a job already finished (a re-issued job answered twice).
        case duplicate
        /// A result for a job this run never issued.
        case unknown
    }

    private struct Entry: Sendable {
        var job: Job
        var deadline: Double
        var attempts: Int
    }

    private var leased: [String: Entry] = [:]
    private var finished: Set<String> = []
    /// How long a worker may take before the job is issued again, in seconds.
    public let leaseSeconds: Double
    /// How many times a job is issued before it is given up.
    public let maxAttempts: Int
    /// Jobs given up after `maxAttempts` expired leases.
    public private(set) var abandoned: [String] = []

    public init(leaseSeconds: Double, maxAttempts: Int) {
        self.leaseSeconds = leaseSeconds
        self.maxAttempts = maxAttempts
    }

    /// Records that `job` was sent at `now`.
    public mutating func issue(id: String, job: Job, now: Double) {
        leased[id] = Entry(job: job, deadline: now + leaseSeconds, attempts: (leased[id]?.attempts ?? 0) + 1)
    }

    /// Records a result for `id`.
    public mutating func complete(id: String) -> Outcome {
        if finished.contains(id) { return .duplicate }
        guard leased.removeValue(forKey: id) != nil else { return .unknown }
        finished.insert(id)
        return .accepted
    }

    /// Jobs whose lease has expired at `now` and may be issued again (abandoned ones are dropped and
    /// listed in `abandoned`).
    public mutating func expired(now: Double) -> [(id: String, job: Job, attempts: Int)] {
        var due: [(String, Job, Int)] = []
        for (id, e) in leased where e.deadline <= now {
            if e.attempts >= maxAttempts {
                leased.removeValue(forKey: id)
                abandoned.append(id)
            } else {
                due.append((id, e.job, e.attempts))
            }
        }
        return due.sorted { $0.0 < $1.0 }
    }

    /// Jobs still waiting for a result.
    public var outstanding: Int { leased.count }
    /// Jobs finished.
    public var completed: Int { finished.count }
}
