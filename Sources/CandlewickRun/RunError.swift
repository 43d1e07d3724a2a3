import CandlewickCore

/// Why a run could not start or was cut short. `code` is stable (log field, exit reason); the
/// message names what was wrong.
public struct RunError: CodedError, Sendable {
    public let code: String
    public let message: String
    public var description: String { message }

    /// `no_bars`: the CSV file at `path` holds no valid bar.
    public static func noBars(_ path: String) -> RunError { RunError(code: "no_bars", message: "\(path): no valid bars") }

    /// `cut_short`: `run` was stopped (SIGTERM/SIGINT) before it finished.
    public static func cutShort(_ run: String) -> RunError { RunError(code: "cut_short", message: "\(run) was stopped before it finished") }

    /// `missing_channel`: the run needs a channel it was not given.
    public static func missingChannel(_ name: String) -> RunError { RunError(code: "missing_channel", message: "no \(name) channel") }
}
