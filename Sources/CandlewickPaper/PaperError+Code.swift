import CandlewickCore

extension PaperError: CodedError {
    /// `paper_state`, `paper_config` or `paper_socket`.
    public var code: String {
        switch self {
        case .state: "paper_state"
        case .config: "paper_config"
        case .socket: "paper_socket"
        }
    }
}
