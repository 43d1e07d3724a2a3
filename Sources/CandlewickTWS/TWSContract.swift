import Foundation

/// An instrument as the TWS API describes it (the subset of `ibapi.contract.Contract` we use).
public struct TWSContract: Sendable, Hashable, Codable {
    public var conId: Int
    public var symbol: String
    public var secType: String
    public var lastTradeDateOrContractMonth: String
    /// nil = unset (sent empty, as ibapi does).
    public var strike: Double?
    public var right: String
    public var multiplier: String
    public var exchange: String
    public var primaryExchange: String
    public var currency: String
    public var localSymbol: String
    public var tradingClass: String
    public var includeExpired: Bool
    public var secIdType: String
    public var secId: String
    public var issuerId: String

    public init(conId: Int = 0, symbol: String, secType: String = "STK", lastTradeDateOrContractMonth: String = "",
                strike: Double? = nil, right: String = "", multiplier: String = "", exchange: String = "SMART",
                primaryExchange: String = "", currency: String = "USD", localSymbol: String = "", tradingClass: String = "",
                includeExpired: Bool = false, secIdType: String = "", secId: String = "", issuerId: String = "") {
        self.conId = conId
        self.symbol = symbol
        self.secType = secType
        self.lastTradeDateOrContractMonth = lastTradeDateOrContractMonth
        self.strike = strike
        self.right = right
        self.multiplier = multiplier
        self.exchange = exchange
        self.primaryExchange = primaryExchange
        self.currency = currency
        self.localSymbol = localSymbol
        self.tradingClass = tradingClass
        self.includeExpired = includeExpired
        self.secIdType = secIdType
        self.secId = secId
        self.issuerId = issuerId
    }

    enum CodingKeys: String, CodingKey {
        case conId = "con_id", symbol, secType = "sec_type", lastTradeDateOrContractMonth = "last_trade_date", strike, right, multiplier
        case exchange, primaryExchange = "primary_exchange", currency, localSymbol = "local_symbol", tradingClass = "trading_class"
        case includeExpired = "include_expired", secIdType = "sec_id_type", secId = "sec_id", issuerId = "issuer_id"
    }

    /// The 11-field block of server messages (open order, execution, position): no primary exchange.
    func writeShort(_ w: inout TWSFieldWriter) {
        w.add(conId); w.add(symbol); w.add(secType); w.add(lastTradeDateOrContractMonth)
        w.add(strike ?? 0); w.add(right); w.add(multiplier); w.add(exchange); w.add(currency); w.add(localSymbol); w.add(tradingClass)
    }

    static func readShort(_ r: inout TWSFieldReader) throws -> TWSContract {
        var c = TWSContract(symbol: "")
        c.conId = try r.int("conId"); c.symbol = try r.string("symbol"); c.secType = try r.string("secType")
        c.lastTradeDateOrContractMonth = try r.string("lastTradeDateOrContractMonth")
        c.strike = try r.optionalDouble("strike").flatMap { $0 == 0 ? nil : $0 }
        c.right = try r.string("right"); c.multiplier = try r.string("multiplier"); c.exchange = try r.string("exchange")
        c.currency = try r.string("currency"); c.localSymbol = try r.string("localSymbol"); c.tradingClass = try r.string("tradingClass")
        return c
    }

    /// conId … tradingClass with primary exchange (request blocks).
    func writeRequestHead(_ w: inout TWSFieldWriter) {
        w.add(conId); w.add(symbol); w.add(secType); w.add(lastTradeDateOrContractMonth)
        w.add(strike); w.add(right); w.add(multiplier); w.add(exchange); w.add(primaryExchange)
        w.add(currency); w.add(localSymbol); w.add(tradingClass)
    }

    static func readRequestHead(_ r: inout TWSFieldReader) throws -> TWSContract {
        var c = TWSContract(symbol: "")
        c.conId = try r.int("conId"); c.symbol = try r.string("symbol"); c.secType = try r.string("secType")
        c.lastTradeDateOrContractMonth = try r.string("lastTradeDateOrContractMonth")
        c.strike = try r.optionalDouble("strike").flatMap { $0 == 0 ? nil : $0 }
        c.right = try r.string("right"); c.multiplier = try r.string("multiplier"); c.exchange = try r.string("exchange")
        c.primaryExchange = try r.string("primaryExchange"); c.currency = try r.string("currency")
        c.localSymbol = try r.string("localSymbol"); c.tradingClass = try r.string("tradingClass")
        return c
    }
}

/// What CONTRACT_DATA carries beyond the contract (the fields a stock needs).
public struct TWSContractDetails: Sendable, Hashable, Codable {
    public var contract: TWSContract
    public var marketName: String
    public var minTick: Double
    public var orderTypes: String
    public var validExchanges: String
    public var priceMagnifier: Int
    public var longName: String
    public var timeZoneId: String
    public var tradingHours: String
    public var liquidHours: String
    public var stockType: String
    public var minSize: Decimal
    public var sizeIncrement: Decimal

    public init(contract: TWSContract, marketName: String = "", minTick: Double = 0.01, orderTypes: String = "LMT,MKT,STP,STPLMT",
                validExchanges: String = "SMART", priceMagnifier: Int = 1, longName: String = "", timeZoneId: String = "US/Eastern",
                tradingHours: String = "", liquidHours: String = "", stockType: String = "COMMON", minSize: Decimal = 1, sizeIncrement: Decimal = 1) {
        self.contract = contract
        self.marketName = marketName
        self.minTick = minTick
        self.orderTypes = orderTypes
        self.validExchanges = validExchanges
        self.priceMagnifier = priceMagnifier
        self.longName = longName
        self.timeZoneId = timeZoneId
        self.tradingHours = tradingHours
        self.liquidHours = liquidHours
        self.stockType = stockType
        self.minSize = minSize
        self.sizeIncrement = sizeIncrement
    }

    enum CodingKeys: String, CodingKey {
        case contract, marketName = "market_name", minTick = "min_tick", orderTypes = "order_types", validExchanges = "valid_exchanges"
        case priceMagnifier = "price_magnifier", longName = "long_name", timeZoneId = "time_zone_id", tradingHours = "trading_hours"
        case liquidHours = "liquid_hours", stockType = "stock_type", minSize = "min_size", sizeIncrement = "size_increment"
    }
}

/// One historical bar as HISTORICAL_DATA carries it (daily bars dated `yyyyMMdd`).
public struct TWSBar: Sendable, Hashable, Codable {
    public var date: String
    public var open: Double
    public var high: Double
    public var low: Double
    public var close: Double
    public var volume: Decimal?
    public var wap: Decimal?
    public var barCount: Int

    public init(date: String, open: Double, high: Double, low: Double, close: Double, volume: Decimal?, wap: Decimal?, barCount: Int) {
        self.date = date
        self.open = open
        self.high = high
        self.low = low
        self.close = close
        self.volume = volume
        self.wap = wap
        self.barCount = barCount
    }

    enum CodingKeys: String, CodingKey { case date, open, high, low, close, volume, wap, barCount = "bar_count" }
}
