/// The bar size of a series or a chart.
public enum Timeframe: String, Codable, Sendable, CaseIterable {
    case daily
    case weekly
}
