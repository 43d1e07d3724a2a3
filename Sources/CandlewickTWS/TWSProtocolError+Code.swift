import CandlewickCore

extension TWSProtocolError: CodedError {
    /// `tws_bad_length`, `tws_unterminated`, `tws_empty`, `tws_bad_field`, `tws_truncated`, `tws_unknown_message`,
    /// `tws_handshake`, `tws_unencodable`, `tws_unsupported`.
    public var code: String {
        switch self {
        case .badLength: "tws_bad_length"
        case .unterminatedPayload: "tws_unterminated"
        case .emptyMessage: "tws_empty"
        case .badField: "tws_bad_field"
        case .truncated: "tws_truncated"
        case .unknownMessage: "tws_unknown_message"
        case .handshake: "tws_handshake"
        case .unencodable: "tws_unencodable"
        case .unsupported: "tws_unsupported"
        }
    }
}
