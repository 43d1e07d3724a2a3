import Foundation

/// placeOrder (out 3) at server version 178: 113 fields after the id, no VERSION (≥145).
/// Field order and default values are those of ibapi 10.50 (`EClient.placeOrder`).
extension TWSPlaceOrder {
    static let u = TWSWire.unsetDoublePython
    static let uInt = String(TWSWire.unsetInteger)

    /// The fields, message id first.
    public func fields() -> [String] {
        var w = TWSFieldWriter(messageId: TWSOutgoingID.placeOrder)
        let o = order
        w.add(orderId)
        contract.writeRequestHead(&w)
        w.add(contract.secIdType); w.add(contract.secId)
        w.add(o.action); w.add(o.totalQuantity); w.add(o.orderType); w.add(o.lmtPrice); w.add(o.auxPrice)
        w.add(o.tif); w.add(o.ocaGroup); w.add(o.account); w.add(o.openClose); w.add(o.origin); w.add(o.orderRef)
        w.add(o.transmit); w.add(o.parentId)
        w.add(false); w.add(false); w.add(0); w.add(0)  // blockOrder, sweepToFill, displaySize, triggerMethod
        w.add(o.outsideRth); w.add(o.hidden)
        w.add("")  // sharesAllocation
        w.add(0)  // discretionaryAmt
        w.add(o.goodAfterTime); w.add(o.goodTillDate)
        for _ in 0..<4 { w.add("") }  // faGroup, faMethod, faPercentage, modelCode
        w.add(0); w.add(""); w.add(-1)  // shortSaleSlot, designatedLocation, exemptCode
        w.add(o.ocaType)
        w.add(""); w.add("")  // rule80A, settlingFirm
        w.add(o.allOrNone)
        w.add(""); w.add("")  // minQty, percentOffset
        w.add(false); w.add(false); w.add("")  // eTradeOnly, firmQuoteOnly, nbboPriceCap
        w.add(0)  // auctionStrategy
        for _ in 0..<5 { w.add("") }  // startingPrice, stockRefPrice, delta, stockRangeLower, stockRangeUpper
        w.add(false)  // overridePercentageConstraints
        for _ in 0..<4 { w.add("") }  // volatility, volatilityType, deltaNeutralOrderType, deltaNeutralAuxPrice
        w.add(false)  // continuousUpdate
        for _ in 0..<6 { w.add("") }  // referencePriceType, trailStopPrice, trailingPercent, scaleInit, scaleSubs, scalePriceIncrement
        for _ in 0..<4 { w.add("") }  // scaleTable, activeStartTime, activeStopTime, hedgeType
        w.add(false); w.add(""); w.add("")  // optOutSmartRouting, clearingAccount, clearingIntent
        w.add(false); w.add(false)  // notHeld, deltaNeutralContract present
        w.add(""); w.add("")  // algoStrategy, algoId
        w.add(o.whatIf)
        w.add("")  // orderMiscOptions
        w.add(false); w.add(false); w.add(false)  // solicited, randomizeSize, randomizePrice
        w.add(0)  // conditionsCount
        w.add("")  // adjustedOrderType
        for _ in 0..<5 { w.add(Self.u) }  // triggerPrice, lmtPriceOffset, adjustedStopPrice, adjustedStopLimitPrice, adjustedTrailingAmount
        w.add(0)  // adjustableTrailingUnit
        w.add(""); w.add(""); w.add("")  // extOperator, softDollarTier name, value
        w.add(Self.u)  // cashQty
        for _ in 0..<4 { w.add("") }  // mifid2 x4
        w.add(false); w.add(false)  // dontUseAutoPriceForHedge, isOmsContainer
        w.add(false)  // discretionaryUpToLimitPrice
        w.add("")  // usePriceMgmtAlgo
        w.add(Self.uInt); w.add(Self.uInt)  // duration, postToAts
        w.add(false)  // autoCancelParent
        w.add(""); w.add("")  // advancedErrorOverride, manualOrderTime
        return w.fields
    }

    /// Reads a placeOrder message; attributes outside our subset are collected in `unsupported`.
    public static func decode(_ r: inout TWSFieldReader) throws -> TWSPlaceOrder {
        var unsupported: [String] = []
        func note(_ cond: Bool, _ name: String) { if cond { unsupported.append(name) } }
        let orderId = try r.int("orderId")
        var c = try TWSContract.readRequestHead(&r)
        c.secIdType = try r.string("secIdType"); c.secId = try r.string("secId")
        var o = TWSOrder(action: try r.string("action"), totalQuantity: try r.decimal("totalQuantity"), orderType: try r.string("orderType"))
        o.lmtPrice = try r.optionalDouble("lmtPrice"); o.auxPrice = try r.optionalDouble("auxPrice")
        o.tif = try r.string("tif"); o.ocaGroup = try r.string("ocaGroup"); o.account = try r.string("account")
        o.openClose = try r.string("openClose"); o.origin = try r.int("origin"); o.orderRef = try r.string("orderRef")
        o.transmit = try r.bool("transmit"); o.parentId = try r.int("parentId")
        note(try r.bool("blockOrder"), "blockOrder"); note(try r.bool("sweepToFill"), "sweepToFill")
        note(try r.int("displaySize") != 0, "displaySize"); note(try r.int("triggerMethod") != 0, "triggerMethod")
        o.outsideRth = try r.bool("outsideRth"); o.hidden = try r.bool("hidden")
        if c.secType == "BAG" { throw TWSProtocolError.unsupported(messageId: r.messageId, feature: "combo (BAG) orders") }
        try r.skip("sharesAllocation")
        note((try r.optionalDouble("discretionaryAmt") ?? 0) != 0, "discretionaryAmt")
        o.goodAfterTime = try r.string("goodAfterTime"); o.goodTillDate = try r.string("goodTillDate")
        for name in ["faGroup", "faMethod", "faPercentage", "modelCode"] { note(!(try r.string(name)).isEmpty, name) }
        try r.skip("shortSaleSlot"); try r.skip("designatedLocation"); try r.skip("exemptCode")
        o.ocaType = try r.int("ocaType")
        try r.skip("rule80A"); try r.skip("settlingFirm")
        o.allOrNone = try r.bool("allOrNone")
        note(try r.optionalInt("minQty") != nil, "minQty"); note(try r.optionalDouble("percentOffset") != nil, "percentOffset")
        for name in ["eTradeOnly", "firmQuoteOnly", "nbboPriceCap", "auctionStrategy", "startingPrice", "stockRefPrice", "delta",
                     "stockRangeLower", "stockRangeUpper", "overridePercentageConstraints"] { try r.skip(name) }
        note(try r.optionalDouble("volatility") != nil, "volatility"); try r.skip("volatilityType")
        let dnType = try r.string("deltaNeutralOrderType"); try r.skip("deltaNeutralAuxPrice")
        if !dnType.isEmpty {
            note(true, "deltaNeutralOrder")
            for name in ["dnConId", "dnSettlingFirm", "dnClearingAccount", "dnClearingIntent", "dnOpenClose", "dnShortSale",
                         "dnShortSaleSlot", "dnDesignatedLocation"] { try r.skip(name) }
        }
        try r.skip("continuousUpdate"); try r.skip("referencePriceType")
        note(try r.optionalDouble("trailStopPrice") != nil, "trailStopPrice"); note(try r.optionalDouble("trailingPercent") != nil, "trailingPercent")
        note(try r.optionalInt("scaleInitLevelSize") != nil, "scale"); try r.skip("scaleSubsLevelSize")
        if let inc = try r.optionalDouble("scalePriceIncrement"), inc > 0 {
            note(true, "scale")
            for i in 0..<7 { try r.skip("scaleParam\(i)") }
        }
        try r.skip("scaleTable"); try r.skip("activeStartTime"); try r.skip("activeStopTime")
        if !(try r.string("hedgeType")).isEmpty { note(true, "hedge"); try r.skip("hedgeParam") }
        try r.skip("optOutSmartRouting"); try r.skip("clearingAccount"); try r.skip("clearingIntent"); try r.skip("notHeld")
        if try r.bool("deltaNeutralContract") {
            note(true, "deltaNeutralContract")
            try r.skip("dnc.conId"); try r.skip("dnc.delta"); try r.skip("dnc.price")
        }
        if !(try r.string("algoStrategy")).isEmpty {
            note(true, "algoStrategy")
            let n = try r.count("algoParamsCount", limit: 1000)
            for _ in 0..<n { try r.skip("algoParam.tag"); try r.skip("algoParam.value") }
        }
        try r.skip("algoId")
        o.whatIf = try r.bool("whatIf")
        try r.skip("orderMiscOptions"); try r.skip("solicited"); try r.skip("randomizeSize"); try r.skip("randomizePrice")
        if o.orderType == "PEG BENCH" { throw TWSProtocolError.unsupported(messageId: r.messageId, feature: "PEG BENCH orders") }
        let conditions = try r.count("conditionsCount", limit: 1000)
        if conditions > 0 { throw TWSProtocolError.unsupported(messageId: r.messageId, feature: "order conditions") }
        for name in ["adjustedOrderType", "triggerPrice", "lmtPriceOffset", "adjustedStopPrice", "adjustedStopLimitPrice",
                     "adjustedTrailingAmount", "adjustableTrailingUnit", "extOperator", "softDollarTier.name", "softDollarTier.value"] {
            try r.skip(name)
        }
        note(try r.optionalDouble("cashQty") != nil, "cashQty")
        for name in ["mifid2DecisionMaker", "mifid2DecisionAlgo", "mifid2ExecutionTrader", "mifid2ExecutionAlgo",
                     "dontUseAutoPriceForHedge", "isOmsContainer", "discretionaryUpToLimitPrice", "usePriceMgmtAlgo", "duration",
                     "postToAts", "autoCancelParent", "advancedErrorOverride", "manualOrderTime"] { try r.skip(name) }
        return TWSPlaceOrder(orderId: orderId, contract: c, order: o, unsupported: unsupported)
    }
}
