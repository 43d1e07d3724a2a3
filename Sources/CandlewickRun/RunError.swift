import CandlewickCore

/// Why a run could not start or was cut short. `code` is stable (log field, exit reason); the
/// message names what was wrong.
public struct RunError: CodedError, Sendable {
    public enum Kind: String, Sendable {
        /// A CSV file holds no valid bar.
        case noBars = "no_bars"
        /// The run was stopped (SIGTERM/SIGINT) before it finished.
        case cutShort = "cut_short"
        /// A channel the run needs was not given.
        case missingChannel = "missing_channel"
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var code: String { kind.rawValue }
    public var description: String { message }
}
