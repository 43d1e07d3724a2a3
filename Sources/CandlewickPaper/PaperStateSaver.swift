import Foundation
import Logging

/// Writes ib-paper's state to disk on its own thread, newest first: a change only hands over a copy
/// of the state (copy-on-write, no encoding under the server's lock), and changes made while a
/// write is in progress are written together by the next one (group commit). Before, every order
/// re-encoded and fsynced the whole file under the lock, which grew quadratically with the orders.
final class PaperStateSaver: @unchecked Sendable {
    private let store: PaperStateStore
    private let logger: Logger
    private let condition = NSCondition()
    private var pending: PaperState?
    private var writing = false
    private var stopped = false

    init(store: PaperStateStore, logger: Logger) {
        self.store = store
        self.logger = logger
        let t = Thread { [self] in loop() }
        t.name = "ib-paper.state"
        t.start()
    }

    /// Schedules `state` to be written (replacing any not yet written); after `stop()`, writes it now.
    func submit(_ state: PaperState) {
        let running = condition.withLock { () -> Bool in
            guard !stopped else { return false }
            pending = state
            condition.signal()
            return true
        }
        if !running { write(state) }
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
            let state: PaperState? = condition.withLock {
                while pending == nil && !stopped { condition.wait() }
                defer { pending = nil }
                writing = pending != nil
                return pending
            }
            guard let state else { return }
            write(state)
            condition.withLock {
                writing = false
                condition.broadcast()
            }
        }
    }

    private func write(_ state: PaperState) {
        do { try store.save(state) } catch { logger.error("state.save_failed", metadata: ["path": "\(store.path)", "error": "\(error)"]) }
    }
}
