import Foundation

/// Which role may send which request to which command socket, and which requests carry replay
/// protection. This table is the authority: fields a sender writes itself (`source`, a payload's
/// `source`) are checked against it, never trusted instead of it. docs/protocol.md prints it.
public enum MessageAuthority {
    /// endpoint → message type → roles allowed to send it.
    public static let table: [BusEndpointName: [String: Set<BusRole>]] = [
        .routerCommands: [
            "signal.submit": [.runOwner],
            "trading.command": [.operator, .observer],
            "order.cancel": [.operator],
        ],
        .gatewayCommands: [
            "market_data.request": [.runOwner],
            "broker.sync": [.runOwner, .orderRouter],
            "broker.time": [.runOwner, .orderRouter],
            "portfolio.request": [.runOwner, .orderRouter],
            "order.place": [.orderRouter],
            "order.cancel": [.orderRouter],
        ],
    ]

    /// Requests that move money or state: they must carry `expires` (at most `maxLifetime` ahead)
    /// and an `id` never seen before; a replay is refused.
    public static let replayProtected: Set<String> = ["trading.command", "order.cancel"]

    /// The longest an authority-bearing request may stay valid.
    public static let maxLifetime: TimeInterval = 300

    /// Why a request was refused (also the counter suffix: `auth.refused.<reason>`).
    public enum Refusal: String, Sendable, Hashable {
        case unknownKey = "unknown_key"
        case roleNotAdmitted = "role_not_admitted"
        case noCurve = "no_curve"
        case badHandshake = "bad_handshake"
        case revoked
        case notAuthenticated = "not_authenticated"
        case sourceMismatch = "source_mismatch"
        case notPermitted = "not_permitted"
        case expired
        case missingExpiry = "missing_expiry"
        case replay
    }

    /// Checks one request against the table. `role` is the connection's authenticated role (nil when
    /// the connection was not authenticated); `readOnly` is true for a `trading.command` whose
    /// action only reads the state. Returns nil when allowed.
    public static func check(endpoint: BusEndpointName, type: String, source: String, role: BusRole?,
                             readOnly: Bool = false) -> (Refusal, String)? {
        guard let role else { return (.notAuthenticated, "the connection has no authenticated key") }
        guard role.owns(source: source) else {
            return (.sourceMismatch, "source \"\(source.prefix(64))\" is not a process of role \(role.rawValue) (\(role.processes.joined(separator: ", ")))")
        }
        guard let allowed = table[endpoint]?[type], allowed.contains(role) else {
            return (.notPermitted, "role \(role.rawValue) may not send \(type.prefix(64)) to \(endpoint.rawValue)")
        }
        if role == .observer && !readOnly {
            return (.notPermitted, "role observer may only read (\(type) that changes state refused)")
        }
        return nil
    }
}
