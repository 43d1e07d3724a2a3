import Foundation

/// A client → server message at server version 178. `fields()` encodes exactly what ibapi 10.50
/// sends for the same call; `decode(_:)` is the server side.
public enum TWSRequest: Sendable, Hashable {
    case startApi(clientId: Int, optionalCapabilities: String)
    case reqIds(numIds: Int)
    case reqCurrentTime
    case reqManagedAccounts
    case reqContractDetails(reqId: Int, contract: TWSContract)
    case reqHistoricalData(TWSHistoricalDataRequest)
    case cancelHistoricalData(reqId: Int)
    case placeOrder(TWSPlaceOrder)
    case cancelOrder(orderId: Int, manualOrderCancelTime: String)
    case reqGlobalCancel
    case reqOpenOrders
    case reqAllOpenOrders
    case reqAutoOpenOrders(autoBind: Bool)
    case reqCompletedOrders(apiOnly: Bool)
    case reqExecutions(reqId: Int, filter: TWSExecutionFilter)
    case reqPositions
    case cancelPositions
    case reqAccountSummary(reqId: Int, group: String, tags: String)
    case cancelAccountSummary(reqId: Int)
    case reqAccountUpdates(subscribe: Bool, account: String)
    case reqMarketDataType(Int)
    /// Sent by ib_async while connecting; ib-paper answers with the END marker only.
    case reqAccountUpdatesMulti(reqId: Int, account: String, modelCode: String, ledgerAndNLV: Bool)
    case cancelAccountUpdatesMulti(reqId: Int)
    /// reqHeadTimeStamp (87): the first date a contract has data for.
    case reqHeadTimestamp(reqId: Int, contract: TWSContract, useRTH: Bool, whatToShow: String, formatDate: Int)

    /// A short name for logs.
    public var name: String {
        switch self {
        case .startApi: "startApi"
        case .reqIds: "reqIds"
        case .reqCurrentTime: "reqCurrentTime"
        case .reqManagedAccounts: "reqManagedAccts"
        case .reqContractDetails: "reqContractDetails"
        case .reqHistoricalData: "reqHistoricalData"
        case .cancelHistoricalData: "cancelHistoricalData"
        case .placeOrder: "placeOrder"
        case .cancelOrder: "cancelOrder"
        case .reqGlobalCancel: "reqGlobalCancel"
        case .reqOpenOrders: "reqOpenOrders"
        case .reqAllOpenOrders: "reqAllOpenOrders"
        case .reqAutoOpenOrders: "reqAutoOpenOrders"
        case .reqCompletedOrders: "reqCompletedOrders"
        case .reqExecutions: "reqExecutions"
        case .reqPositions: "reqPositions"
        case .cancelPositions: "cancelPositions"
        case .reqAccountSummary: "reqAccountSummary"
        case .cancelAccountSummary: "cancelAccountSummary"
        case .reqAccountUpdates: "reqAccountUpdates"
        case .reqMarketDataType: "reqMarketDataType"
        case .reqAccountUpdatesMulti: "reqAccountUpdatesMulti"
        case .cancelAccountUpdatesMulti: "cancelAccountUpdatesMulti"
        case .reqHeadTimestamp: "reqHeadTimeStamp"
        }
    }

    /// The message's fields, id first.
    public func fields() -> [String] {
        typealias ID = TWSOutgoingID
        switch self {
        case .startApi(let clientId, let caps): return [String(ID.startApi), "2", String(clientId), caps]
        case .reqIds(let n): return [String(ID.reqIds), "1", String(n)]
        case .reqCurrentTime: return [String(ID.reqCurrentTime), "1"]
        case .reqManagedAccounts: return [String(ID.reqManagedAccounts), "1"]
        case .reqContractDetails(let reqId, let c):
            var w = TWSFieldWriter(messageId: ID.reqContractDetails)
            w.add(8); w.add(reqId)
            c.writeRequestHead(&w)
            w.add(c.includeExpired); w.add(c.secIdType); w.add(c.secId); w.add(c.issuerId)
            return w.fields
        case .reqHistoricalData(let h):
            var w = TWSFieldWriter(messageId: ID.reqHistoricalData)
            w.add(h.reqId)
            h.contract.writeRequestHead(&w)
            w.add(h.contract.includeExpired); w.add(h.endDateTime); w.add(h.barSizeSetting); w.add(h.durationStr)
            w.add(h.useRTH); w.add(h.whatToShow); w.add(h.formatDate); w.add(h.keepUpToDate); w.add(h.chartOptions)
            return w.fields
        case .cancelHistoricalData(let reqId): return [String(ID.cancelHistoricalData), "1", String(reqId)]
        case .placeOrder(let p): return p.fields()
        case .cancelOrder(let orderId, let t): return [String(ID.cancelOrder), "1", String(orderId), t]
        case .reqGlobalCancel: return [String(ID.reqGlobalCancel), "1"]
        case .reqOpenOrders: return [String(ID.reqOpenOrders), "1"]
        case .reqAllOpenOrders: return [String(ID.reqAllOpenOrders), "1"]
        case .reqAutoOpenOrders(let b): return [String(ID.reqAutoOpenOrders), "1", b ? "1" : "0"]
        case .reqCompletedOrders(let apiOnly): return [String(ID.reqCompletedOrders), apiOnly ? "1" : "0"]
        case .reqExecutions(let reqId, let f):
            return [String(ID.reqExecutions), "3", String(reqId), String(f.clientId), f.acctCode, f.time, f.symbol, f.secType, f.exchange, f.side]
        case .reqPositions: return [String(ID.reqPositions), "1"]
        case .cancelPositions: return [String(ID.cancelPositions), "1"]
        case .reqAccountSummary(let reqId, let group, let tags): return [String(ID.reqAccountSummary), "1", String(reqId), group, tags]
        case .cancelAccountSummary(let reqId): return [String(ID.cancelAccountSummary), "1", String(reqId)]
        case .reqAccountUpdates(let sub, let acct): return [String(ID.reqAccountUpdates), "2", sub ? "1" : "0", acct]
        case .reqMarketDataType(let t): return [String(ID.reqMarketDataType), "1", String(t)]
        case .reqAccountUpdatesMulti(let reqId, let account, let model, let ledger):
            return [String(ID.reqAccountUpdatesMulti), "1", String(reqId), account, model, ledger ? "1" : "0"]
        case .cancelAccountUpdatesMulti(let reqId): return [String(ID.cancelAccountUpdatesMulti), "1", String(reqId)]
        case .reqHeadTimestamp(let reqId, let c, let rth, let what, let fmt):
            var w = TWSFieldWriter(messageId: ID.reqHeadTimestamp)
            w.add(reqId)
            c.writeRequestHead(&w)
            w.add(c.includeExpired); w.add(rth); w.add(what); w.add(fmt)
            return w.fields
        }
    }

    /// The framed bytes.
    public func frame() throws -> Data { try TWSFraming.frame(fields()) }

    /// Decodes a client message (server side). Unknown ids and malformed fields throw `TWSProtocolError`.
    public static func decode(_ fields: [String]) throws -> TWSRequest {
        typealias ID = TWSOutgoingID
        var r = try TWSFieldReader(fields: fields)
        switch r.messageId {
        case ID.startApi:
            try r.skip("version")
            let clientId = try r.int("clientId")
            return .startApi(clientId: clientId, optionalCapabilities: r.remaining > 0 ? try r.string("optionalCapabilities") : "")
        case ID.reqIds: try r.skip("version"); return .reqIds(numIds: try r.int("numIds"))
        case ID.reqCurrentTime: return .reqCurrentTime
        case ID.reqManagedAccounts: return .reqManagedAccounts
        case ID.reqContractDetails:
            try r.skip("version")
            let reqId = try r.int("reqId")
            var c = try TWSContract.readRequestHead(&r)
            c.includeExpired = try r.bool("includeExpired"); c.secIdType = try r.string("secIdType"); c.secId = try r.string("secId")
            c.issuerId = try r.string("issuerId")
            return .reqContractDetails(reqId: reqId, contract: c)
        case ID.reqHistoricalData:
            let reqId = try r.int("reqId")
            var c = try TWSContract.readRequestHead(&r)
            c.includeExpired = try r.bool("includeExpired")
            let end = try r.string("endDateTime"), bar = try r.string("barSizeSetting"), duration = try r.string("durationStr")
            let rth = try r.bool("useRTH"), what = try r.string("whatToShow"), fmt = try r.int("formatDate")
            if c.secType == "BAG" { throw TWSProtocolError.unsupported(messageId: r.messageId, feature: "combo (BAG) historical data") }
            let keep = try r.bool("keepUpToDate"), options = try r.string("chartOptions")
            return .reqHistoricalData(TWSHistoricalDataRequest(reqId: reqId, contract: c, endDateTime: end, durationStr: duration, barSizeSetting: bar,
                                                               whatToShow: what, useRTH: rth, formatDate: fmt, keepUpToDate: keep, chartOptions: options))
        case ID.cancelHistoricalData: try r.skip("version"); return .cancelHistoricalData(reqId: try r.int("reqId"))
        case ID.placeOrder: return .placeOrder(try TWSPlaceOrder.decode(&r))
        case ID.cancelOrder:
            try r.skip("version")
            let id = try r.int("orderId")
            return .cancelOrder(orderId: id, manualOrderCancelTime: r.remaining > 0 ? try r.string("manualOrderCancelTime") : "")
        case ID.reqGlobalCancel: return .reqGlobalCancel
        case ID.reqOpenOrders: return .reqOpenOrders
        case ID.reqAllOpenOrders: return .reqAllOpenOrders
        case ID.reqAutoOpenOrders: try r.skip("version"); return .reqAutoOpenOrders(autoBind: try r.bool("autoBind"))
        case ID.reqCompletedOrders: return .reqCompletedOrders(apiOnly: try r.bool("apiOnly"))
        case ID.reqExecutions:
            try r.skip("version")
            let reqId = try r.int("reqId")
            let f = TWSExecutionFilter(clientId: try r.int("clientId"), acctCode: try r.string("acctCode"), time: try r.string("time"),
                                       symbol: try r.string("symbol"), secType: try r.string("secType"), exchange: try r.string("exchange"),
                                       side: try r.string("side"))
            return .reqExecutions(reqId: reqId, filter: f)
        case ID.reqPositions: return .reqPositions
        case ID.cancelPositions: return .cancelPositions
        case ID.reqAccountSummary:
            try r.skip("version")
            return .reqAccountSummary(reqId: try r.int("reqId"), group: try r.string("group"), tags: try r.string("tags"))
        case ID.cancelAccountSummary: try r.skip("version"); return .cancelAccountSummary(reqId: try r.int("reqId"))
        case ID.reqAccountUpdates:
            try r.skip("version")
            return .reqAccountUpdates(subscribe: try r.bool("subscribe"), account: try r.string("account"))
        case ID.reqMarketDataType: try r.skip("version"); return .reqMarketDataType(try r.int("marketDataType"))
        case ID.reqAccountUpdatesMulti:
            try r.skip("version")
            return .reqAccountUpdatesMulti(reqId: try r.int("reqId"), account: try r.string("account"), modelCode: try r.string("modelCode"),
                                           ledgerAndNLV: try r.bool("ledgerAndNLV"))
        case ID.cancelAccountUpdatesMulti: try r.skip("version"); return .cancelAccountUpdatesMulti(reqId: try r.int("reqId"))
        case ID.reqHeadTimestamp:
            let reqId = try r.int("reqId")
            var c = try TWSContract.readRequestHead(&r)
            c.includeExpired = try r.bool("includeExpired")
            return .reqHeadTimestamp(reqId: reqId, contract: c, useRTH: try r.bool("useRTH"), whatToShow: try r.string("whatToShow"),
                                     formatDate: try r.int("formatDate"))
        default:
            throw TWSProtocolError.unknownMessage(id: fields[0], direction: "client→server")
        }
    }
}
