import Foundation

/// reqHistoricalData parameters (daily bars are what Candlewick asks for: `"1 day"`, useRTH, formatDate 1).
public struct TWSHistoricalDataRequest: Sendable, Hashable, Codable {
    public var reqId: Int
    public var contract: TWSContract
    /// `""` = now, or `yyyyMMdd HH:mm:ss <tz>` / `yyyyMMdd-HH:mm:ss`.
    public var endDateTime: String
    /// e.g. `"200 D"`, `"1 Y"`.
    public var durationStr: String
    /// e.g. `"1 day"`.
    public var barSizeSetting: String
    public var whatToShow: String
    public var useRTH: Bool
    public var formatDate: Int
    public var keepUpToDate: Bool
    public var chartOptions: String

    public init(reqId: Int, contract: TWSContract, endDateTime: String = "", durationStr: String, barSizeSetting: String = "1 day",
                whatToShow: String = "TRADES", useRTH: Bool = true, formatDate: Int = 1, keepUpToDate: Bool = false, chartOptions: String = "") {
        self.reqId = reqId
        self.contract = contract
        self.endDateTime = endDateTime
        self.durationStr = durationStr
        self.barSizeSetting = barSizeSetting
        self.whatToShow = whatToShow
        self.useRTH = useRTH
        self.formatDate = formatDate
        self.keepUpToDate = keepUpToDate
        self.chartOptions = chartOptions
    }

    enum CodingKeys: String, CodingKey {
        case reqId = "req_id", contract, endDateTime = "end_date_time", durationStr = "duration", barSizeSetting = "bar_size"
        case whatToShow = "what_to_show", useRTH = "use_rth", formatDate = "format_date", keepUpToDate = "keep_up_to_date"
        case chartOptions = "chart_options"
    }
}

/// reqExecutions filter (default: everything).
public struct TWSExecutionFilter: Sendable, Hashable, Codable {
    public var clientId: Int
    public var acctCode: String
    public var time: String
    public var symbol: String
    public var secType: String
    public var exchange: String
    public var side: String

    public init(clientId: Int = 0, acctCode: String = "", time: String = "", symbol: String = "", secType: String = "",
                exchange: String = "", side: String = "") {
        self.clientId = clientId
        self.acctCode = acctCode
        self.time = time
        self.symbol = symbol
        self.secType = secType
        self.exchange = exchange
        self.side = side
    }

    enum CodingKeys: String, CodingKey { case clientId = "client_id", acctCode = "acct_code", time, symbol, secType = "sec_type", exchange, side }
}

/// ORDER_STATUS (in 3, 11 fields at 178).
public struct TWSOrderStatus: Sendable, Hashable, Codable {
    public var orderId: Int
    public var status: String
    public var filled: Decimal
    public var remaining: Decimal
    public var avgFillPrice: Double
    public var permId: Int
    public var parentId: Int
    public var lastFillPrice: Double
    public var clientId: Int
    public var whyHeld: String
    public var mktCapPrice: Double

    public init(orderId: Int, status: String, filled: Decimal, remaining: Decimal, avgFillPrice: Double, permId: Int, parentId: Int,
                lastFillPrice: Double, clientId: Int, whyHeld: String = "", mktCapPrice: Double = 0) {
        self.orderId = orderId
        self.status = status
        self.filled = filled
        self.remaining = remaining
        self.avgFillPrice = avgFillPrice
        self.permId = permId
        self.parentId = parentId
        self.lastFillPrice = lastFillPrice
        self.clientId = clientId
        self.whyHeld = whyHeld
        self.mktCapPrice = mktCapPrice
    }

    enum CodingKeys: String, CodingKey {
        case orderId = "order_id", status, filled, remaining, avgFillPrice = "avg_fill_price", permId = "perm_id", parentId = "parent_id"
        case lastFillPrice = "last_fill_price", clientId = "client_id", whyHeld = "why_held", mktCapPrice = "mkt_cap_price"
    }
}

/// EXECUTION_DATA (in 11, 31 fields at 178) without the request id.
public struct TWSExecution: Sendable, Hashable, Codable {
    public var orderId: Int
    public var contract: TWSContract
    public var execId: String
    /// `yyyyMMdd HH:mm:ss <tz>`.
    public var time: String
    public var account: String
    public var exchange: String
    /// BOT or SLD.
    public var side: String
    public var shares: Decimal
    public var price: Double
    public var permId: Int
    public var clientId: Int
    public var cumQty: Decimal
    public var avgPrice: Double
    public var orderRef: String
    /// 1 added, 2 removed, 3 routed out.
    public var lastLiquidity: Int

    public init(orderId: Int, contract: TWSContract, execId: String, time: String, account: String, exchange: String, side: String,
                shares: Decimal, price: Double, permId: Int, clientId: Int, cumQty: Decimal, avgPrice: Double, orderRef: String,
                lastLiquidity: Int = 2) {
        self.orderId = orderId
        self.contract = contract
        self.execId = execId
        self.time = time
        self.account = account
        self.exchange = exchange
        self.side = side
        self.shares = shares
        self.price = price
        self.permId = permId
        self.clientId = clientId
        self.cumQty = cumQty
        self.avgPrice = avgPrice
        self.orderRef = orderRef
        self.lastLiquidity = lastLiquidity
    }

    enum CodingKeys: String, CodingKey {
        case orderId = "order_id", contract, execId = "exec_id", time, account, exchange, side, shares, price, permId = "perm_id"
        case clientId = "client_id", cumQty = "cum_qty", avgPrice = "avg_price", orderRef = "order_ref", lastLiquidity = "last_liquidity"
    }
}

/// COMMISSION_REPORT (in 59).
public struct TWSCommissionReport: Sendable, Hashable, Codable {
    public var execId: String
    public var commission: Double
    public var currency: String
    /// nil = unset (opening fills).
    public var realizedPNL: Double?
    public var yield: Double?
    public var yieldRedemptionDate: Int?

    public init(execId: String, commission: Double, currency: String, realizedPNL: Double? = nil, yield: Double? = nil, yieldRedemptionDate: Int? = nil) {
        self.execId = execId
        self.commission = commission
        self.currency = currency
        self.realizedPNL = realizedPNL
        self.yield = yield
        self.yieldRedemptionDate = yieldRedemptionDate
    }

    enum CodingKeys: String, CodingKey {
        case execId = "exec_id", commission, currency, realizedPNL = "realized_pnl", yield, yieldRedemptionDate = "yield_redemption_date"
    }
}

/// POSITION_DATA (in 61, version 3).
public struct TWSPosition: Sendable, Hashable, Codable {
    public var account: String
    public var contract: TWSContract
    public var position: Decimal
    public var avgCost: Double

    public init(account: String, contract: TWSContract, position: Decimal, avgCost: Double) {
        self.account = account
        self.contract = contract
        self.position = position
        self.avgCost = avgCost
    }

    enum CodingKeys: String, CodingKey { case account, contract, position, avgCost = "avg_cost" }
}

/// ERR_MSG (in 4). At 178 the layout is `4, 2(v), id, code, message, advancedOrderRejectJson`;
/// `errorTime` (epoch ms) only exists on the wire from version 194, so it is nil at 178.
public struct TWSError: Sendable, Hashable, Codable {
    /// Request or order id; −1 for system notices.
    public var id: Int
    public var code: Int
    public var message: String
    public var advancedOrderRejectJson: String
    public var errorTime: Int64?

    public init(id: Int, code: Int, message: String, advancedOrderRejectJson: String = "", errorTime: Int64? = nil) {
        self.id = id
        self.code = code
        self.message = message
        self.advancedOrderRejectJson = advancedOrderRejectJson
        self.errorTime = errorTime
    }

    enum CodingKeys: String, CodingKey { case id, code, message, advancedOrderRejectJson = "advanced_order_reject_json", errorTime = "error_time" }
}
