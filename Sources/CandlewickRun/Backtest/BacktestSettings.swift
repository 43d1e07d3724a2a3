import CandlewickCore
import Foundation

/// What a backtest covers and how, as given on the command line. Its fingerprint names the
/// backtest: the run id of each as-of day derives from it, so a re-run with the same arguments
/// sends the same intents (order-router answers `duplicate`, never a second order), and a resume
/// with different arguments is refused.
public struct BacktestSettings: Sendable, Hashable, Codable {
    /// First and last as-of day, `YYYY-MM-DD`.
    public var from: String
    public var to: String
    /// Trading days between two as-of days.
    public var every: Int
    public var universe: [String]
    /// The data folder ib-paper serves (recorded in the results; ib-paper is started with it).
    public var data: String
    /// Outcomes: how the shadow brackets are simulated and costed.
    public var assumptions: BacktestAssumptions
    /// The benchmark held beside the universe's own buy-and-hold.
    public var benchmark: String = "SPY"
    /// Daily bars each analysis sees (the most recent up to the as-of day).
    public var history: Int = 1000
    /// The account's starting cash (ib-paper's `--cash`).
    public var startingCash: Decimal = 100_000
    /// Shares of a signal order-router did not place, for its simulated P&L (`risk.fixed_shares`).
    public var shadowShares: Decimal = 10
    /// The first out-of-sample as-of day (`--oos-from`): signals before it are in-sample, from it on out-of-sample.
    /// nil: no split. Left out of the canonical JSON when nil, so it does not change the fingerprint of a backtest
    /// without a split.
    public private(set) var oosFrom: String?

    public init(from: String, to: String, every: Int, universe: [String], data: String, assumptions: BacktestAssumptions) throws {
        for (name, day) in [("--from", from), ("--to", to)] where CalendarDay.number(day) == nil {
            throw BacktestError.badArgument("\(name) must be a date YYYY-MM-DD, got \"\(day)\"")
        }
        guard from <= to else { throw BacktestError.badArgument("--from \(from) is after --to \(to)") }
        guard (1...260).contains(every) else { throw BacktestError.badArgument("--every must be 1...260 trading days, got \(every)") }
        guard !universe.isEmpty else { throw BacktestError.badArgument("the universe is empty") }
        self.from = from
        self.to = to
        self.every = every
        self.universe = universe
        self.data = data
        self.assumptions = assumptions
    }

    /// Sets the out-of-sample split (`--oos-from`); it must be a date after `from` and not after `to`, so both sides
    /// can hold as-of days.
    public mutating func setOutOfSample(from day: String?) throws {
        guard let day else { oosFrom = nil; return }
        guard CalendarDay.number(day) != nil else { throw BacktestError.badArgument("--oos-from must be a date YYYY-MM-DD, got \"\(day)\"") }
        guard day > from, day <= to else {
            throw BacktestError.badArgument("--oos-from \(day) must be after --from \(from) and not after --to \(to), so both samples have days")
        }
        oosFrom = day
    }

    enum CodingKeys: String, CodingKey {
        case from, to, every, universe, data, assumptions, benchmark, history
        case startingCash = "starting_cash", shadowShares = "shadow_shares", oosFrom = "oos_from"
    }

    /// The first 12 hex digits of SHA-256 over the settings' canonical JSON.
    public var fingerprint: String {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys]
        return String(SHA256Digest.hex(of: (try? e.encode(self)) ?? Data()).prefix(12))
    }

    /// The run id of the as-of day `asOf` (`YYYY-MM-DD`): `bt-<fingerprint>-<YYYYMMDD>`.
    public func runId(asOf: String) -> String { "bt-\(fingerprint)-" + asOf.replacingOccurrences(of: "-", with: "") }
}

/// Why a backtest could not go on; `code` is stable.
public enum BacktestError: Error, CustomStringConvertible, Sendable {
    case badArgument(String)
    case resumeMismatch(String)
    case journal(String)
    case paperClock(String)
    case lookAhead(String)
    case step(String)

    public var code: String {
        switch self {
        case .badArgument: "bad_argument"
        case .resumeMismatch: "resume_mismatch"
        case .journal: "journal"
        case .paperClock: "paper_clock"
        case .lookAhead: "look_ahead"
        case .step: "step_failed"
        }
    }

    public var description: String {
        switch self {
        case .badArgument(let m), .resumeMismatch(let m), .journal(let m), .paperClock(let m), .lookAhead(let m), .step(let m): "\(code): \(m)"
        }
    }
}
