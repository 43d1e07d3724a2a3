import CandlewickCore
import Foundation

/// A process that loads the configuration file (the name it gives `ProcessContext`).
public enum ConfigProcess: String, Sendable, CaseIterable, Codable {
    case run = "candlewick-run"
    case charts = "candlewick-charts"
    case trading = "candlewick-trading"
    case status = "candlewick-status"
    case console = "candlewick-console"
    case send = "candlewick-send"
    case proxy
    case chartWorker = "chart-worker"
    case gatewayBridge = "gateway-bridge"
    case orderRouter = "order-router"
    case llmWorker = "llm-worker"
    case tracker
    case tap
    case ibPaper = "ib-paper"

    /// Every process that talks on the bus (all but ib-paper, which only serves the TWS API).
    public static let busUsers: [ConfigProcess] = allCases.filter { $0 != .ibPaper }
    /// Every process that loads `WorkEndpoints` (the work queues and gateway-bridge's command socket).
    public static let workEndpointUsers: [ConfigProcess] = [.run, .charts, .chartWorker, .gatewayBridge, .orderRouter, .llmWorker]
}

/// Everything the table says about one key, without its Swift type.
public struct ConfigSpec: Sendable {
    /// `section.key`.
    public let name: String
    public let kind: ConfigKind
    /// The default as text, parsed by `kind`; `<section.key>` in it stands for that key's value
    /// (`ipc://<bus.directory>/router.sock`). nil: unset by default (see `defaultNote`).
    public let defaultText: String?
    /// What an unset key means when that is not one fixed value (e.g. it depends on the environment).
    public let defaultNote: String?
    /// One line: what the key does.
    public let summary: String
    /// The processes that read the key (every process validates every key).
    public let processes: [ConfigProcess]

    /// `bus.publish` → `CANDLEWICK_BUS_PUBLISH`.
    public var environmentName: String { ConfigFile.environmentName(name) }
    public var section: String { String(name.prefix { $0 != "." }) }
}

/// A Swift type a configuration value can be read as.
public protocol ConfigReadable: Sendable {
    /// The value, or nil when `value` is not of this type (a table error the unit tests catch).
    static func read(_ value: ConfigValue?) -> Self?
    /// Whether an unset key reads as nil (then the key needs no default).
    static var isOptional: Bool { get }
}

extension ConfigReadable {
    public static var isOptional: Bool { false }
}

extension Int: ConfigReadable {
    public static func read(_ value: ConfigValue?) -> Int? { if case .int(let v)? = value { v } else { nil } }
}

extension Double: ConfigReadable {
    public static func read(_ value: ConfigValue?) -> Double? { if case .double(let v)? = value { v } else { nil } }
}

extension Decimal: ConfigReadable {
    public static func read(_ value: ConfigValue?) -> Decimal? { if case .decimal(let v)? = value { v } else { nil } }
}

extension Bool: ConfigReadable {
    public static func read(_ value: ConfigValue?) -> Bool? { if case .bool(let v)? = value { v } else { nil } }
}

extension String: ConfigReadable {
    public static func read(_ value: ConfigValue?) -> String? { if case .text(let v)? = value { v } else { nil } }
}

extension Array: ConfigReadable where Element == String {
    public static func read(_ value: ConfigValue?) -> [String]? { if case .list(let v)? = value { v } else { nil } }
}

extension Optional: ConfigReadable where Wrapped: ConfigReadable {
    public static func read(_ value: ConfigValue?) -> Wrapped?? {
        guard let value else { return .some(nil) }
        return Wrapped.read(value).map { .some($0) }
    }
    public static var isOptional: Bool { true }
}

/// An enum read from a `choice` key: each allowed value is a raw value (the unit tests check every one).
public protocol ConfigChoice: ConfigReadable, RawRepresentable where RawValue == String {}

extension ConfigChoice {
    public static func read(_ value: ConfigValue?) -> Self? {
        if case .text(let v)? = value { Self(rawValue: v) } else { nil }
    }
}

extension RiskPolicy.Sizing: ConfigChoice {}
extension OrderType: ConfigChoice {}
extension TimeInForce: ConfigChoice {}
extension LiveArming.Mode: ConfigChoice {}
extension RouterClockSource: ConfigChoice {}
extension LineLogHandler.Format: ConfigChoice {}

/// Something in the table: a key with its Swift type erased.
public protocol AnyConfigKey: Sendable {
    var spec: ConfigSpec { get }
    /// nil when the key's Swift type can read what its kind produces and it has a default unless optional;
    /// otherwise what is wrong with the declaration.
    var declarationProblem: String? { get }
}

/// A configuration key with the Swift type its value is read as. Declared once, in `ConfigKeys`.
public struct ConfigKey<Value: ConfigReadable>: AnyConfigKey {
    public let spec: ConfigSpec

    /// - Parameters:
    ///   - name: `section.key`.
    ///   - kind: the rule its text is parsed by.
    ///   - defaultText: the default, as text parsed by `kind` (may name other keys as `<section.key>`);
    ///     omit only for an optional `Value`.
    ///   - note: what unset means when it is not one fixed value.
    ///   - summary: one line for docs/config.md.
    ///   - processes: who reads it.
    public init(_ name: String, _ kind: ConfigKind, default defaultText: String? = nil, note: String? = nil,
                _ summary: String, _ processes: [ConfigProcess]) {
        spec = ConfigSpec(name: name, kind: kind, defaultText: defaultText, defaultNote: note, summary: summary, processes: processes)
    }

    public var declarationProblem: String? {
        if spec.defaultText == nil && !Value.isOptional { return "\(spec.name) has no default, so it must be read as an Optional" }
        if let d = spec.defaultText, !d.contains("<") {
            do { _ = try spec.kind.parse(d) } catch { return "\(spec.name)'s default \"\(d)\" \(error.reason)" }
        }
        var samples = [spec.kind.example]
        if case .choice(let values, _) = spec.kind { samples = values }
        for s in samples {
            guard let v = try? spec.kind.parse(s) else { return "\(spec.name): its kind refuses \"\(s)\"" }
            if Value.read(v) == nil { return "\(spec.name) is \(spec.kind.typeName) but \"\(s)\" cannot be read as \(Value.self)" }
        }
        return nil
    }
}
