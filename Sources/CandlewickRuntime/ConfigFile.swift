import Foundation

/// A configuration problem, naming the file and line or the environment variable at fault.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public let location: String
    public let message: String

    public init(_ location: String, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}

/// Candlewick's configuration: one INI-style file (`[section]`, `key = value`, `#` comments) whose
/// values the environment overrides (`CANDLEWICK_<SECTION>_<KEY>`, upper case, e.g.
/// `CANDLEWICK_BUS_PUBLISH`). Every key is documented in docs/config.md and listed in
/// `ConfigKeys.known`; an unknown key is an error (a typo never silently falls back to a default).
///
/// Secrets never live here: a key that looks like one (`*api_key*`, `*password*`, `*secret*`,
/// `*token*`) is refused. Secrets come from the environment or from files named by `*_file` keys.
public struct ConfigFile: Sendable {
    /// `section.key` → (value, where it came from).
    private var values: [String: (value: String, origin: String)] = [:]

    /// An empty configuration (all defaults), still open to environment overrides.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try applyEnvironment(environment)
    }

    /// Parses `text` (from `origin`, used in error messages), then applies environment overrides.
    public init(text: String, origin: String,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        var section = ""
        for (n, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            let here = "\(origin):\(n + 1)"
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else { throw ConfigError(here, "malformed section header \(line)") }
                section = String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces).lowercased()
                continue
            }
            guard let eq = line.firstIndex(of: "=") else { throw ConfigError(here, "expected key = value, got \(line)") }
            guard !section.isEmpty else { throw ConfigError(here, "key outside a [section]") }
            let key = line[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = line[line.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            let full = "\(section).\(key)"
            try Self.check(full, at: here)
            values[full] = (value, here)
        }
        try applyEnvironment(environment)
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ConfigFile {
        guard let path else { return try ConfigFile(environment: environment) }
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw ConfigError(path, "cannot read config file: \(error.localizedDescription)")
        }
        return try ConfigFile(text: text, origin: path, environment: environment)
    }

    private mutating func applyEnvironment(_ env: [String: String]) throws {
        for key in ConfigKeys.known.keys {
            let name = Self.environmentName(key)
            if let v = env[name] { values[key] = (v, "environment \(name)") }
        }
    }

    /// `bus.publish` → `CANDLEWICK_BUS_PUBLISH`.
    public static func environmentName(_ key: String) -> String {
        "CANDLEWICK_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    private static func check(_ key: String, at location: String) throws {
        let lower = key.lowercased()
        let secretish = ["api_key", "password", "secret", "token"].contains { lower.contains($0) }
        if secretish && !lower.hasSuffix("_file") && !lower.hasSuffix("_env") {
            throw ConfigError(location, "\(key) looks like a secret; secrets come only from the environment or a file (use \(key)_file or \(key)_env)")
        }
        guard ConfigKeys.known[key] != nil else {
            let near = ConfigKeys.known.keys.filter { $0.hasPrefix(key.split(separator: ".").first.map(String.init) ?? "") }.sorted()
            throw ConfigError(location, "unknown key \(key)" + (near.isEmpty ? "" : "; known in this section: \(near.joined(separator: ", "))"))
        }
    }

    /// The raw value of `key` (`section.key`), or nil when unset.
    public func string(_ key: String) -> String? { values[key]?.value }

    /// The value of `key`, or `defaultValue`.
    public func string(_ key: String, default defaultValue: String) -> String { values[key]?.value ?? defaultValue }

    /// An integer value; throws naming the origin when it is not an integer.
    public func int(_ key: String, default defaultValue: Int) throws -> Int {
        guard let (v, origin) = values[key] else { return defaultValue }
        guard let i = Int(v) else { throw ConfigError(origin, "\(key) must be an integer, got \"\(v)\"") }
        return i
    }

    /// A number; throws naming the origin when it is not a finite number.
    public func double(_ key: String, default defaultValue: Double) throws -> Double {
        guard let (v, origin) = values[key] else { return defaultValue }
        guard let d = Double(v), d.isFinite else { throw ConfigError(origin, "\(key) must be a number, got \"\(v)\"") }
        return d
    }

    /// A boolean (`true/false/yes/no/1/0/on/off`).
    public func bool(_ key: String, default defaultValue: Bool) throws -> Bool {
        guard let (v, origin) = values[key] else { return defaultValue }
        switch v.lowercased() {
        case "true", "yes", "1", "on": return true
        case "false", "no", "0", "off": return false
        default: throw ConfigError(origin, "\(key) must be true or false, got \"\(v)\"")
        }
    }

    /// Where `key`'s value came from (file:line or environment variable), for diagnostics.
    public func origin(of key: String) -> String? { values[key]?.origin }
}
