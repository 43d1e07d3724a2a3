import ArgumentParser
import Logging

/// Flags every Candlewick executable accepts.
public struct CommonOptions: ParsableArguments, Sendable {
    @Option(name: .long, help: "Configuration file (INI style; see docs/config.md). Environment variables CANDLEWICK_<SECTION>_<KEY> override it.")
    public var config: String?

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    public var logLevel: String = "info"

    @Option(name: .long, help: "Log format: text or json (default: runtime.log_format, else text).")
    public var logFormat: String?

    @Option(name: .long, help: "Instance name written into every message this process sends (default: <process>.<pid>).")
    public var instance: String?

    @Option(name: .long, help: "Override bus.publish: the endpoint publishers connect to.")
    public var busPublish: String?

    @Option(name: .long, help: "Override bus.subscribe: the endpoint subscribers connect to.")
    public var busSubscribe: String?

    public init() {}

    public func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")); got \(logLevel)")
        }
        if let logFormat, LineLogHandler.Format(rawValue: logFormat) == nil {
            throw ValidationError("--log-format must be text or json; got \(logFormat)")
        }
    }
}
