import Foundation

/// A server → client message at server version 178. `fields()` is what the paper gateway sends
/// (checked against ibapi's decoder); `decode(_:)` is the client side (gateway-bridge).
public enum TWSEvent: Sendable, Hashable {
    case nextValidId(Int)
    case managedAccounts([String])
    case error(TWSError)
    case currentTime(Int64)
    case contractDetails(reqId: Int, TWSContractDetails)
    case contractDetailsEnd(reqId: Int)
    /// At 178 the end of the bars is implicit (ibapi calls `historicalDataEnd(reqId, start, end)` after this message).
    case historicalData(reqId: Int, start: String, end: String, bars: [TWSBar])
    case openOrder(TWSOpenOrder)
    case openOrderEnd
    case completedOrder(TWSOpenOrder)
    case completedOrdersEnd
    case orderStatus(TWSOrderStatus)
    case execDetails(reqId: Int, TWSExecution)
    case execDetailsEnd(reqId: Int)
    case commissionReport(TWSCommissionReport)
    case position(TWSPosition)
    case positionEnd
    case accountSummary(reqId: Int, account: String, tag: String, value: String, currency: String)
    case accountSummaryEnd(reqId: Int)
    case accountDownloadEnd(account: String)
    case accountUpdateMultiEnd(reqId: Int)
    /// ACCT_VALUE (6): one account value of a reqAccountUpdates subscription.
    case accountValue(key: String, value: String, currency: String, account: String)
    /// PORTFOLIO_VALUE (7): one position of a reqAccountUpdates subscription, marked at `marketPrice`.
    case portfolioValue(contract: TWSContract, position: Decimal, marketPrice: Double, marketValue: Double, averageCost: Double,
                        unrealizedPNL: Double, realizedPNL: Double, account: String)
    /// ACCT_UPDATE_TIME (8): `HH:mm` of the account snapshot.
    case accountUpdateTime(String)
    /// HEAD_TIMESTAMP (88): the earliest data point of reqHeadTimeStamp.
    case headTimestamp(reqId: Int, timestamp: String)

    static let uD = TWSWire.unsetDoubleJava

    /// The message's fields, id first.
    public func fields() -> [String] {
        typealias ID = TWSIncomingID
        switch self {
        case .nextValidId(let id): return [String(ID.nextValidId), "1", String(id)]
        case .managedAccounts(let a): return [String(ID.managedAccounts), "1", a.joined(separator: ",")]
        case .error(let e): return [String(ID.errorMessage), "2", String(e.id), String(e.code), e.message, e.advancedOrderRejectJson]
        case .currentTime(let t): return [String(ID.currentTime), "1", String(t)]
        case .contractDetails(let reqId, let d):
            var w = TWSFieldWriter(messageId: ID.contractData)
            let c = d.contract
            w.add(reqId); w.add(c.symbol); w.add(c.secType); w.add(c.lastTradeDateOrContractMonth); w.add(c.strike ?? 0); w.add(c.right)
            w.add(c.exchange); w.add(c.currency); w.add(c.localSymbol); w.add(d.marketName); w.add(c.tradingClass); w.add(c.conId)
            w.add(d.minTick); w.add(c.multiplier); w.add(d.orderTypes); w.add(d.validExchanges); w.add(d.priceMagnifier); w.add(0)
            w.add(d.longName); w.add(c.primaryExchange)
            for _ in 0..<4 { w.add("") }  // contractMonth, industry, category, subcategory
            w.add(d.timeZoneId); w.add(d.tradingHours); w.add(d.liquidHours); w.add(""); w.add("")  // evRule, evMultiplier
            w.add(0)  // secIdListCount
            w.add(1); w.add(""); w.add(""); w.add(""); w.add("")  // aggGroup, underSymbol, underSecType, marketRuleIds, realExpirationDate
            w.add(d.stockType); w.add(d.minSize); w.add(d.sizeIncrement); w.add(d.sizeIncrement)
            return w.fields
        case .contractDetailsEnd(let reqId): return [String(ID.contractDataEnd), "1", String(reqId)]
        case .historicalData(let reqId, let start, let end, let bars):
            var w = TWSFieldWriter(messageId: ID.historicalData)
            w.add(reqId); w.add(start); w.add(end); w.add(bars.count)
            for b in bars {
                w.add(b.date); w.add(b.open); w.add(b.high); w.add(b.low); w.add(b.close)
                w.add(b.volume, unset: "-1"); w.add(b.wap, unset: "-1"); w.add(b.barCount)
            }
            return w.fields
        case .openOrder(let o): return o.openOrderFields()
        case .openOrderEnd: return [String(ID.openOrderEnd), "1"]
        case .completedOrder(let o): return o.completedOrderFields()
        case .completedOrdersEnd: return [String(ID.completedOrdersEnd)]
        case .orderStatus(let s):
            var w = TWSFieldWriter(messageId: ID.orderStatus)
            w.add(s.orderId); w.add(s.status); w.add(s.filled); w.add(s.remaining); w.add(s.avgFillPrice); w.add(s.permId)
            w.add(s.parentId); w.add(s.lastFillPrice); w.add(s.clientId); w.add(s.whyHeld); w.add(s.mktCapPrice)
            return w.fields
        case .execDetails(let reqId, let e):
            var w = TWSFieldWriter(messageId: ID.executionData)
            w.add(reqId); w.add(e.orderId)
            e.contract.writeShort(&w)
            w.add(e.execId); w.add(e.time); w.add(e.account); w.add(e.exchange); w.add(e.side); w.add(e.shares); w.add(e.price)
            w.add(e.permId); w.add(e.clientId); w.add(0); w.add(e.cumQty); w.add(e.avgPrice); w.add(e.orderRef)
            w.add(""); w.add(Self.uD); w.add(""); w.add(e.lastLiquidity); w.add(false)  // evRule, evMultiplier, modelCode, lastLiquidity, pendingPriceRevision
            return w.fields
        case .execDetailsEnd(let reqId): return [String(ID.executionDataEnd), "1", String(reqId)]
        case .commissionReport(let c):
            var w = TWSFieldWriter(messageId: ID.commissionReport)
            w.add(1); w.add(c.execId); w.add(c.commission); w.add(c.currency)
            w.add(c.realizedPNL, unset: Self.uD); w.add(c.yield, unset: Self.uD)
            w.add(c.yieldRedemptionDate.map(String.init) ?? String(TWSWire.unsetInteger))
            return w.fields
        case .position(let p):
            var w = TWSFieldWriter(messageId: ID.positionData)
            w.add(3); w.add(p.account)
            p.contract.writeShort(&w)
            w.add(p.position); w.add(p.avgCost)
            return w.fields
        case .positionEnd: return [String(ID.positionEnd), "1"]
        case .accountSummary(let reqId, let account, let tag, let value, let currency):
            return [String(ID.accountSummary), "1", String(reqId), account, tag, value, currency]
        case .accountSummaryEnd(let reqId): return [String(ID.accountSummaryEnd), "1", String(reqId)]
        case .accountDownloadEnd(let account): return [String(ID.accountDownloadEnd), "1", account]
        case .accountUpdateMultiEnd(let reqId): return [String(ID.accountUpdateMultiEnd), "1", String(reqId)]
        case .accountValue(let k, let v, let cur, let acct): return [String(ID.accountValue), "2", k, v, cur, acct]
        case .portfolioValue(let c, let pos, let price, let value, let avg, let unreal, let real, let acct):
            var w = TWSFieldWriter(messageId: ID.portfolioValue)
            var short = c
            short.exchange = c.primaryExchange  // this message's block carries the primary exchange in the exchange slot
            w.add(8)
            short.writeShort(&w)
            w.add(pos); w.add(price); w.add(value); w.add(avg); w.add(unreal); w.add(real); w.add(acct)
            return w.fields
        case .accountUpdateTime(let t): return [String(ID.accountUpdateTime), "1", t]
        case .headTimestamp(let reqId, let t): return [String(ID.headTimestamp), String(reqId), t]
        }
    }

    /// The framed bytes.
    public func frame() throws -> Data { try TWSFraming.frame(fields()) }
}
