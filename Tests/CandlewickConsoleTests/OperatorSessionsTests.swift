import CandlewickConsole
import Foundation
import Synchronization
import Testing

/// A clock the test moves by hand.
final class TestClock: Sendable {
    private let t = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var now: Date { t.withLock { $0 } }
    func advance(_ s: TimeInterval) { t.withLock { $0 += s } }
}

@Suite struct OperatorSessionsTests {
    let credential = "correct horse battery staple"

    func make(_ clock: TestClock, idle: TimeInterval = 60, absolute: TimeInterval = 300) -> OperatorSessions {
        OperatorSessions(credential: credential, policy: SessionPolicy(idleTimeout: idle, absoluteTimeout: absolute), now: { clock.now })
    }

    func loggedIn(_ sessions: OperatorSessions) throws -> OperatorSession {
        guard case .accepted(let s) = sessions.login(credential) else { throw TestFailure("login refused") }
        return s
    }

    @Test func theRightCredentialOpensASessionWithItsOwnCSRFToken() throws {
        let sessions = make(TestClock())
        let a = try loggedIn(sessions), b = try loggedIn(sessions)
        #expect(a.id != b.id && a.csrfToken != b.csrfToken && a.id.count == 64 && a.csrfToken.count == 64)
        #expect(sessions.authorize(a.id, csrf: a.csrfToken) == .success(a))
        // A token is bound to its session: B's token does not authorise A's session.
        #expect(sessions.authorize(a.id, csrf: b.csrfToken) == .failure(.badCSRF))
        #expect(sessions.authorize(a.id, csrf: nil) == .failure(.missingCSRF))
        #expect(sessions.authorize(a.id, csrf: "") == .failure(.missingCSRF))
        #expect(sessions.authorize(nil, csrf: a.csrfToken) == .failure(.noSession))
        #expect(sessions.authorize("forged", csrf: a.csrfToken) == .failure(.unknownSession))
        // Reading the page needs no token.
        #expect(sessions.session(a.id) == .success(a))
    }

    @Test func failedLoginsAreCountedAndEachWaitsLongerUntilASuccess() throws {
        let sessions = make(TestClock())
        var delays: [TimeInterval] = []
        for attempt in ["wrong", credential + " ", String(credential.dropLast()), ""] {
            guard case .refused(let delay, let failures) = sessions.login(attempt) else { throw TestFailure("\(attempt) was accepted") }
            delays.append(delay)
            #expect(failures == delays.count)
        }
        #expect(delays == [0.25, 0.5, 1, 2])
        #expect(sessions.failedLogins == 4)
        for _ in 0..<10 { _ = sessions.login("wrong") }
        guard case .refused(let capped, _) = sessions.login("wrong") else { throw TestFailure("accepted") }
        #expect(capped == 8)
        _ = try loggedIn(sessions)
        guard case .refused(let afterSuccess, let inARow) = sessions.login("wrong") else { throw TestFailure("accepted") }
        #expect(afterSuccess == 0.25 && inARow == 1)
        #expect(sessions.failedLogins == 16)
    }

    @Test func anIdleSessionExpiresAndUseKeepsItAlive() throws {
        let clock = TestClock()
        let sessions = make(clock, idle: 60, absolute: 300)
        let s = try loggedIn(sessions)
        clock.advance(59)
        #expect((try? sessions.authorize(s.id, csrf: s.csrfToken).get()) != nil)
        clock.advance(59)  // 59 s after its last use: still alive
        #expect((try? sessions.session(s.id).get()) != nil)
        clock.advance(60)
        #expect(sessions.authorize(s.id, csrf: s.csrfToken) == .failure(.idleExpired))
        // Gone for good: the cookie does not come back to life.
        #expect(sessions.session(s.id) == .failure(.unknownSession))
    }

    @Test func aBusySessionStillEndsAtItsAbsoluteLimit() throws {
        let clock = TestClock()
        let sessions = make(clock, idle: 60, absolute: 300)
        let s = try loggedIn(sessions)
        for _ in 0..<5 {
            clock.advance(50)
            #expect((try? sessions.authorize(s.id, csrf: s.csrfToken).get()) != nil)
        }
        clock.advance(50)
        #expect(sessions.authorize(s.id, csrf: s.csrfToken) == .failure(.absoluteExpired))
    }

    @Test func logoutEndsTheSession() throws {
        let sessions = make(TestClock())
        let s = try loggedIn(sessions)
        sessions.end(s.id)
        #expect(sessions.authorize(s.id, csrf: s.csrfToken) == .failure(.unknownSession))
    }

    @Test func withoutACredentialNobodyLogsIn() {
        let sessions = OperatorSessions(credential: nil)
        #expect(!sessions.enabled)
        #expect(sessions.login("") == .disabled)
        #expect(sessions.login("anything at all") == .disabled)
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
