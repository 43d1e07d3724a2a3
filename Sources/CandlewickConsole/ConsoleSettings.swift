import CandlewickRuntime
import Foundation

/// Why the console refuses to start; the text names the option or file that is wrong.
public struct ConsoleSettingsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    /// An error with its text.
    public init(_ d: String) { description = d }
}

/// Where the console listens, checked: `HOST:PORT` (IPv6 as `[::1]:PORT`). The console speaks plain HTTP
/// (TLS is terminated by a reverse proxy, docs/console.md), so an address other than loopback is
/// refused unless the operator says `--insecure-listen`.
public struct ListenAddress: Sendable, Equatable {
    public let host: String
    public let port: Int

    /// Parses `HOST:PORT`; throws when it is malformed, or not loopback and `insecureAllowed` is false.
    public init(_ text: String, insecureAllowed: Bool) throws {
        let host: Substring, port: Substring
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw ConsoleSettingsError("--listen \(text): expected [IPv6]:PORT") }
            port = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw ConsoleSettingsError("--listen \(text): expected HOST:PORT, e.g. 127.0.0.1:8765") }
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw ConsoleSettingsError("--listen \(text): the host is empty") }
        guard let p = Int(port), (0...65_535).contains(p) else { throw ConsoleSettingsError("--listen \(text): the port must be 0…65535, got '\(port)'") }
        self.host = String(host)
        self.port = p
        if !isLoopback && !insecureAllowed {
            throw ConsoleSettingsError("""
                --listen \(text): not a loopback address. The console speaks plain HTTP: put it behind a reverse proxy that \
                terminates TLS (docs/console.md) and listen on 127.0.0.1, or pass --insecure-listen to accept the risk
                """)
        }
    }

    /// 127.0.0.0/8, `::1` or `localhost`.
    public var isLoopback: Bool {
        host == "localhost" || host == "::1" || (host.hasPrefix("127.") && host.split(separator: ".").count == 4)
    }
}

/// The operator's credential: from a file (mode 0600, owned by this user) or the environment variable
/// `CANDLEWICK_CONSOLE_CREDENTIAL`; never from the configuration file.
public enum OperatorCredential {
    /// The environment variable the credential may come from.
    public static let environmentName = "CANDLEWICK_CONSOLE_CREDENTIAL"

    /// The credential, or nil when neither source gives one (then nobody can log in and the console is read-only).
    public static func load(file: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String? {
        if let file {
            do { return try TokenFile.load(file, create: false) } catch {
                throw ConsoleSettingsError("--operator-credential-file: \(error)")
            }
        }
        guard let value = environment[environmentName] else { return nil }
        let credential = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard credential.count >= 16 else { throw ConsoleSettingsError("\(environmentName): the credential must be at least 16 characters") }
        return credential
    }
}
