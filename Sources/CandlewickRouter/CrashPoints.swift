import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Test-only fault injection for the crash tests: `CANDLEWICK_TEST_CRASH_AT=<point>:<n>` makes the
/// process SIGKILL itself the n-th time it reaches `point` (before_journal, after_journal,
/// after_send, after_fill). Unset in production: `reach` then does nothing.
public final class CrashPoints: Sendable {
    public static let points = ["before_journal", "after_journal", "after_send", "after_fill"]
    private let target: (point: String, n: Int)?
    private let counter = Mutex(0)

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let spec = environment["CANDLEWICK_TEST_CRASH_AT"], let colon = spec.lastIndex(of: ":"),
              let n = Int(spec[spec.index(after: colon)...]), Self.points.contains(String(spec[..<colon])) else {
            target = nil
            return
        }
        target = (String(spec[..<colon]), n)
    }

    /// Whether a crash point is armed.
    public var armed: String? { target.map { "\($0.point):\($0.n)" } }

    /// Called at each named point.
    public func reach(_ point: String) {
        guard let t = target, t.point == point else { return }
        let count = counter.withLock { c -> Int in c += 1; return c }
        if count == t.n {
            FileHandle.standardError.write(Data("order-router: test crash at \(point) #\(count)\n".utf8))
            kill(getpid(), SIGKILL)
        }
    }
}

import Synchronization
