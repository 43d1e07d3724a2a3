import CandlewickCore

extension JournalError: CodedError {
    /// `journal_damaged`: the intent journal cannot be read or written; no trading until a person looks.
    public var code: String { "journal_damaged" }
}
