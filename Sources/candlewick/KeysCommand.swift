import ArgumentParser
import CandlewickBus
import CandlewickCore
import CandlewickRuntime
import Foundation

/// `candlewick keys generate|list|rotate|revoke|add`: this host's CURVE keys and allow-list
/// (`security.keys`). Running processes re-read the allow-list when it changes, so a revocation or
/// a rotation takes effect without restarting them.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Generate, list, rotate, revoke and add the bus's CURVE keys (security.keys).",
        subcommands: [Generate.self, List.self, Rotate.self, Revoke.self, Add.self])

    static func store(_ common: CommonOptions, _ dir: String?) throws -> KeyStore {
        let configured = try ProcessContext(process: "candlewick-keys", options: common).keyStore
        guard let dir else { return configured }
        // --dir names the key directory; an explicitly configured security.allow_list still applies.
        let explicit = configured.allowListPath != "\(configured.directory)/allow.list"
        return KeyStore(directory: dir, allowList: explicit ? configured.allowListPath : nil)
    }

    static func role(_ text: String) throws -> BusRole {
        guard let r = BusRole(rawValue: text) else {
            throw ValidationError("unknown role \(text); roles: \(BusRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return r
    }

    struct Generate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make a key pair for a role (the secret file mode 0600) and allow-list it; an existing one is kept.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Key directory (default security.keys).") var dir: String?
        @Option(help: "The role: \(BusRole.allCases.map(\.rawValue).joined(separator: ", ")).") var role: String
        @Option(help: "Key name (default: the role).") var name: String?

        func run() async throws {
            let store = try KeysCommand.store(common, dir)
            let r = try KeysCommand.role(role)
            let pair = try store.loadOrGenerate(role: r, name: name ?? r.rawValue, generate: true)
            print("\(name ?? r.rawValue) \(r.rawValue) key id \(pair.keyId) public \(pair.publicKey) (\(store.publicPath(name ?? r.rawValue)))")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the allow-list: role, name, key id, public key, expiry.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Key directory (default security.keys).") var dir: String?
        @Flag(help: "JSON lines.") var json = false

        func run() async throws {
            let store = try KeysCommand.store(common, dir)
            let now = Date()
            for e in try store.readAllowList().entries {
                let state = e.isValid(at: now) ? (e.expires.map { "until \(UTCTimestamp.format($0))" } ?? "valid") : "expired"
                if json {
                    let o: [String: String] = ["role": e.role.rawValue, "name": e.name, "key_id": e.keyId, "public_key": e.publicKey, "state": state,
                                               "secret_here": FileManager.default.fileExists(atPath: store.secretPath(e.name)) ? "yes" : "no"]
                    print(String(decoding: try JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]), as: UTF8.self))
                } else {
                    print("\(e.role.rawValue.padding(toLength: 15, withPad: " ", startingAt: 0)) \(e.name.padding(toLength: 24, withPad: " ", startingAt: 0)) \(e.keyId) \(e.publicKey) \(state)")
                }
            }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace a key: the new one is allow-listed now, the old one stays admitted for the overlap window.",
            discussion: "Restart the key's process within the window so it uses the new key. For a server role (proxy, run-owner, gateway-bridge, order-router), also restart the processes that connect to it.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Key directory (default security.keys).") var dir: String?
        @Option(help: "Key name (as in `keys list`).") var name: String
        @Option(help: "Seconds the old key stays admitted.") var overlap: Double = 3600

        func run() async throws {
            let store = try KeysCommand.store(common, dir)
            guard let old = try store.readAllowList().entries.last(where: { $0.name == name }) else {
                throw ValidationError("no key named \(name) in \(store.allowListPath)")
            }
            let until = Date().addingTimeInterval(max(0, overlap))
            let pair = try store.generate(role: old.role, name: name, expireOld: until)
            print("\(name): new key id \(pair.keyId); old key id \(old.keyId) admitted until \(UTCTimestamp.format(until))")
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove keys from the allow-list (by key id or name) at once; running processes refuse them from their next handshake or command.")
        @OptionGroup var common: CommonOptions
        @Option(help: "Key directory (default security.keys).") var dir: String?
        @Argument(help: "Key id or key name.") var key: String

        func run() async throws {
            let store = try KeysCommand.store(common, dir)
            let removed = try store.updateAllowList { list -> [AllowList.Entry] in
                let gone = list.entries.filter { $0.keyId == key || $0.name == key }
                list.entries.removeAll { $0.keyId == key || $0.name == key }
                return gone
            }
            guard !removed.isEmpty else { throw ValidationError("no key \(key) in \(store.allowListPath)") }
            for e in removed { print("revoked \(e.role.rawValue) \(e.name) key id \(e.keyId)") }
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Allow-list another host's public key (from its .key certificate or as Z85 text).")
        @OptionGroup var common: CommonOptions
        @Option(help: "Key directory (default security.keys).") var dir: String?
        @Option(help: "The key's role.") var role: String
        @Option(help: "A label, e.g. chart-worker.host-b.") var name: String
        @Option(help: "The public key, 40 Z85 characters.") var key: String?
        @Option(help: "A public certificate file (<name>.key) instead of --key.") var cert: String?

        func run() async throws {
            let store = try KeysCommand.store(common, dir)
            let r = try KeysCommand.role(role)
            let publicKey: String
            if let cert { publicKey = try KeyStore.publicKey(inCertificate: cert) } else if let key { publicKey = key } else {
                throw ValidationError("give --key or --cert")
            }
            guard KeyId.isZ85Key(publicKey) else { throw ValidationError("--key must be 40 Z85 characters") }
            try store.updateAllowList { list in
                list.entries.removeAll { $0.publicKey == publicKey }
                list.entries.append(.init(role: r, name: name, publicKey: publicKey))
            }
            print("added \(r.rawValue) \(name) key id \(KeyId.of(publicKey: publicKey))")
        }
    }
}
