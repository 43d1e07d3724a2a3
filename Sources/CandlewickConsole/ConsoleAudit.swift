import CandlewickCore
import CandlewickRuntime
import Foundation

/// One line of the console's audit log: a login (accepted or refused), a logout, or an operator action
/// with the router's answer. Never holds a secret: a session is named by its label.
public struct ConsoleAuditEntry: Codable, Sendable, Equatable {
    public var ts: Date
    /// `login`, `login_refused`, `logout`, `command`, `command_refused`.
    public var event: String
    /// The peer address of the HTTP request.
    public var client: String
    /// The session's label (never its cookie value), when there is one.
    public var session: String?
    /// The trading command's action (`halt`, `reduce`, …).
    public var action: String?
    public var reason: String?
    /// Why a request was refused (`bad_csrf`, `no_session`, `bad_credential`, …) or what went wrong sending it.
    public var refusal: String?
    /// The router's answer: its trading state after the command, its reason, and what it refused, if anything.
    public var routerState: String?
    public var routerReason: String?
    public var routerRefused: String?
    /// What a `cancel_all` or `flatten` did at IB, as order-router answered it: cancelled intents, exits, problems.
    public var cleanup: CleanupOutcome?

    enum CodingKeys: String, CodingKey {
        case ts, event, client, session, action, reason, refusal
        case routerState = "router_state", routerReason = "router_reason", routerRefused = "router_refused", cleanup
    }

    /// One entry; fields that do not apply stay nil and are left out of the line.
    public init(ts: Date, event: String, client: String, session: String? = nil, action: String? = nil, reason: String? = nil,
                refusal: String? = nil, routerState: String? = nil, routerReason: String? = nil, routerRefused: String? = nil,
                cleanup: CleanupOutcome? = nil) {
        self.ts = ts
        self.event = event
        self.client = client
        self.session = session
        self.action = action
        self.reason = reason
        self.refusal = refusal
        self.routerState = routerState
        self.routerReason = routerReason
        self.routerRefused = routerRefused
        self.cleanup = cleanup
    }
}

/// The console's audit log: JSON lines, each `fdatasync`ed before the request is answered.
public final class ConsoleAudit: Sendable {
    private let log: JSONLinesLog<ConsoleAuditEntry>
    public var path: String { log.path }

    /// Opens (creating) the log at `path`; a damaged line in it is an error that names the file and line.
    public init(path: String) throws {
        log = try JSONLinesLog(path: path, what: "console audit log", whenDamaged: "move it aside and restart the console")
    }

    /// Appends `entry` durably.
    public func record(_ entry: ConsoleAuditEntry) throws { try log.append(entry) }
}
