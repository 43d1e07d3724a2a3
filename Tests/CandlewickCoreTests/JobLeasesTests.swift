import CandlewickCore
import Testing

@Suite("Job leases")
struct JobLeasesTests {
    @Test func expiredLeasesAreReissuedThenAbandoned() {
        var l = JobLeases<String>(leaseSeconds: 10, maxAttempts: 2)
        l.issue(id: "a", job: "A", now: 0)
        l.issue(id: "b", job: "B", now: 5)
        #expect(l.expired(now: 9.9).isEmpty)
        let due = l.expired(now: 10)
        #expect(due.map(\.id) == ["a"] && due[0].attempts == 1)
        l.issue(id: "a", job: "A", now: 10)
        #expect(l.expired(now: 15).map(\.id) == ["b"])
        #expect(l.expired(now: 20).map(\.id) == ["b"])   // a's second lease expired too, but it has used both attempts
        #expect(l.abandoned == ["a"])
        #expect(l.outstanding == 1)
    }

    @Test func resultsAreIdempotent() {
        var l = JobLeases<Int>(leaseSeconds: 1, maxAttempts: 3)
        l.issue(id: "x", job: 1, now: 0)
        #expect(l.complete(id: "x") == .accepted)
        #expect(l.complete(id: "x") == .duplicate)
        #expect(l.complete(id: "nope") == .unknown)
        #expect(l.expired(now: 100).isEmpty)
        #expect(l.completed == 1 && l.outstanding == 0)
    }
}
