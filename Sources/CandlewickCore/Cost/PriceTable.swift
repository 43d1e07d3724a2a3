import Foundation

/// What a model costs, in US dollars per million tokens.
public struct ModelPrice: Sendable, Hashable {
    public var input: Double
    public var output: Double
    /// Input tokens read from the prompt cache (default: 10 % of `input`).
    public var cacheRead: Double
    /// Input tokens written to the prompt cache (Anthropic; default: 125 % of `input`).
    public var cacheWrite: Double

    public init(input: Double, output: Double, cacheRead: Double? = nil, cacheWrite: Double? = nil) {
        self.input = input
        self.output = output
        self.cacheRead = cacheRead ?? input * 0.1
        self.cacheWrite = cacheWrite ?? input * 1.25
    }
}

/// The price table of `llm.prices`: `model=input/output[/cache_read[/cache_write]]`, comma
/// separated, USD per million tokens, e.g. `gpt-6.1-terra=1.25/10/0.125, claude-sonnet-5-5=3/15/0.3/3.75`.
/// This is the one place cost is computed (the run summary, the tracker, the backtest and the
/// console read `cost_usd` from it).
public struct PriceTable: Sendable, Hashable {
    public private(set) var prices: [String: ModelPrice] = [:]

    public init(_ prices: [String: ModelPrice] = [:]) { self.prices = prices }

    /// Parses the config text; throws naming the entry at fault.
    public init(parsing text: String) throws {
        for entry in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !entry.isEmpty {
            let parts = entry.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw ModelValidationError(model: "PriceTable", field: "llm.prices", rule: "entry \"\(entry)\" is not model=input/output")
            }
            let numbers = parts[1].split(separator: "/").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard (2...4).contains(numbers.count), numbers.allSatisfy({ $0 != nil && $0!.isFinite && $0! >= 0 && $0! < 10_000 }) else {
                throw ModelValidationError(model: "PriceTable", field: "llm.prices",
                                           rule: "\(parts[0]): prices must be 2 to 4 numbers in 0..<10000 (input/output[/cache_read[/cache_write]]), got \"\(parts[1])\"")
            }
            let n = numbers.map { $0! }
            guard prices[parts[0]] == nil else {
                throw ModelValidationError(model: "PriceTable", field: "llm.prices", rule: "\(parts[0]) is priced twice")
            }
            prices[parts[0]] = ModelPrice(input: n[0], output: n[1], cacheRead: n.count > 2 ? n[2] : nil, cacheWrite: n.count > 3 ? n[3] : nil)
        }
    }

    public func price(of model: String) -> ModelPrice? { prices[model] }

    /// The cost of one call in USD, or nil when the model has no price.
    /// - OpenAI: `input` counts every prompt token, cached ones included; cached ones cost `cache_read`.
    /// - Anthropic: `input` excludes cache reads and writes, which are billed at their own prices.
    public func cost(provider: String, model: String, input: Int, output: Int, cacheRead: Int, cacheWrite: Int) -> Double? {
        guard let p = prices[model] else { return nil }
        let m = 1_000_000.0
        if provider == "anthropic" {
            return (Double(input) * p.input + Double(cacheRead) * p.cacheRead + Double(cacheWrite) * p.cacheWrite + Double(output) * p.output) / m
        }
        let cached = min(cacheRead, input)
        return (Double(input - cached) * p.input + Double(cached) * p.cacheRead + Double(output) * p.output) / m
    }
}
