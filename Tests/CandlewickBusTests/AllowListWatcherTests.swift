@testable import CandlewickBus
import CandlewickCore
import Foundation
import Testing

/// The allow-list as a process sees it while other processes of the stack list their keys.
@Suite("Allow-list watcher")
struct AllowListWatcherTests {
    /// Processes of a one-host stack start together: while the run owner reads the allow-list, an
    /// llm-worker lists the key it has just generated. The watcher must see that key on its next
    /// use; a watcher that stamped the new file onto the old list refused it for the whole run.
    @Test func aKeyListedWhileTheWatcherReadsTheListIsSeenOnItsNextUse() throws {
        let store = KeyStore(directory: "\(ZMQBusTests.tempDir())/keys")
        _ = try store.loadOrGenerate(role: .runOwner, name: "run-owner", generate: true)
        var worker: CurveKeyPair?
        let watcher = try AllowListWatcher(store: store) {
            worker = try store.loadOrGenerate(role: .llmWorker, name: "llm-worker", generate: true)
        }
        let (list, error) = watcher.current()
        #expect(error == nil)
        #expect(list.entry(forKey: try #require(worker).publicKey, at: Date())?.role == .llmWorker)
        #expect(list.entries.map(\.name) == ["run-owner", "llm-worker"])
    }

    @Test func aKeyRemovedFromTheListIsGoneOnTheNextUse() throws {
        let store = KeyStore(directory: "\(ZMQBusTests.tempDir())/keys")
        _ = try store.loadOrGenerate(role: .runOwner, name: "run-owner", generate: true)
        let watcher = try AllowListWatcher(store: store)
        #expect(watcher.current().0.entries.map(\.name) == ["run-owner"])
        try store.updateAllowList { $0.entries.removeAll() }
        #expect(watcher.current().0.entries.isEmpty, "a revoked key is gone on the next use")
    }
}
