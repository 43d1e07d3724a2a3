import CandlewickCore

extension SpoolError: CodedError {
    /// `spool_failed`: the tracker's durable spool cannot be read or written.
    public var code: String { "spool_failed" }
}

extension LocalSinkError: CodedError {
    /// `local_sink_failed`: the local run folder cannot be written.
    public var code: String { "local_sink_failed" }
}
