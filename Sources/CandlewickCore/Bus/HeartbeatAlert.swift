import Foundation

/// Something a person must look at, carried by a process's heartbeat so `candlewick status` shows
/// it next to the process that raised it (logs alone are easy to miss).
///
/// Rules: `kind` and `id` non-empty; `detail` at most 500 characters. A heartbeat carries at most
/// `HeartbeatAlert.maxPerHeartbeat` alerts; the counters say how many there are in all.
public struct HeartbeatAlert: Codable, Sendable, Hashable {
    /// The kinds Candlewick raises today.
    public enum Kind: String, Sendable, CaseIterable {
        /// An intent order-router journaled `unknown`: it cannot tell whether IB holds it.
        case intentUnknown = "intent_unknown"
        /// An order at IB with a Candlewick `orderRef` (`cw-…`) that the router's journal does not know.
        case orderNotInJournal = "order_not_in_journal"
        /// A run whose audit trail the tracker holds incomplete (parent tagged `candlewick.audit=incomplete`).
        case auditIncomplete = "audit_incomplete"
    }

    /// How many alerts one heartbeat carries at most.
    public static let maxPerHeartbeat = 50

    /// One of `Kind`'s raw values (a newer process may send a kind this one does not know).
    public let kind: String
    /// What the alert is about: an intent id, an `orderRef`, a run id.
    public let id: String
    /// Why, in words.
    public let detail: String

    public init(kind: String, id: String, detail: String) throws {
        let v = Validator("HeartbeatAlert")
        try v.nonEmpty(kind, "kind")
        try v.nonEmpty(id, "id")
        try v.require(detail.count <= 500, "detail", "must be at most 500 characters")
        self.kind = kind
        self.id = id
        self.detail = detail
    }

    /// An alert of a known kind; a detail longer than allowed is cut.
    public init(_ kind: Kind, id: String, detail: String) {
        self.kind = kind.rawValue
        self.id = id.isEmpty ? "-" : id
        self.detail = String(detail.prefix(500))
    }

    enum CodingKeys: String, CodingKey { case kind, id, detail }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(kind: c.decode(String.self, forKey: .kind), id: c.decode(String.self, forKey: .id),
                      detail: c.decodeIfPresent(String.self, forKey: .detail) ?? "")
    }
}
