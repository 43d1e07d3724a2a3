@testable import CandlewickLLM
import Synchronization
import Testing

/// A clock the test moves by hand: sleepers wake only when it passes their deadline.
final class HandClock: GateClock {
    private struct State {
        var now: Duration = .zero
        var sleepers: [(deadline: Duration, wake: CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())

    var now: Duration { state.withLock { $0.now } }
    /// The deadlines of the tasks asleep on this clock.
    var sleeping: [Duration] { state.withLock { $0.sleepers.map(\.deadline) } }

    func sleep(until deadline: Duration) async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let due = state.withLock { s -> Bool in
                if deadline <= s.now { return true }
                s.sleepers.append((deadline, c))
                return false
            }
            if due { c.resume() }
        }
    }

    func advance(to t: Duration) {
        let due = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.now = t
            let due = s.sleepers.filter { $0.deadline <= t }.map(\.wake)
            s.sleepers.removeAll { $0.deadline <= t }
            return due
        }
        due.forEach { $0.resume() }
    }
}

/// Polls `condition` until it holds, failing after `seconds`.
func eventually(_ what: String, within seconds: Double = 10, _ condition: () async -> Bool) async throws {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while !(await condition()) {
        guard ContinuousClock.now < deadline else {
            Issue.record("timed out after \(seconds) s waiting for \(what)")
            throw CancellationError()
        }
        try await Task.sleep(for: .milliseconds(2))
    }
}

@Suite("RequestGate")
struct RequestGateTests {
    @Test("per minute: a rolling 60 s window over the starts, the next start at the oldest start + 60 s")
    func perMinuteWindow() async throws {
        let clock = HandClock()
        let gate = RequestGate(maxConcurrent: 10, perMinute: 2, clock: clock)
        await gate.acquire()                       // t = 0
        clock.advance(to: .seconds(30))
        await gate.acquire()                       // t = 30: two starts in the window
        #expect(clock.sleeping.isEmpty)
        let third = Task { await gate.acquire(); return clock.now }
        // The third waits for the start at 0 to leave the window, not a second longer.
        try await eventually("the third request asleep on the window") { clock.sleeping == [.seconds(60)] }
        clock.advance(to: .milliseconds(59_999))
        #expect(clock.sleeping == [.seconds(60)])
        clock.advance(to: .seconds(60))
        #expect(await third.value == .seconds(60))
        // Window now holds 30 and 60: the fourth waits for 30 + 60.
        let fourth = Task { await gate.acquire(); return clock.now }
        try await eventually("the fourth request asleep on the window") { clock.sleeping == [.seconds(90)] }
        clock.advance(to: .seconds(200))
        #expect(await fourth.value == .seconds(200))
        // At 200 the window holds only 200: a fifth starts at once.
        await gate.acquire()
        #expect(clock.sleeping.isEmpty)
    }

    @Test("releases do not reset the per-minute count")
    func releaseKeepsTheWindow() async throws {
        let clock = HandClock()
        let gate = RequestGate(maxConcurrent: 1, perMinute: 1, clock: clock)
        await gate.acquire()
        await gate.release()
        clock.advance(to: .seconds(10))
        let next = Task { await gate.acquire(); return clock.now }
        try await eventually("the second request asleep on the window") { clock.sleeping == [.seconds(60)] }
        clock.advance(to: .seconds(60))
        #expect(await next.value == .seconds(60))
    }
}
