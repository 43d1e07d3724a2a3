import Foundation
import Logging

/// Writes ib-paper's state to disk on its own thread, newest first: a change only hands over a copy
/// of the state (copy-on-write, no encoding under the server's lock), and changes made while a
/// write is in progress are written together by the next one (group commit). Each submitted state
/// has a generation number; `onDurable` is told the newest generation on disk after every write, so
/// the server can hold back a client's acknowledgement until what it acknowledges survives a crash.
final class PaperStateSaver: @unchecked Sendable {
    private let store: PaperStateStore
    private let logger: Logger
    private let condition = NSCondition()
    private var pending: (state: PaperState, generation: Int)?
    private var writing = false
    private var stopped = false
    private var submitted = 0
    private var durable = 0
    /// Called on the saver thread (no lock held) with the newest generation on disk.
    var onDurable: (@Sendable (Int) -> Void)?

    init(store: PaperStateStore, logger: Logger) {
        self.store = store
        self.logger = logger
        let t = Thread { [self] in loop() }
        t.name = "ib-paper.state"
        t.start()
    }

    /// The newest generation known to be on disk (a failed write counts, after it was logged: the
    /// simulation goes on rather than holding every client's messages forever).
    var durableGeneration: Int { condition.withLock { durable } }

    /// Schedules `state` to be written (replacing any not yet written) and returns its generation;
    /// after `stop()`, writes it now (the generation is durable when this returns).
    @discardableResult
    func submit(_ state: PaperState) -> Int {
        let (running, generation) = condition.withLock { () -> (Bool, Int) in
            submitted += 1
            guard !stopped else { return (false, submitted) }
            pending = (state, submitted)
            condition.signal()
            return (true, submitted)
        }
        if !running {
            write(state)
            condition.withLock { durable = max(durable, generation) }
        }
        return generation
    }

    /// Blocks until everything submitted so far is on disk.
    func flush() {
        condition.withLock {
            while pending != nil || writing { condition.wait() }
        }
    }

    /// Writes what is pending, then ends the thread.
    func stop() {
        flush()
        condition.withLock {
            stopped = true
            condition.broadcast()
        }
    }

    private func loop() {
        while true {
            let next: (state: PaperState, generation: Int)? = condition.withLock {
                while pending == nil && !stopped { condition.wait() }
                defer { pending = nil }
                writing = pending != nil
                return pending
            }
            guard let next else { return }
            write(next.state)
            condition.withLock {
                writing = false
                durable = max(durable, next.generation)
                condition.broadcast()
            }
            onDurable?(next.generation)
        }
    }

    private func write(_ state: PaperState) {
        do { try store.save(state) } catch { logger.error("state.save_failed", metadata: ["path": "\(store.path)", "error": "\(error)"]) }
    }
}
