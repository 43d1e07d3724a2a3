import Foundation

/// Refuses a request id seen before while it is still valid, and requests past their expiry. Ids
/// are kept until their own expiry, so memory is bounded by the request rate times the longest
/// lifetime (`MessageAuthority.maxLifetime`). A value type: the owner supplies the clock.
public struct ReplayGuard: Sendable {
    private var seen: [String: Date] = [:]
    private var nextSweep = Date.distantPast

    public init() {}

    /// Checks (and on success remembers) one request. `required` is true for replay-protected types.
    public mutating func admit(id: String, expires: Date?, required: Bool, now: Date) -> (MessageAuthority.Refusal, String)? {
        guard let expires else {
            return required ? (.missingExpiry, "this request must carry expires (at most \(Int(MessageAuthority.maxLifetime)) s ahead)") : nil
        }
        if expires <= now { return (.expired, "expired at \(UTCTimestamp.format(expires)), now \(UTCTimestamp.format(now))") }
        guard required else { return nil }
        if expires.timeIntervalSince(now) > MessageAuthority.maxLifetime {
            return (.expired, "expires more than \(Int(MessageAuthority.maxLifetime)) s ahead")
        }
        if now >= nextSweep {
            seen = seen.filter { $0.value > now }
            nextSweep = now.addingTimeInterval(10)
        }
        if seen[id] != nil { return (.replay, "request id \(id.prefix(64)) was already used") }
        seen[id] = expires
        return nil
    }

    /// Ids remembered (for tests).
    public var remembered: Int { seen.count }
}
