import CandlewickCore
import Foundation

/// A configuration value after its key's rule accepted it.
public enum ConfigValue: Sendable, Hashable {
    case text(String)
    case int(Int)
    case double(Double)
    case decimal(Decimal)
    case bool(Bool)
    case list([String])
}

/// Why a value was refused: what is allowed instead.
public struct ConfigRefusal: Error, Sendable {
    public let reason: String
}

/// The rule a list item obeys.
public enum ConfigListItem: String, Sendable, Hashable {
    /// A ticker symbol (`SymbolRule`; written in any case, read upper case).
    case symbol
    /// A source or instance name: letters, digits, `.`, `_`, `-`.
    case name
}

/// What a configuration value must look like: the one rule a key's text is parsed by, everywhere.
public enum ConfigKind: Sendable, Hashable {
    /// Any text; `nonEmpty` refuses the empty string.
    case text(nonEmpty: Bool)
    /// A ZeroMQ endpoint: `ipc://PATH`, `tcp://HOST:PORT` (`*` for any interface or port) or `inproc://NAME`.
    case endpoint
    /// A filesystem path (not empty).
    case path
    /// An `http://` or `https://` URL with a host; `allowEmpty` lets the empty string mean "none".
    case url(allowEmpty: Bool)
    /// An integer within `range`.
    case integer(ClosedRange<Int>)
    /// A finite number greater than `min` (or equal when `minInclusive`) and at most `max`.
    case number(min: Double, minInclusive: Bool, max: Double)
    /// An exact decimal (amounts, prices) greater than `min` (or equal when `minInclusive`) and at most `max`.
    case decimal(min: Decimal, minInclusive: Bool, max: Decimal)
    /// `true/false`, `yes/no`, `1/0`, `on/off`.
    case boolean
    /// One of `values`; with `caseInsensitive` any spelling is read as listed.
    case choice([String], caseInsensitive: Bool)
    /// Comma-separated items (at least one; empty items are skipped), each by `item`'s rule.
    case list(ConfigListItem)
    /// `HOST:PORT`.
    case hostPort

    /// The short type name (`int`, `enum`, …) used by docs/config.md and `candlewick config keys --json`.
    public var typeName: String {
        switch self {
        case .text: "string"
        case .endpoint: "endpoint"
        case .path: "path"
        case .url: "url"
        case .integer: "int"
        case .number: "number"
        case .decimal: "decimal"
        case .boolean: "bool"
        case .choice: "enum"
        case .list: "list"
        case .hostPort: "host_port"
        }
    }

    /// What is allowed, in words (for errors and docs).
    public var allowed: String {
        switch self {
        case .text(let nonEmpty): nonEmpty ? "non-empty text" : "any text"
        case .endpoint: "ipc://PATH, tcp://HOST:PORT or inproc://NAME"
        case .path: "a non-empty path"
        case .url(let allowEmpty): "an http:// or https:// URL" + (allowEmpty ? " (or empty)" : "")
        case .integer(let r):
            r.upperBound == Int.max ? "an integer ≥ \(r.lowerBound)" : "an integer from \(r.lowerBound) to \(r.upperBound)"
        case .number(let min, let inclusive, let max): "a number \(inclusive ? "≥" : ">") \(Self.text(min)) and ≤ \(Self.text(max))"
        case .decimal(let min, let inclusive, let max):
            "a decimal number \(inclusive ? "≥" : ">") \(DecimalText.plain(min)) and ≤ \(DecimalText.plain(max))"
        case .boolean: "true or false (also yes/no, on/off, 1/0)"
        case .choice(let values, let ci): "one of " + values.joined(separator: ", ") + (ci ? " (any case)" : "")
        case .list(.symbol): "comma-separated symbols (upper case letters, digits, . - /)"
        case .list(.name): "comma-separated names (letters, digits, . _ -)"
        case .hostPort: "HOST:PORT (port 1 to 65535)"
        }
    }

    /// A value this rule accepts (the unit tests and docs use it).
    public var example: String {
        switch self {
        case .text: "x"
        case .endpoint: "tcp://127.0.0.1:5555"
        case .path: "/var/lib/candlewick"
        case .url: "http://127.0.0.1:5000"
        case .integer(let r): "\(r.lowerBound)"
        case .number(let min, let inclusive, _): inclusive ? Self.text(min) : Self.text(min + 1)
        case .decimal(let min, let inclusive, _): DecimalText.plain(inclusive ? min : min + 1)
        case .boolean: "true"
        case .choice(let values, _): values[0]
        case .list(.symbol): "AAPL,MSFT"
        case .list(.name): "cli,test"
        case .hostPort: "127.0.0.1:4003"
        }
    }

    /// Parses `raw` by this rule; throws what is allowed instead.
    public func parse(_ raw: String) throws(ConfigRefusal) -> ConfigValue {
        let t = raw.trimmingCharacters(in: .whitespaces)
        let refuse = ConfigRefusal(reason: "must be \(allowed)")
        switch self {
        case .text(let nonEmpty):
            guard !nonEmpty || !t.isEmpty else { throw refuse }
            return .text(raw)
        case .endpoint:
            guard Self.isEndpoint(t) else { throw refuse }
            return .text(t)
        case .path:
            guard !t.isEmpty, !t.contains("\0") else { throw refuse }
            return .text(t)
        case .url(let allowEmpty):
            if t.isEmpty && allowEmpty { return .text("") }
            guard t.hasPrefix("http://") || t.hasPrefix("https://"), let host = URL(string: t)?.host, !host.isEmpty else { throw refuse }
            return .text(t)
        case .integer(let range):
            guard let i = Int(t), range.contains(i) else { throw refuse }
            return .int(i)
        case .number(let min, let inclusive, let max):
            guard let d = Double(t), d.isFinite, inclusive ? d >= min : d > min, d <= max,
                  t.allSatisfy({ $0.isNumber || "+-.eE".contains($0) }) else { throw refuse }
            return .double(d)
        case .decimal(let min, let inclusive, let max):
            guard let d = DecimalText.parse(t), inclusive ? d >= min : d > min, d <= max else { throw refuse }
            return .decimal(d)
        case .boolean:
            switch t.lowercased() {
            case "true", "yes", "1", "on": return .bool(true)
            case "false", "no", "0", "off": return .bool(false)
            default: throw refuse
            }
        case .choice(let values, let caseInsensitive):
            guard let v = values.first(where: { caseInsensitive ? $0.lowercased() == t.lowercased() : $0 == t }) else { throw refuse }
            return .text(v)
        case .list(let item):
            let items = t.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
                .map { item == .symbol ? $0.uppercased() : $0 }
            guard !items.isEmpty else { throw refuse }
            for i in items {
                switch item {
                case .symbol:
                    do { try SymbolRule.validate(i, model: "config") } catch { throw ConfigRefusal(reason: "\"\(i)\" is not a symbol: must be \(allowed)") }
                case .name:
                    guard i.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }) else {
                        throw ConfigRefusal(reason: "\"\(i)\" is not a name: must be \(allowed)")
                    }
                }
            }
            return .list(items)
        case .hostPort:
            guard Self.hostPort(t, wildcard: false) else { throw refuse }
            return .text(t)
        }
    }

    /// `ipc://PATH`, `tcp://HOST:PORT` or `inproc://NAME`.
    static func isEndpoint(_ t: String) -> Bool {
        if t.hasPrefix("ipc://") { return t.count > 6 && !t.contains("\0") }
        if t.hasPrefix("inproc://") { return t.count > 9 }
        if t.hasPrefix("tcp://") { return hostPort(String(t.dropFirst(6)), wildcard: true) }
        return false
    }

    /// `HOST:PORT` with a port from 1 to 65535 (`*` for host and port when `wildcard`).
    static func hostPort(_ t: String, wildcard: Bool) -> Bool {
        guard let colon = t.lastIndex(of: ":") else { return false }
        let host = t[..<colon], port = t[t.index(after: colon)...]
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else { return false }
        if wildcard && port == "*" { return true }
        guard let p = Int(port), (1...65_535).contains(p) else { return false }
        return true
    }

    private static func text(_ d: Double) -> String {
        d == d.rounded() && abs(d) < 1e15 ? String(Int(d)) : String(d)
    }
}
