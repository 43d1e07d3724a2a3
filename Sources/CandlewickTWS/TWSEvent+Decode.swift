import Foundation

extension TWSEvent {
    /// Decodes a server message (client side). Unknown ids and malformed fields throw `TWSProtocolError`.
    public static func decode(_ fields: [String]) throws -> TWSEvent {
        typealias ID = TWSIncomingID
        var r = try TWSFieldReader(fields: fields)
        switch r.messageId {
        case ID.nextValidId: try r.skip("version"); return .nextValidId(try r.int("orderId"))
        case ID.managedAccounts:
            try r.skip("version")
            return .managedAccounts(try r.string("accounts").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        case ID.errorMessage:
            try r.skip("version")
            let id = try r.int("id"), code = try r.int("code"), message = try r.string("message")
            let json = r.remaining > 0 ? try r.string("advancedOrderRejectJson") : ""
            return .error(TWSError(id: id, code: code, message: message, advancedOrderRejectJson: json))
        case ID.currentTime: try r.skip("version"); return .currentTime(Int64(try r.int("time")))
        case ID.contractData: return try decodeContractData(&r)
        case ID.contractDataEnd: try r.skip("version"); return .contractDetailsEnd(reqId: try r.int("reqId"))
        case ID.historicalData:
            let reqId = try r.int("reqId"), start = try r.string("startDate"), end = try r.string("endDate")
            let n = try r.count("barCount", limit: max(0, r.remaining / 8))
            // Volume and WAP are -1 for data without trades (MIDPOINT etc.): read as nil.
            var bars: [TWSBar] = []
            bars.reserveCapacity(n)
            for _ in 0..<n {
                bars.append(TWSBar(date: try r.string("bar.date"), open: try r.double("bar.open"), high: try r.double("bar.high"),
                                   low: try r.double("bar.low"), close: try r.double("bar.close"),
                                   volume: try r.optionalDecimal("bar.volume").flatMap { $0 < 0 ? nil : $0 },
                                   wap: try r.optionalDecimal("bar.wap").flatMap { $0 < 0 ? nil : $0 }, barCount: try r.int("bar.barCount")))
            }
            return .historicalData(reqId: reqId, start: start, end: end, bars: bars)
        case ID.openOrder: return .openOrder(try TWSOpenOrder.decodeOpenOrder(&r))
        case ID.openOrderEnd: return .openOrderEnd
        case ID.completedOrder: return .completedOrder(try TWSOpenOrder.decodeCompletedOrder(&r))
        case ID.completedOrdersEnd: return .completedOrdersEnd
        case ID.orderStatus:
            return .orderStatus(TWSOrderStatus(
                orderId: try r.int("orderId"), status: try r.string("status"), filled: try r.decimal("filled"),
                remaining: try r.decimal("remaining"), avgFillPrice: try r.double("avgFillPrice"), permId: try r.int("permId"),
                parentId: try r.int("parentId"), lastFillPrice: try r.double("lastFillPrice"), clientId: try r.int("clientId"),
                whyHeld: try r.string("whyHeld"), mktCapPrice: try r.double("mktCapPrice")))
        case ID.executionData:
            let reqId = try r.int("reqId"), orderId = try r.int("orderId")
            let c = try TWSContract.readShort(&r)
            let execId = try r.string("execId"), time = try r.string("time"), acct = try r.string("acctNumber")
            let exch = try r.string("exchange"), side = try r.string("side"), shares = try r.decimal("shares"), price = try r.double("price")
            let permId = try r.int("permId"), clientId = try r.int("clientId")
            try r.skip("liquidation")
            let cum = try r.decimal("cumQty"), avg = try r.double("avgPrice"), ref = try r.string("orderRef")
            try r.skip("evRule"); try r.skip("evMultiplier"); try r.skip("modelCode")
            let liq = try r.int("lastLiquidity")
            try r.skip("pendingPriceRevision")
            return .execDetails(reqId: reqId, TWSExecution(orderId: orderId, contract: c, execId: execId, time: time, account: acct, exchange: exch,
                                                           side: side, shares: shares, price: price, permId: permId, clientId: clientId,
                                                           cumQty: cum, avgPrice: avg, orderRef: ref, lastLiquidity: liq))
        case ID.executionDataEnd: try r.skip("version"); return .execDetailsEnd(reqId: try r.int("reqId"))
        case ID.commissionReport:
            try r.skip("version")
            return .commissionReport(TWSCommissionReport(
                execId: try r.string("execId"), commission: try r.double("commission"), currency: try r.string("currency"),
                realizedPNL: try r.optionalDouble("realizedPNL"), yield: try r.optionalDouble("yield"),
                yieldRedemptionDate: try r.optionalInt("yieldRedemptionDate")))
        case ID.positionData:
            let version = try r.int("version")
            guard version >= 3 else {
                throw TWSProtocolError.badField(messageId: r.messageId, index: 1, name: "version", expected: "3", found: String(version))
            }
            let account = try r.string("account")
            let c = try TWSContract.readShort(&r)
            return .position(TWSPosition(account: account, contract: c, position: try r.decimal("position"), avgCost: try r.double("avgCost")))
        case ID.positionEnd: return .positionEnd
        case ID.accountSummary:
            try r.skip("version")
            return .accountSummary(reqId: try r.int("reqId"), account: try r.string("account"), tag: try r.string("tag"),
                                   value: try r.string("value"), currency: try r.string("currency"))
        case ID.accountSummaryEnd: try r.skip("version"); return .accountSummaryEnd(reqId: try r.int("reqId"))
        case ID.accountValue:
            try r.skip("version")
            return .accountValue(key: try r.string("key"), value: try r.string("value"), currency: try r.string("currency"), account: try r.string("account"))
        case ID.portfolioValue:
            try r.skip("version")
            // The short contract block, with the primary exchange where the others carry the exchange.
            var c = try TWSContract.readShort(&r)
            (c.primaryExchange, c.exchange) = (c.exchange, TWSContract(symbol: "").exchange)
            return .portfolioValue(contract: c, position: try r.decimal("position"), marketPrice: try r.double("marketPrice"),
                                   marketValue: try r.double("marketValue"), averageCost: try r.double("averageCost"),
                                   unrealizedPNL: try r.double("unrealizedPNL"), realizedPNL: try r.double("realizedPNL"), account: try r.string("account"))
        case ID.accountUpdateTime: try r.skip("version"); return .accountUpdateTime(try r.string("time"))
        case ID.headTimestamp: return .headTimestamp(reqId: try r.int("reqId"), timestamp: try r.string("headTimestamp"))
        case ID.accountDownloadEnd: try r.skip("version"); return .accountDownloadEnd(account: try r.string("account"))
        case ID.accountUpdateMultiEnd: try r.skip("version"); return .accountUpdateMultiEnd(reqId: try r.int("reqId"))
        default: throw TWSProtocolError.unknownMessage(id: fields[0], direction: "server→client")
        }
    }

    static func decodeContractData(_ r: inout TWSFieldReader) throws -> TWSEvent {
        let reqId = try r.int("reqId")
        var c = TWSContract(symbol: try r.string("symbol"))
        c.secType = try r.string("secType"); c.lastTradeDateOrContractMonth = try r.string("lastTradeDateOrContractMonth")
        c.strike = try r.optionalDouble("strike").flatMap { $0 == 0 ? nil : $0 }
        c.right = try r.string("right"); c.exchange = try r.string("exchange"); c.currency = try r.string("currency")
        c.localSymbol = try r.string("localSymbol")
        var d = TWSContractDetails(contract: c)
        d.marketName = try r.string("marketName"); d.contract.tradingClass = try r.string("tradingClass"); d.contract.conId = try r.int("conId")
        d.minTick = try r.double("minTick"); d.contract.multiplier = try r.string("multiplier"); d.orderTypes = try r.string("orderTypes")
        d.validExchanges = try r.string("validExchanges"); d.priceMagnifier = try r.int("priceMagnifier"); try r.skip("underConId")
        d.longName = try r.string("longName"); d.contract.primaryExchange = try r.string("primaryExchange")
        for n in ["contractMonth", "industry", "category", "subcategory"] { try r.skip(n) }
        d.timeZoneId = try r.string("timeZoneId"); d.tradingHours = try r.string("tradingHours"); d.liquidHours = try r.string("liquidHours")
        try r.skip("evRule"); try r.skip("evMultiplier")
        let n = try r.count("secIdListCount", limit: 1000)
        for _ in 0..<n { try r.skip("secId.tag"); try r.skip("secId.value") }
        for n in ["aggGroup", "underSymbol", "underSecType", "marketRuleIds", "realExpirationDate"] { try r.skip(n) }
        d.stockType = try r.string("stockType"); d.minSize = try r.decimal("minSize"); d.sizeIncrement = try r.decimal("sizeIncrement")
        try r.skip("suggestedSizeIncrement")
        return .contractDetails(reqId: reqId, d)
    }
}
