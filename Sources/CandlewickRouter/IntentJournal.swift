import CandlewickCore
import CandlewickRuntime
import Foundation

/// A journal that cannot be trusted: the router refuses to trade (fail closed).
public struct JournalError: Error, CustomStringConvertible {
    public let description: String
    init(_ d: String) { description = d }
}

/// The durable intent journal: one JSON `JournalEntry` per line, appended and `fdatasync`ed before
/// `append` returns, so an entry that was acknowledged survives SIGKILL and power loss. On open the
/// file is replayed; a torn last line (a crash mid-write) is cut off and reported; a bad line in the
/// middle is an error (the journal is damaged: no trading until a person looks). The mechanics are
/// `JSONLinesLog`'s.
public final class IntentJournal: Sendable {
    private let log: JSONLinesLog<JournalEntry>
    public var path: String { log.path }
    /// Entries found when the journal was opened, in order.
    public var replayed: [JournalEntry] { log.replayed }
    /// Set when a torn last line was cut off on open.
    public var repaired: String? { log.repaired }

    public init(path: String) throws {
        do {
            log = try JSONLinesLog(path: path, what: "intent journal", whenDamaged: "refusing to trade until it is repaired")
        } catch let e as JSONLinesLogError {
            throw JournalError(e.description)
        }
    }

    /// Appends one entry and makes it durable before returning.
    public func append(_ entry: JournalEntry) throws {
        do { try log.append(entry) } catch let e as JSONLinesLogError { throw JournalError(e.description) }
    }
}
