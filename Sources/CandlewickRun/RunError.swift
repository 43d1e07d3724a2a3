/// Why a run could not start or was cut short. `code` is stable (log field, exit reason); the
/// message names what was wrong.
public struct RunError: Error, Sendable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// A CSV file holds no valid bar.
        public static let noBars = Code(rawValue: "no_bars")
        /// No symbols to run.
        public static let noSymbols = Code(rawValue: "no_symbols")
        /// A setting is out of range or unknown.
        public static let badSetting = Code(rawValue: "bad_setting")
        /// The run was stopped (SIGTERM/SIGINT) before it finished.
        public static let cutShort = Code(rawValue: "cut_short")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
