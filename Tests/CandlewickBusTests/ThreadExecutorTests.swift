import CandlewickBus
import Foundation
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Where the caller runs: the thread's id and its name as the system knows it.
private func whereAmI() -> (id: UInt, name: String?) {
    let comm = try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)
    return (UInt(pthread_self()), comm?.trimmingCharacters(in: .whitespacesAndNewlines))
}

/// Waits until no thread of this process is called `name`; false if one still is after 30 s (a
/// bound that turns a thread that never ends into a failure, not a guess at speed).
private func threadEnds(_ name: String) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(30)
    while threadNames().contains(name) {
        guard ContinuousClock.now < deadline else { return false }
        try await Task.sleep(for: .milliseconds(5))
    }
    return true
}

/// Names of the threads of this process now (Linux: /proc/self/task/*/comm).
private func threadNames() -> [String] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.compactMap { t in
        (try? String(contentsOfFile: "/proc/self/task/\(t)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// An actor that runs on a `ThreadExecutor`, as order-router's `OrderRouter` does.
private actor OnItsThread {
    let executor: ThreadExecutor
    nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    private(set) var seen: [Int] = []

    init(_ executor: ThreadExecutor) { self.executor = executor }

    func note(_ n: Int) -> (id: UInt, name: String?) {
        seen.append(n)
        return whereAmI()
    }
}

@Suite("ThreadExecutor: a serial executor with its own thread")
struct ThreadExecutorTests {
    /// Work runs one at a time in the order it was enqueued, all of it on one thread that carries
    /// the executor's name and is not the caller's; an actor on the executor runs there too.
    @Test func runsInOrderOnItsThread() async throws {
        let executor = ThreadExecutor(name: "tx-order")
        let log = Mutex<[(n: Int, id: UInt, name: String?)]>([])
        for n in 0..<500 {
            executor.execute { let w = whereAmI(); log.withLock { $0.append((n, w.id, w.name)) } }
        }
        let actor = OnItsThread(executor)
        let inActor = await actor.note(1)
        let caller = whereAmI()
        await executor.shutdown()
        let ran = log.withLock { $0 }
        #expect(ran.map(\.n) == Array(0..<500))
        #expect(Set(ran.map(\.id)).count == 1)
        #expect(ran.first?.id == inActor.id)
        #expect(inActor.id != caller.id)
        #expect(ran.allSatisfy { $0.name == "tx-order" } && inActor.name == "tx-order")
    }

    /// `shutdown()` returns only after the queued work ran, and the thread then ends; work enqueued
    /// afterwards still runs (on a thread started for it), and an actor on the executor keeps working.
    @Test func shutsDownCleanly() async throws {
        let executor = ThreadExecutor(name: "tx-stop")
        let done = Mutex(0)
        for _ in 0..<100 {
            executor.execute {
                // A little blocking work, as the executor is meant for.
                usleep(100)
                done.withLock { $0 += 1 }
            }
        }
        await executor.shutdown()
        #expect(done.withLock { $0 } == 100)
        #expect(try await threadEnds("tx-stop"))
        let actor = OnItsThread(executor)
        #expect(await actor.note(7).name == "tx-stop")
        await executor.shutdown()
        #expect(try await threadEnds("tx-stop"))
        #expect(await actor.seen == [7])
        await executor.shutdown()
        #expect(try await threadEnds("tx-stop"))
    }

    /// Releasing the executor (its actor gone) ends its thread without a `shutdown()`.
    @Test func releasingTheExecutorEndsItsThread() async throws {
        var actor: OnItsThread? = OnItsThread(ThreadExecutor(name: "tx-release"))
        #expect(await actor?.note(1).name == "tx-release")
        #expect(threadNames().contains("tx-release") && actor != nil)
        actor = nil
        // The thread ends on its own once the executor is released.
        #expect(try await threadEnds("tx-release"))
    }
}
