import CandlewickCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A key directory: `<name>.key` (public certificate) and `<name>.key_secret` (mode 0600) per key,
/// in ZeroMQ's certificate format (pyzmq's `zmq.auth.load_certificate` reads them), and the
/// host's allow-list `allow.list`. The directory is kept at mode 0700 and must belong to the user
/// running the process. Changes are made under an exclusive lock, so processes starting together
/// never generate the same key twice.
public struct KeyStore: Sendable {
    public let directory: String
    /// The allow-list file (default `<directory>/allow.list`; a deployment where each role runs as
    /// its own user points every role at one shared, read-only list).
    public let allowListPath: String

    public init(directory: String, allowList: String? = nil) {
        self.directory = directory
        allowListPath = allowList ?? "\(directory)/allow.list"
    }
    public func publicPath(_ name: String) -> String { "\(directory)/\(name).key" }
    public func secretPath(_ name: String) -> String { "\(directory)/\(name).key_secret" }

    /// Creates the directory (0700) or checks an existing one: it must be ours and closed to others.
    public func ensureDirectory() throws { try PrivateDirectory.ensure(directory, what: "key directory", whenOpen: .tighten) }

    /// The key pair stored under `name`, or nil when there is none. Throws when the secret file is
    /// readable by others, not ours, or malformed.
    public func loadKeyPair(name: String) throws -> CurveKeyPair? {
        let path = secretPath(name)
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        guard st.st_uid == geteuid() else { throw KeyStoreError("\(path) belongs to uid \(st.st_uid), not to this user (uid \(geteuid()))") }
        guard st.st_mode & 0o077 == 0 else {
            throw KeyStoreError("\(path) is readable by others (mode \(String(st.st_mode & 0o777, radix: 8))); it holds a secret key: chmod 600 it")
        }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch { throw KeyStoreError("\(path): \(error.localizedDescription)") }
        guard let pub = Self.field("public-key", in: text), let sec = Self.field("secret-key", in: text),
              KeyId.isZ85Key(pub), KeyId.isZ85Key(sec) else {
            throw KeyStoreError("\(path): expected public-key and secret-key lines of 40 Z85 characters")
        }
        return CurveKeyPair(publicKey: pub, secretKey: sec)
    }

    /// The allow-list (empty when the file does not exist).
    public func readAllowList() throws -> AllowList {
        guard let text = try? String(contentsOfFile: allowListPath, encoding: .utf8) else {
            if FileManager.default.fileExists(atPath: allowListPath) { throw KeyStoreError("\(allowListPath): cannot read") }
            return AllowList()
        }
        return try AllowList(text: text, origin: allowListPath)
    }

    /// Reads, changes and atomically rewrites the allow-list under the directory's lock.
    public func updateAllowList<T>(_ change: (inout AllowList) throws -> T) throws -> T {
        try locked {
            var list = try readAllowList()
            let result = try change(&list)
            try write(list.text, to: allowListPath, mode: 0o644)
            return result
        }
    }

    /// The key pair `name` of `role`: loaded, or — when missing and `generate` is true — made now
    /// and added to the allow-list. Without `generate` a missing key is an error saying how to make one.
    public func loadOrGenerate(role: BusRole, name: String, generate: Bool) throws -> CurveKeyPair {
        if let pair = try loadKeyPair(name: name) { return pair }
        guard generate else {
            throw KeyStoreError("no key \(name) in \(directory): run `candlewick keys generate --role \(role.rawValue) --name \(name)` (or set security.generate_keys = true for a one-host stack)")
        }
        return try locked {
            if let pair = try loadKeyPair(name: name) { return pair }
            return try generateLocked(role: role, name: name, expireOld: nil)
        }
    }

    /// Makes a new key pair for `name` (replacing an existing one) and lists it. With `expireOld`,
    /// the previous keys of `name` stay admitted until then (rotation's overlap window); without, an
    /// existing key is an error.
    @discardableResult
    public func generate(role: BusRole, name: String, expireOld: Date?) throws -> CurveKeyPair {
        try locked {
            if expireOld == nil, try loadKeyPair(name: name) != nil {
                throw KeyStoreError("key \(name) already exists in \(directory); use `candlewick keys rotate` to replace it")
            }
            return try generateLocked(role: role, name: name, expireOld: expireOld)
        }
    }

    private func generateLocked(role: BusRole, name: String, expireOld: Date?) throws -> CurveKeyPair {
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !name.hasPrefix(".") else {
            throw KeyStoreError("key name \"\(name.prefix(40))\" must be letters, digits, - _ . only")
        }
        let pair = try CurveKeyPair.generate()
        let stamp = UTCTimestamp.format(Date())
        try write(Self.certificate(pair, role: role, name: name, secret: true, at: stamp), to: secretPath(name), mode: 0o600)
        try write(Self.certificate(pair, role: role, name: name, secret: false, at: stamp), to: publicPath(name), mode: 0o644)
        var list = try readAllowList()
        for i in list.entries.indices where list.entries[i].name == name {
            if let expireOld {
                if list.entries[i].expires.map({ $0 > expireOld }) ?? true { list.entries[i].expires = expireOld }
            }
        }
        if expireOld == nil { list.entries.removeAll { $0.name == name } }
        list.entries.append(.init(role: role, name: name, publicKey: pair.publicKey))
        try write(list.text, to: allowListPath, mode: 0o644)
        return pair
    }

    private func locked<T>(_ body: () throws -> T) throws -> T {
        try ensureDirectory()
        let fd = open("\(directory)/.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KeyStoreError("\(directory)/.lock: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard flock(fd, LOCK_EX) == 0 else { throw KeyStoreError("\(directory)/.lock: \(String(cString: strerror(errno)))") }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Writes through a temporary file created with `mode` (never wider for a moment), then renames.
    private func write(_ text: String, to path: String, mode: mode_t) throws {
        let tmp = "\(path).tmp-\(getpid())"
        unlink(tmp)
        let fd = open(tmp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, mode)
        guard fd >= 0 else { throw KeyStoreError("\(tmp): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd) == 0
        close(fd)
        guard n == bytes.count, synced, rename(tmp, path) == 0 else {
            unlink(tmp)
            throw KeyStoreError("\(path): write failed: \(String(cString: strerror(errno)))")
        }
    }

    static func certificate(_ pair: CurveKeyPair, role: BusRole, name: String, secret: Bool, at stamp: String) -> String {
        """
        #   ****  Generated on \(stamp) by candlewick keys  ****
        #   ZeroMQ CURVE \(secret ? "**Secret** Certificate" : "Public Certificate")
        #   \(secret ? "DO NOT PROVIDE THIS FILE TO OTHER USERS nor change its permissions." : "Exchange securely; compare its key id after exchange.")

        metadata
            name = "\(name)"
            role = "\(role.rawValue)"
        curve
            public-key = "\(pair.publicKey)"
        \(secret ? "    secret-key = \"\(pair.secretKey)\"\n" : "")
        """
    }

    /// The quoted value of `key = "…"` in a certificate.
    static func field(_ key: String, in text: String) -> String? {
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard line.hasPrefix(key), let eq = line.firstIndex(of: "=") else { continue }
            return line[line.index(after: eq)...].trimmingCharacters(in: CharacterSet(charactersIn: " \t\"'"))
        }
        return nil
    }

    /// The public key in a `<name>.key` certificate file.
    public static func publicKey(inCertificate path: String) throws -> String {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw KeyStoreError("\(path): cannot read") }
        guard let k = field("public-key", in: text), KeyId.isZ85Key(k) else { throw KeyStoreError("\(path): no public-key line") }
        return k
    }
}

public struct KeyStoreError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
