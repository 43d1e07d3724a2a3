import Foundation

/// The public keys a host admits, one per line: `<role> <name> <public key, Z85> [expires=<ISO-8601>]`
/// (`#` starts a comment line). A key whose `expires` has passed is no longer admitted — that is how
/// a rotated key's overlap window ends. A revoked key is removed from the file.
public struct AllowList: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var role: BusRole
        /// A label for people (`chart-worker.host-b`); the role is what counts.
        public var name: String
        /// The CURVE public key, 40 Z85 characters.
        public var publicKey: String
        /// After this instant the key is refused (the end of a rotation's overlap window).
        public var expires: Date?

        public init(role: BusRole, name: String, publicKey: String, expires: Date? = nil) {
            self.role = role
            self.name = name
            self.publicKey = publicKey
            self.expires = expires
        }

        /// The short id logs and the audit trail use instead of the key.
        public var keyId: String { KeyId.of(publicKey: publicKey) }

        public func isValid(at now: Date) -> Bool { expires.map { $0 > now } ?? true }
    }

    public var entries: [Entry]

    public init(entries: [Entry] = []) { self.entries = entries }

    /// Parses the file's text; errors name the line and what is wrong.
    public init(text: String, origin: String) throws {
        var entries: [Entry] = []
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            let here = "\(origin):\(n + 1)"
            let parts = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard parts.count == 3 || parts.count == 4 else {
                throw AllowListError("\(here): expected `<role> <name> <public key> [expires=<time>]`, got \(parts.count) field(s)")
            }
            guard let role = BusRole(rawValue: parts[0]) else {
                throw AllowListError("\(here): unknown role \(parts[0].prefix(40)); roles: \(BusRole.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard KeyId.isZ85Key(parts[2]) else { throw AllowListError("\(here): \(parts[2].prefix(48)) is not a 40-character Z85 CURVE public key") }
            var expires: Date?
            if parts.count == 4 {
                guard parts[3].hasPrefix("expires="), let d = UTCTimestamp.parse(String(parts[3].dropFirst(8))) else {
                    throw AllowListError("\(here): expected expires=<ISO-8601 time>, got \(parts[3].prefix(60))")
                }
                expires = d
            }
            entries.append(Entry(role: role, name: parts[1], publicKey: parts[2], expires: expires))
        }
        self.entries = entries
    }

    /// The file's text (round-trips through `init(text:origin:)`).
    public var text: String {
        var out = "# Candlewick bus allow-list: <role> <name> <CURVE public key> [expires=<time>]\n"
        for e in entries {
            out += "\(e.role.rawValue) \(e.name) \(e.publicKey)" + (e.expires.map { " expires=\(UTCTimestamp.format($0))" } ?? "") + "\n"
        }
        return out
    }

    /// The valid entry for a public key, if any.
    public func entry(forKey publicKey: String, at now: Date) -> Entry? {
        entries.first { $0.publicKey == publicKey && $0.isValid(at: now) }
    }

    /// The key a client expects a server of `role` to hold: the newest valid entry of that role
    /// (the last one in the file).
    public func serverKey(for role: BusRole, at now: Date) -> Entry? {
        entries.last { $0.role == role && $0.isValid(at: now) }
    }
}

public struct AllowListError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Short, public identifiers of keys: the first 12 hex digits of the SHA-256 of the Z85 public key.
/// Safe to log; never derived from a secret.
public enum KeyId {
    public static func of(publicKey: String) -> String { String(SHA256Digest.hex(of: Data(publicKey.utf8)).prefix(12)) }

    static let z85 = Set("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#")

    /// 40 characters of the Z85 alphabet: the text form of a 32-byte CURVE key.
    public static func isZ85Key(_ s: String) -> Bool { s.count == 40 && s.allSatisfy { z85.contains($0) } }
}
