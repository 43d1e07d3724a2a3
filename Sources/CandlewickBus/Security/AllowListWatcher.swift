import CandlewickCore
import Foundation
import Synchronization

/// The allow-list as it is on disk now: re-read whenever the file changes (checked with `stat` on
/// each use — handshakes and commands, not a hot path), so revoking or rotating a key takes effect
/// without restarting anything. A file that becomes unreadable or malformed keeps the last good
/// list and reports the error once per change.
final class AllowListWatcher: Sendable {
    private struct Stamp: Equatable { var inode: UInt64, size: Int64, mtime: Int, mtimeNs: Int }
    private let store: KeyStore
    private let state: Mutex<(list: AllowList, stamp: Stamp?, error: String?)>

    /// - Parameter afterFirstRead: runs between the first read and the end of `init` (tests use it
    ///   to change the file at the worst moment).
    init(store: KeyStore, afterFirstRead: () throws -> Void = {}) throws {
        self.store = store
        // The stamp is taken before the read, never after: a key listed by another process while this
        // one reads (processes of a one-host stack start together and generate their keys) then shows
        // as a changed stamp on the next use. Taken after the read, it would stamp the new file onto
        // the old list, and that key would be refused until the file changed again.
        let stamp = Self.stamp(store.allowListPath)
        let list = try store.readAllowList()
        try afterFirstRead()
        state = Mutex((list, stamp, nil))
    }

    /// The current list, and a load error when the file changed into something unreadable.
    func current() -> (AllowList, String?) {
        let now = Self.stamp(store.allowListPath)
        return state.withLock { s in
            guard now != s.stamp else { return (s.list, nil) }
            s.stamp = now
            do {
                s.list = try store.readAllowList()
                s.error = nil
                return (s.list, nil)
            } catch {
                s.error = "\(error)"
                return (s.list, s.error)
            }
        }
    }

    private static func stamp(_ path: String) -> Stamp? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return Stamp(inode: UInt64(st.st_ino), size: Int64(st.st_size), mtime: st.st_mtim.tv_sec, mtimeNs: st.st_mtim.tv_nsec)
    }
}
