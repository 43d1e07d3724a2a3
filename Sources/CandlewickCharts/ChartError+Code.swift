import CandlewickCore

extension ChartError: CodedError {
    /// `chart_failed`: a chart cannot be drawn (fonts, sizes, data).
    public var code: String { "chart_failed" }
}
