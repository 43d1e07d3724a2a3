import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Test-only fault injection for the crash tests: `CANDLEWICK_TEST_CRASH_AT=<point>:<n>` makes the
/// process SIGKILL itself the n-th time it reaches `point` (before_journal, after_journal,
/// after_send, after_fill).
///
/// Compiled in only where `CANDLEWICK_TEST_HOOKS` is defined: Package.swift defines it for debug
/// builds of CandlewickRouter (the build `swift test` makes; the python crash tests run
/// `.build/debug/order-router`). A release binary — the one deploy/ ships — ignores the variable
/// (`armed` is nil, `reach` does nothing), and order-router logs `router.test_hook_ignored` when it
/// is set anyway.
public final class CrashPoints: Sendable {
    public static let points = ["before_journal", "after_journal", "after_send", "after_fill"]
    public static let variable = "CANDLEWICK_TEST_CRASH_AT"
    /// Whether this build honours `CANDLEWICK_TEST_CRASH_AT`.
    #if CANDLEWICK_TEST_HOOKS
    public static let compiledIn = true
    #else
    public static let compiledIn = false
    #endif
    private let target: (point: String, n: Int)?
    private let counter = Mutex(0)

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        target = Self.compiledIn ? Self.parse(environment[Self.variable]) : nil
    }

    /// `<point>:<n>` with a known point and n ≥ 1, else nil.
    static func parse(_ spec: String?) -> (point: String, n: Int)? {
        guard let spec, let colon = spec.lastIndex(of: ":"), let n = Int(spec[spec.index(after: colon)...]), n >= 1,
              points.contains(String(spec[..<colon])) else { return nil }
        return (String(spec[..<colon]), n)
    }

    /// Whether a crash point is armed.
    public var armed: String? { target.map { "\($0.point):\($0.n)" } }

    /// Called at each named point.
    public func reach(_ point: String) {
        #if CANDLEWICK_TEST_HOOKS
        guard let t = target, t.point == point else { return }
        let count = counter.withLock { c -> Int in c += 1; return c }
        if count == t.n {
            FileHandle.standardError.write(Data("order-router: test crash at \(point) #\(count)\n".utf8))
            kill(getpid(), SIGKILL)
        }
        #endif
    }
}
