import Foundation

/// Configuration problems, each naming the file and line or the environment variable at fault.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public struct Problem: Sendable, Hashable {
        /// `file:line`, `environment CANDLEWICK_X_Y` or `configuration` (a default).
        public let location: String
        public let message: String
    }

    public let problems: [Problem]

    public init(_ location: String, _ message: String) {
        problems = [Problem(location: location, message: message)]
    }

    public init(problems: [Problem]) {
        self.problems = problems
    }

    /// Where the first problem is.
    public var location: String { problems.first?.location ?? "configuration" }
    public var message: String { problems.map(\.message).joined(separator: "; ") }
    /// One line per problem: `location: message`.
    public var description: String { problems.map { "\($0.location): \($0.message)" }.joined(separator: "\n") }
}

/// Candlewick's configuration: one INI-style file (`[section]`, `key = value`, `#` comments) whose
/// values the environment overrides (`CANDLEWICK_<SECTION>_<KEY>`, upper case, e.g.
/// `CANDLEWICK_BUS_PUBLISH`).
///
/// Every key is declared in `ConfigKeys` with its type, allowed values and default; loading checks
/// every value there, and the cross-field rules of `ConfigRules`, and throws every problem at once,
/// each with its file:line or environment variable. An unknown key is an error (a typo never
/// silently falls back to a default). Values are read through the table (`config[\.riskSizing]`).
///
/// Secrets never live here: a key that looks like one (`*api_key*`, `*password*`, `*secret*`,
/// `*token*`) is refused. Secrets come from the environment or from files named by `*_file` keys.
public struct ConfigFile: Sendable {
    struct Entry: Sendable {
        /// As written (trimmed in the file; as is in the environment).
        var raw: String
        var value: ConfigValue
        /// file:line or `environment NAME`.
        var origin: String
    }

    /// `section.key` → the value set in the file or the environment.
    private var entries: [String: Entry] = [:]

    /// An empty configuration (all defaults), still open to environment overrides.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        try self.init(text: "", origin: "(none)", environment: environment)
    }

    /// Parses `text` (from `origin`, used in error messages), applies environment overrides, then
    /// validates every value and the cross-field rules.
    public init(text: String, origin: String,
                environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        var raw: [String: (String, String)] = [:]
        var problems: [ConfigError.Problem] = []
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
            if let problem = Self.check(full, at: here) { problems.append(problem); continue }
            raw[full] = (value, here)
        }
        for spec in ConfigKeys.all {
            let name = spec.environmentName
            if let v = environment[name] { raw[spec.name] = (v, "environment \(name)") }
        }
        for (key, (text, where_)) in raw {
            guard let spec = ConfigKeys.byName[key] else { continue }
            do {
                entries[key] = Entry(raw: text, value: try spec.kind.parse(text), origin: where_)
            } catch {
                problems.append(.init(location: where_, message: "\(key) = \"\(Self.shown(text))\" is not allowed: it \(error.reason)"))
            }
        }
        if problems.isEmpty { problems = ConfigRules.all.compactMap { $0.problem(in: self) } }
        guard problems.isEmpty else { throw ConfigError(problems: problems.sorted { Self.order($0.location, $1.location) }) }
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

    /// `bus.publish` → `CANDLEWICK_BUS_PUBLISH`.
    public static func environmentName(_ key: String) -> String {
        "CANDLEWICK_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    /// A declared key is fine (the table holds no secrets; `llm.max_tokens` is a count, not a token);
    /// anything else is refused as a secret or as unknown.
    private static func check(_ key: String, at location: String) -> ConfigError.Problem? {
        guard ConfigKeys.byName[key] == nil else { return nil }
        let lower = key.lowercased()
        let secretish = ["api_key", "password", "secret", "token"].contains { lower.contains($0) }
        if secretish && !lower.hasSuffix("_file") && !lower.hasSuffix("_env") {
            return .init(location: location, message: "\(key) looks like a secret; secrets come only from the environment or a file (use \(key)_file or \(key)_env)")
        }
        let section = key.split(separator: ".").first.map(String.init) ?? ""
        let near = ConfigKeys.all.filter { $0.section == section }.map(\.name)
        return .init(location: location, message: "unknown key \(key)" + (near.isEmpty ? "" : "; known in this section: \(near.joined(separator: ", "))"))
    }

    /// A refused value as shown in an error: at most 80 characters.
    private static func shown(_ text: String) -> String { text.count > 80 ? String(text.prefix(77)) + "..." : text }

    /// File locations by line number, then the environment.
    private static func order(_ a: String, _ b: String) -> Bool {
        let la = Int(a.split(separator: ":").last ?? "") ?? Int.max, lb = Int(b.split(separator: ":").last ?? "") ?? Int.max
        return la != lb ? la < lb : a < b
    }

    // MARK: reading

    /// The value of `key`: as set in the file or the environment, else its default.
    public subscript<Value>(_ key: KeyPath<ConfigKeys, ConfigKey<Value>>) -> Value {
        value(ConfigKeys.table[keyPath: key])
    }

    /// The value of `key`: as set in the file or the environment, else its default.
    public func value<Value>(_ key: ConfigKey<Value>) -> Value {
        guard let v = Value.read(resolved(key.spec.name)) else {
            preconditionFailure("ConfigKeys declares \(key.spec.name) as \(key.spec.kind.typeName), which \(Value.self) cannot read")
        }
        return v
    }

    /// Whether `key` was set in the file or the environment (rather than left at its default).
    public func isSet<Value>(_ key: KeyPath<ConfigKeys, ConfigKey<Value>>) -> Bool {
        entries[ConfigKeys.table[keyPath: key].spec.name] != nil
    }

    /// Where `key`'s value came from (file:line or environment variable), or nil when it is a default.
    public func origin(of key: String) -> String? { entries[key]?.origin }

    /// The parsed value of `name`, or its default with `<section.key>` references filled in; nil when unset without default.
    func resolved(_ name: String) -> ConfigValue? {
        if let e = entries[name] { return e.value }
        guard let spec = ConfigKeys.byName[name], let text = defaultText(spec) else { return nil }
        do { return try spec.kind.parse(text) } catch {
            preconditionFailure("the default of \(name) (\(text)) \(error.reason)")
        }
    }

    /// The text of `name`'s value: as set, else its default with references filled in.
    func text(of name: String) -> String? {
        if let e = entries[name] { return e.raw.trimmingCharacters(in: .whitespaces) }
        return ConfigKeys.byName[name].flatMap(defaultText)
    }

    private func defaultText(_ spec: ConfigSpec) -> String? {
        guard var text = spec.defaultText else { return nil }
        while let open = text.firstIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
            let ref = String(text[text.index(after: open)..<close])
            text.replaceSubrange(open...close, with: ref == spec.name ? "" : (self.text(of: ref) ?? ""))
        }
        return text
    }
}
