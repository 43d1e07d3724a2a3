import Foundation

/// Asks for a symbol's daily history over the bus (DEALER → gateway-bridge's ROUTER).
///
/// Rules: `symbol` upper case; `duration_days` (calendar days back from the last bar) in 1...10000;
/// `end_day`, when given, a real date `YYYY-MM-DD`: the last day whose bar may be served (IB's
/// `endDateTime`, that day's close); absent: up to now.
public struct MarketDataRequest: BusPayload, Hashable {
    public static let messageType = "market_data.request"
    public let symbol: String
    public let durationDays: Int
    public let endDay: String?

    public init(symbol: String, durationDays: Int = 1000, endDay: String? = nil) throws {
        try SymbolRule.validate(symbol, model: "MarketDataRequest")
        guard (1...10_000).contains(durationDays) else {
            throw ModelValidationError(model: "MarketDataRequest", field: "duration_days", rule: "must be in 1...10000")
        }
        if let endDay, endDay.count != 10 || CalendarDay.number(endDay) == nil {
            throw ModelValidationError(model: "MarketDataRequest", field: "end_day", rule: "must be a date YYYY-MM-DD")
        }
        self.symbol = symbol
        self.durationDays = durationDays
        self.endDay = endDay
    }

    enum CodingKeys: String, CodingKey {
        case symbol
        case durationDays = "duration_days", endDay = "end_day"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(symbol: c.decode(String.self, forKey: .symbol),
                      durationDays: c.decodeIfPresent(Int.self, forKey: .durationDays) ?? 1000,
                      endDay: c.decodeIfPresent(String.self, forKey: .endDay))
    }
}

/// A request the gateway could not serve: IB's code and text, or our reason.
public struct GatewayFailure: BusPayload, Hashable, CustomStringConvertible {
    public static let messageType = "gateway.error"
    public let symbol: String
    public let code: Int?
    public let message: String

    public init(symbol: String, code: Int?, message: String) {
        self.symbol = symbol
        self.code = code
        self.message = message
    }

    /// IB's code and text (`IB error 200: …`), or the reason.
    public var description: String { code.map { "IB error \($0): \(message)" } ?? message }
}
