import Foundation

/// The order attributes Candlewick uses (a subset of `ibapi.order.Order`); every other attribute
/// of the 113-field placeOrder layout is sent with ibapi's default value.
public struct TWSOrder: Sendable, Hashable, Codable {
    /// BUY or SELL (SSHORT is refused by the paper gateway).
    public var action: String
    public var totalQuantity: Decimal
    /// MKT, LMT, STP or STP LMT.
    public var orderType: String
    public var lmtPrice: Double?
    public var auxPrice: Double?
    /// DAY, GTC, IOC, …
    public var tif: String
    public var ocaGroup: String
    /// 0 unset, 1 cancel others with block, 2 reduce with block, 3 reduce non-block.
    public var ocaType: Int
    public var account: String
    public var openClose: String
    /// 0 customer.
    public var origin: Int
    public var orderRef: String
    public var transmit: Bool
    public var parentId: Int
    public var outsideRth: Bool
    public var hidden: Bool
    public var goodAfterTime: String
    public var goodTillDate: String
    public var allOrNone: Bool
    public var whatIf: Bool
    /// Set by the server in OPEN_ORDER: the placing client and the permanent id.
    public var clientId: Int
    public var permId: Int

    public init(action: String, totalQuantity: Decimal, orderType: String, lmtPrice: Double? = nil, auxPrice: Double? = nil,
                tif: String = "DAY", ocaGroup: String = "", ocaType: Int = 0, account: String = "", openClose: String = "",
                origin: Int = 0, orderRef: String = "", transmit: Bool = true, parentId: Int = 0, outsideRth: Bool = false,
                hidden: Bool = false, goodAfterTime: String = "", goodTillDate: String = "", allOrNone: Bool = false,
                whatIf: Bool = false, clientId: Int = 0, permId: Int = 0) {
        self.action = action
        self.totalQuantity = totalQuantity
        self.orderType = orderType
        self.lmtPrice = lmtPrice
        self.auxPrice = auxPrice
        self.tif = tif
        self.ocaGroup = ocaGroup
        self.ocaType = ocaType
        self.account = account
        self.openClose = openClose
        self.origin = origin
        self.orderRef = orderRef
        self.transmit = transmit
        self.parentId = parentId
        self.outsideRth = outsideRth
        self.hidden = hidden
        self.goodAfterTime = goodAfterTime
        self.goodTillDate = goodTillDate
        self.allOrNone = allOrNone
        self.whatIf = whatIf
        self.clientId = clientId
        self.permId = permId
    }

    enum CodingKeys: String, CodingKey {
        case action, totalQuantity = "total_quantity", orderType = "order_type", lmtPrice = "lmt_price", auxPrice = "aux_price", tif
        case ocaGroup = "oca_group", ocaType = "oca_type", account, openClose = "open_close", origin, orderRef = "order_ref", transmit
        case parentId = "parent_id", outsideRth = "outside_rth", hidden, goodAfterTime = "good_after_time", goodTillDate = "good_till_date"
        case allOrNone = "all_or_none", whatIf = "what_if", clientId = "client_id", permId = "perm_id"
    }
}

/// A placeOrder request: order id, contract, order, and the names of attributes outside our subset
/// that the sender set (algos, conditions, scale, …). A server refuses an order whose `unsupported` is not empty.
public struct TWSPlaceOrder: Sendable, Hashable {
    public var orderId: Int
    public var contract: TWSContract
    public var order: TWSOrder
    public var unsupported: [String]

    public init(orderId: Int, contract: TWSContract, order: TWSOrder, unsupported: [String] = []) {
        self.orderId = orderId
        self.contract = contract
        self.order = order
        self.unsupported = unsupported
    }
}

/// An order's state as OPEN_ORDER / COMPLETED_ORDER carry it.
public struct TWSOrderState: Sendable, Hashable, Codable {
    public var status: String
    public var commission: Double?
    public var commissionCurrency: String
    public var warningText: String
    /// COMPLETED_ORDER only.
    public var completedTime: String
    public var completedStatus: String

    public init(status: String, commission: Double? = nil, commissionCurrency: String = "", warningText: String = "",
                completedTime: String = "", completedStatus: String = "") {
        self.status = status
        self.commission = commission
        self.commissionCurrency = commissionCurrency
        self.warningText = warningText
        self.completedTime = completedTime
        self.completedStatus = completedStatus
    }

    enum CodingKeys: String, CodingKey {
        case status, commission, commissionCurrency = "commission_currency", warningText = "warning_text"
        case completedTime = "completed_time", completedStatus = "completed_status"
    }
}
