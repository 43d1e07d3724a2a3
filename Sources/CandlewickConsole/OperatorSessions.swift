import CandlewickCore
import Foundation
import Synchronization

/// How long an operator session lives and how failed logins are slowed.
public struct SessionPolicy: Sendable {
    /// A session unused this long is gone.
    public var idleTimeout: TimeInterval
    /// A session this old is gone, however busy.
    public var absoluteTimeout: TimeInterval
    /// The wait before answering the first failed login; it doubles with each further failure in a row.
    public var firstFailureDelay: TimeInterval
    /// The longest wait before answering a failed login.
    public var maxFailureDelay: TimeInterval

    public init(idleTimeout: TimeInterval = 15 * 60, absoluteTimeout: TimeInterval = 8 * 3600,
                firstFailureDelay: TimeInterval = 0.25, maxFailureDelay: TimeInterval = 8) {
        self.idleTimeout = idleTimeout
        self.absoluteTimeout = absoluteTimeout
        self.firstFailureDelay = firstFailureDelay
        self.maxFailureDelay = maxFailureDelay
    }
}

/// An operator's logged-in session: the cookie value, the CSRF token bound to it, and its times.
public struct OperatorSession: Sendable, Equatable {
    /// The cookie value (256 random bits, hex). Never logged: the audit log names `label`.
    public let id: String
    /// The token every state-changing request of this session must carry (256 random bits, hex).
    public let csrfToken: String
    public let createdAt: Date
    public var lastUsedAt: Date
    /// A short, non-secret name for the audit log (first 12 hex digits of the id's SHA-256).
    public var label: String { String(SHA256Digest.hex(of: id).prefix(12)) }
}

/// Why a request was not accepted as the operator's.
public enum SessionRefusal: String, Sendable, Error, Equatable {
    case noSession = "no_session"
    case unknownSession = "unknown_session"
    case idleExpired = "idle_expired"
    case absoluteExpired = "absolute_expired"
    case missingCSRF = "missing_csrf"
    case badCSRF = "bad_csrf"
}

/// The outcome of a login attempt.
public enum LoginOutcome: Sendable, Equatable {
    case accepted(OperatorSession)
    /// Refused; answer only after `delay` seconds (grows with each failure in a row). `failures` counts them.
    case refused(delay: TimeInterval, failures: Int)
    /// No operator credential is configured: nobody can log in.
    case disabled
}

/// The console's operator sessions: login against the credential (compared in constant time), session
/// expiry (idle and absolute), CSRF tokens bound to sessions, failed logins counted and slowed.
/// The clock is injected, so expiry is tested without waiting.
public final class OperatorSessions: Sendable {
    private struct State {
        var sessions: [String: OperatorSession] = [:]
        var failuresInARow = 0
        var failuresTotal = 0
    }

    private let credentialDigest: String?
    private let policy: SessionPolicy
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    /// - Parameters:
    ///   - credential: the operator's secret; nil turns logins off.
    ///   - now: the clock (tests pass a manual one).
    public init(credential: String?, policy: SessionPolicy = SessionPolicy(), now: @escaping @Sendable () -> Date = { Date() }) {
        credentialDigest = credential.map { SHA256Digest.hex(of: $0) }
        self.policy = policy
        self.now = now
    }

    /// Whether a credential is configured.
    public var enabled: Bool { credentialDigest != nil }

    /// Failed logins since start.
    public var failedLogins: Int { state.withLock { $0.failuresTotal } }

    /// Checks `attempt` against the credential: both are hashed and the digests compared in constant time,
    /// so neither the content nor the length of the secret shows in the time taken.
    public func login(_ attempt: String) -> LoginOutcome {
        guard let credentialDigest else { return .disabled }
        let ok = ConstantTime.equal(SHA256Digest.hex(of: attempt), credentialDigest)
        let t = now()
        return state.withLock { s in
            s.sessions = s.sessions.filter { refusal(for: $0.value, at: t) == nil }
            guard ok else {
                s.failuresInARow += 1
                s.failuresTotal += 1
                let delay = min(policy.maxFailureDelay, policy.firstFailureDelay * pow(2, Double(s.failuresInARow - 1)))
                return .refused(delay: delay, failures: s.failuresInARow)
            }
            s.failuresInARow = 0
            let session = OperatorSession(id: Self.randomToken(), csrfToken: Self.randomToken(), createdAt: t, lastUsedAt: t)
            s.sessions[session.id] = session
            return .accepted(session)
        }
    }

    /// The live session for a cookie value (reading the page: no CSRF token needed); refreshes its idle timer.
    public func session(_ id: String?) -> Result<OperatorSession, SessionRefusal> {
        check(id, csrf: nil, needCSRF: false)
    }

    /// Accepts a state-changing request: a live session and, bound to it, the CSRF token it carries.
    public func authorize(_ id: String?, csrf: String?) -> Result<OperatorSession, SessionRefusal> {
        check(id, csrf: csrf, needCSRF: true)
    }

    /// Ends a session (logout).
    public func end(_ id: String) {
        _ = state.withLock { $0.sessions.removeValue(forKey: id) }
    }

    private func check(_ id: String?, csrf: String?, needCSRF: Bool) -> Result<OperatorSession, SessionRefusal> {
        guard let id, !id.isEmpty else { return .failure(.noSession) }
        let t = now()
        return state.withLock { s in
            guard var session = s.sessions[id] else { return .failure(.unknownSession) }
            if let refused = refusal(for: session, at: t) {
                s.sessions[id] = nil
                return .failure(refused)
            }
            if needCSRF {
                guard let csrf, !csrf.isEmpty else { return .failure(.missingCSRF) }
                guard ConstantTime.equal(SHA256Digest.hex(of: csrf), SHA256Digest.hex(of: session.csrfToken)) else { return .failure(.badCSRF) }
            }
            session.lastUsedAt = t
            s.sessions[id] = session
            return .success(session)
        }
    }

    private func refusal(for session: OperatorSession, at t: Date) -> SessionRefusal? {
        if t.timeIntervalSince(session.createdAt) >= policy.absoluteTimeout { return .absoluteExpired }
        if t.timeIntervalSince(session.lastUsedAt) >= policy.idleTimeout { return .idleExpired }
        return nil
    }

    /// 256 bits from the kernel's CSPRNG, hex.
    static func randomToken() -> String {
        var rng = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &rng)) }.joined()
    }
}
