import CandlewickCore

extension SpoolError: CodedError {
    /// `spool_failed`: the tracker's durable spool cannot be read or written.
    public var code: String { "spool_failed" }
}
