import Foundation

/// OPEN_ORDER (in 5, 126 fields at 178) and COMPLETED_ORDER (in 101, 95 fields at 178) for plain
/// orders: field order is ibapi 10.50's `OrderDecoder` at server version 178.
public struct TWSOpenOrder: Sendable, Hashable, Codable {
    public var orderId: Int
    public var contract: TWSContract
    public var order: TWSOrder
    public var state: TWSOrderState

    public init(orderId: Int, contract: TWSContract, order: TWSOrder, state: TWSOrderState) {
        self.orderId = orderId
        self.contract = contract
        self.order = order
        self.state = state
    }

    enum CodingKeys: String, CodingKey { case orderId = "order_id", contract, order, state }

    static let uD = TWSWire.unsetDoubleJava
    static let uI = String(TWSWire.unsetInteger)

    /// Fields of OPEN_ORDER, message id first.
    public func openOrderFields() -> [String] {
        var w = TWSFieldWriter(messageId: TWSIncomingID.openOrder)
        let o = order
        w.add(orderId)
        contract.writeShort(&w)
        writeHead(&w)
        w.add(o.clientId); w.add(o.permId); w.add(o.outsideRth); w.add(o.hidden); w.add(0.0); w.add(o.goodAfterTime)
        w.add("")  // sharesAllocation
        w.add(""); w.add(""); w.add(""); w.add("")  // fa group/method/percentage, modelCode
        w.add(o.goodTillDate); w.add(""); w.add(Self.uD); w.add("")  // rule80A, percentOffset, settlingFirm
        w.add(0); w.add(""); w.add(-1)  // shortSaleSlot, designatedLocation, exemptCode
        w.add(0)  // auctionStrategy
        w.add(Self.uD); w.add(Self.uD); w.add(Self.uD)  // startingPrice, stockRefPrice, delta
        w.add(Self.uD); w.add(Self.uD)  // stockRangeLower/Upper
        w.add(0); w.add(false); w.add(false); w.add(o.allOrNone); w.add(Self.uI); w.add(o.ocaType)  // displaySize … ocaType
        w.add(false); w.add(false); w.add(Self.uD)  // eTradeOnly, firmQuoteOnly, nbboPriceCap
        w.add(o.parentId); w.add(0)  // parentId, triggerMethod
        w.add(Self.uD); w.add(0); w.add(""); w.add(Self.uD); w.add(false); w.add(0)  // volatility block
        w.add(Self.uD); w.add(Self.uD)  // trailStopPrice, trailingPercent
        w.add(Self.uD); w.add(Self.uI)  // basisPoints, basisPointsType
        w.add(""); w.add(0); w.add(0); w.add(0)  // comboLegsDescrip, comboLegsCount, orderComboLegsCount, smartComboRoutingParamsCount
        w.add(Self.uI); w.add(Self.uI); w.add(Self.uD)  // scale
        w.add("")  // hedgeType
        w.add(false); w.add(""); w.add(""); w.add(false); w.add(false)  // optOutSmartRouting, clearing x2, notHeld, deltaNeutralContract
        w.add("")  // algoStrategy
        w.add(false); w.add(o.whatIf)  // solicited, whatIf
        w.add(state.status)
        for _ in 0..<9 { w.add("") }  // margin before/change/after
        w.add(state.commission, unset: Self.uD); w.add(Self.uD); w.add(Self.uD)  // commission, min, max
        w.add(state.commissionCurrency); w.add(state.warningText)
        w.add(false); w.add(false)  // randomizeSize, randomizePrice
        w.add(0)  // conditionsCount
        w.add(""); w.add(Self.uD); w.add(Self.uD); w.add(Self.uD)  // adjustedOrderType, triggerPrice, trailStopPrice, lmtPriceOffset
        w.add(Self.uD); w.add(Self.uD); w.add(Self.uD); w.add(0)  // adjusted stop/stopLimit/trailingAmount, trailingUnit
        w.add(""); w.add(""); w.add("")  // softDollarTier
        w.add(Self.uD)  // cashQty
        w.add(false); w.add(false); w.add(false)  // dontUseAutoPriceForHedge, isOmsContainer, discretionaryUpToLimitPrice
        w.add("")  // usePriceMgmtAlgo
        w.add(Self.uI); w.add(""); w.add(false)  // duration, postToAts, autoCancelParent
        w.add(Self.uI); w.add(Self.uI); w.add(Self.uD); w.add(Self.uD); w.add(Self.uD)  // peg best/mid attributes
        return w.fields
    }

    private func writeHead(_ w: inout TWSFieldWriter) {
        let o = order
        w.add(o.action); w.add(o.totalQuantity); w.add(o.orderType)
        w.add(o.lmtPrice, unset: Self.uD); w.add(o.auxPrice, unset: Self.uD)
        w.add(o.tif); w.add(o.ocaGroup); w.add(o.account); w.add(o.openClose); w.add(o.origin); w.add(o.orderRef)
    }

    private static func readHead(_ r: inout TWSFieldReader) throws -> TWSOrder {
        var o = TWSOrder(action: try r.string("action"), totalQuantity: try r.decimal("totalQuantity"), orderType: try r.string("orderType"))
        o.lmtPrice = try r.optionalDouble("lmtPrice"); o.auxPrice = try r.optionalDouble("auxPrice")
        o.tif = try r.string("tif"); o.ocaGroup = try r.string("ocaGroup"); o.account = try r.string("account")
        o.openClose = try r.string("openClose"); o.origin = try r.int("origin"); o.orderRef = try r.string("orderRef")
        return o
    }

    /// Reads OPEN_ORDER (after the id). Combo legs, algos, conditions and other expansions are refused.
    public static func decodeOpenOrder(_ r: inout TWSFieldReader) throws -> TWSOpenOrder {
        let orderId = try r.int("orderId")
        let contract = try TWSContract.readShort(&r)
        var o = try readHead(&r)
        o.clientId = try r.int("clientId"); o.permId = try r.int("permId"); o.outsideRth = try r.bool("outsideRth")
        o.hidden = try r.bool("hidden"); try r.skip("discretionaryAmt"); o.goodAfterTime = try r.string("goodAfterTime")
        for n in ["sharesAllocation", "faGroup", "faMethod", "faPercentage", "modelCode"] { try r.skip(n) }
        o.goodTillDate = try r.string("goodTillDate")
        for n in ["rule80A", "percentOffset", "settlingFirm", "shortSaleSlot", "designatedLocation", "exemptCode", "auctionStrategy",
                  "startingPrice", "stockRefPrice", "delta", "stockRangeLower", "stockRangeUpper", "displaySize", "blockOrder", "sweepToFill"] {
            try r.skip(n)
        }
        o.allOrNone = try r.bool("allOrNone"); try r.skip("minQty"); o.ocaType = try r.int("ocaType")
        for n in ["eTradeOnly", "firmQuoteOnly", "nbboPriceCap"] { try r.skip(n) }
        o.parentId = try r.int("parentId"); try r.skip("triggerMethod")
        try r.skip("volatility"); try r.skip("volatilityType")
        try r.refuse(!(try r.string("deltaNeutralOrderType")).isEmpty, "delta-neutral orders")
        for n in ["deltaNeutralAuxPrice", "continuousUpdate", "referencePriceType", "trailStopPrice", "trailingPercent",
                  "basisPoints", "basisPointsType", "comboLegsDescrip"] { try r.skip(n) }
        try r.refuse(try r.int("comboLegsCount") != 0, "combo legs")
        try r.refuse(try r.int("orderComboLegsCount") != 0, "order combo legs")
        try r.refuse(try r.int("smartComboRoutingParamsCount") != 0, "smart combo routing params")
        try r.skip("scaleInitLevelSize"); try r.skip("scaleSubsLevelSize")
        try r.refuse((try r.optionalDouble("scalePriceIncrement") ?? 0) > 0, "scale orders")
        try r.refuse(!(try r.string("hedgeType")).isEmpty, "hedge orders")
        for n in ["optOutSmartRouting", "clearingAccount", "clearingIntent", "notHeld"] { try r.skip(n) }
        try r.refuse(try r.bool("deltaNeutralContract"), "delta-neutral contract")
        try r.refuse(!(try r.string("algoStrategy")).isEmpty, "algo orders")
        try r.skip("solicited"); o.whatIf = try r.bool("whatIf")
        var state = TWSOrderState(status: try r.string("status"))
        for i in 0..<9 { try r.skip("margin\(i)") }
        state.commission = try r.optionalDouble("commission"); try r.skip("minCommission"); try r.skip("maxCommission")
        state.commissionCurrency = try r.string("commissionCurrency"); state.warningText = try r.string("warningText")
        try r.skip("randomizeSize"); try r.skip("randomizePrice")
        try r.refuse(o.orderType == "PEG BENCH", "PEG BENCH orders")
        try r.refuse(try r.int("conditionsCount") != 0, "order conditions")
        for n in ["adjustedOrderType", "triggerPrice", "trailStopPrice", "lmtPriceOffset", "adjustedStopPrice", "adjustedStopLimitPrice",
                  "adjustedTrailingAmount", "adjustableTrailingUnit", "softDollarTier.name", "softDollarTier.value",
                  "softDollarTier.displayName", "cashQty", "dontUseAutoPriceForHedge", "isOmsContainer", "discretionaryUpToLimitPrice",
                  "usePriceMgmtAlgo", "duration", "postToAts", "autoCancelParent", "minTradeQty", "minCompeteSize",
                  "competeAgainstBestOffset", "midOffsetAtWhole", "midOffsetAtHalf"] { try r.skip(n) }
        return TWSOpenOrder(orderId: orderId, contract: contract, order: o, state: state)
    }

    /// Fields of COMPLETED_ORDER, message id first (there is no order id field in this message).
    public func completedOrderFields() -> [String] {
        var w = TWSFieldWriter(messageId: TWSIncomingID.completedOrder)
        let o = order
        contract.writeShort(&w)
        writeHead(&w)
        w.add(o.permId); w.add(o.outsideRth); w.add(o.hidden); w.add(0.0); w.add(o.goodAfterTime)
        w.add(""); w.add(""); w.add(""); w.add("")  // fa x3, modelCode
        w.add(o.goodTillDate); w.add(""); w.add(Self.uD); w.add("")  // rule80A, percentOffset, settlingFirm
        w.add(0); w.add(""); w.add(-1)  // short sale params
        w.add(Self.uD); w.add(Self.uD); w.add(Self.uD)  // box
        w.add(Self.uD); w.add(Self.uD)  // peg to stock
        w.add(0); w.add(false); w.add(o.allOrNone); w.add(Self.uI); w.add(o.ocaType); w.add(0)  // displaySize … triggerMethod
        w.add(Self.uD); w.add(0); w.add(""); w.add(Self.uD); w.add(false); w.add(0)  // volatility block
        w.add(Self.uD); w.add(Self.uD)  // trail
        w.add(""); w.add(0); w.add(0); w.add(0)  // combo legs, smart combo routing
        w.add(Self.uI); w.add(Self.uI); w.add(Self.uD)  // scale
        w.add("")  // hedgeType
        w.add(""); w.add(""); w.add(false); w.add(false); w.add("")  // clearing x2, notHeld, deltaNeutral, algoStrategy
        w.add(false)  // solicited
        w.add(state.status)
        w.add(false); w.add(false)  // randomize
        w.add(0)  // conditionsCount
        w.add(Self.uD); w.add(Self.uD)  // trailStopPrice, lmtPriceOffset
        w.add(Self.uD); w.add(false); w.add(false)  // cashQty, dontUseAutoPriceForHedge, isOmsContainer
        w.add(""); w.add(o.totalQuantity); w.add(0); w.add(false)  // autoCancelDate, filledQuantity, refFuturesConId, autoCancelParent
        w.add(""); w.add(false); w.add(false); w.add(0)  // shareholder, imbalanceOnly, routeMarketableToBbo, parentPermId
        w.add(state.completedTime); w.add(state.completedStatus)
        w.add(Self.uI); w.add(Self.uI); w.add(Self.uD); w.add(Self.uD); w.add(Self.uD)  // peg best/mid
        return w.fields
    }

    /// Reads COMPLETED_ORDER (after the id); `orderId` is 0 (the message has none).
    public static func decodeCompletedOrder(_ r: inout TWSFieldReader) throws -> TWSOpenOrder {
        let contract = try TWSContract.readShort(&r)
        var o = try readHead(&r)
        o.permId = try r.int("permId"); o.outsideRth = try r.bool("outsideRth"); o.hidden = try r.bool("hidden")
        try r.skip("discretionaryAmt"); o.goodAfterTime = try r.string("goodAfterTime")
        for n in ["faGroup", "faMethod", "faPercentage", "modelCode"] { try r.skip(n) }
        o.goodTillDate = try r.string("goodTillDate")
        for n in ["rule80A", "percentOffset", "settlingFirm", "shortSaleSlot", "designatedLocation", "exemptCode", "startingPrice",
                  "stockRefPrice", "delta", "stockRangeLower", "stockRangeUpper", "displaySize", "sweepToFill"] { try r.skip(n) }
        o.allOrNone = try r.bool("allOrNone"); try r.skip("minQty"); o.ocaType = try r.int("ocaType"); try r.skip("triggerMethod")
        try r.skip("volatility"); try r.skip("volatilityType")
        try r.refuse(!(try r.string("deltaNeutralOrderType")).isEmpty, "delta-neutral orders")
        for n in ["deltaNeutralAuxPrice", "continuousUpdate", "referencePriceType", "trailStopPrice", "trailingPercent",
                  "comboLegsDescrip"] { try r.skip(n) }
        try r.refuse(try r.int("comboLegsCount") != 0, "combo legs")
        try r.refuse(try r.int("orderComboLegsCount") != 0, "order combo legs")
        try r.refuse(try r.int("smartComboRoutingParamsCount") != 0, "smart combo routing params")
        try r.skip("scaleInitLevelSize"); try r.skip("scaleSubsLevelSize")
        try r.refuse((try r.optionalDouble("scalePriceIncrement") ?? 0) > 0, "scale orders")
        try r.refuse(!(try r.string("hedgeType")).isEmpty, "hedge orders")
        try r.skip("clearingAccount"); try r.skip("clearingIntent"); try r.skip("notHeld")
        try r.refuse(try r.bool("deltaNeutralContract"), "delta-neutral contract")
        try r.refuse(!(try r.string("algoStrategy")).isEmpty, "algo orders")
        try r.skip("solicited")
        var state = TWSOrderState(status: try r.string("status"))
        try r.skip("randomizeSize"); try r.skip("randomizePrice")
        try r.refuse(o.orderType == "PEG BENCH", "PEG BENCH orders")
        try r.refuse(try r.int("conditionsCount") != 0, "order conditions")
        for n in ["trailStopPrice", "lmtPriceOffset", "cashQty", "dontUseAutoPriceForHedge", "isOmsContainer", "autoCancelDate",
                  "filledQuantity", "refFuturesConId", "autoCancelParent", "shareholder", "imbalanceOnly", "routeMarketableToBbo",
                  "parentPermId"] { try r.skip(n) }
        state.completedTime = try r.string("completedTime"); state.completedStatus = try r.string("completedStatus")
        for n in ["minTradeQty", "minCompeteSize", "competeAgainstBestOffset", "midOffsetAtWhole", "midOffsetAtHalf"] { try r.skip(n) }
        return TWSOpenOrder(orderId: 0, contract: contract, order: o, state: state)
    }
}
