import CandlewickTWS

/// Requests of the TWS API that ib-paper does not serve, answered as IB answers a request it will not
/// serve instead of resetting the connection: market data (no subscription on a paper account without
/// data) → 354 "Requested market data is not subscribed."; every other request → 321 "Error validating
/// request" naming it, with the request's id where it has one; cancels of such requests → nothing
/// (IB ignores a cancel for a request it does not know). The connection stays open.
enum PaperUnimplemented {
    /// Message id → (ibapi name, index of the request id field or nil, IB code).
    static let table: [Int: (name: String, reqIdField: Int?, code: Int)] = [
        1: ("reqMktData", 2, 354), 10: ("reqMktDepth", 2, 354), 50: ("reqRealTimeBars", 2, 354),
        96: ("reqHistoricalTicks", 1, 354), 97: ("reqTickByTickData", 1, 354),
        12: ("reqNewsBulletins", nil, 321), 18: ("requestFA", nil, 321), 19: ("replaceFA", nil, 321),
        22: ("reqScannerSubscription", 1, 321), 24: ("reqScannerParameters", nil, 321),
        52: ("reqFundamentalData", 2, 321), 54: ("calculateImpliedVolatility", 2, 321), 55: ("calculateOptionPrice", 2, 321),
        74: ("reqPositionsMulti", 2, 321), 78: ("reqSecDefOptParams", 1, 321), 79: ("reqSoftDollarTiers", 1, 321),
        80: ("reqFamilyCodes", nil, 321), 81: ("reqMatchingSymbols", 1, 321), 82: ("reqMktDepthExchanges", nil, 321),
        83: ("reqSmartComponents", 1, 321), 84: ("reqNewsArticle", 1, 321), 85: ("reqNewsProviders", nil, 321),
        86: ("reqHistoricalNews", 1, 321), 88: ("reqHistogramData", 1, 321), 91: ("reqMarketRule", nil, 321),
        92: ("reqPnL", 1, 321), 94: ("reqPnLSingle", 1, 321), 100: ("reqWshMetaData", 1, 321),
        102: ("reqWshEventData", 1, 321), 104: ("reqUserInfo", 1, 321),
    ]
    /// Cancels of the requests above: ignored.
    static let cancels: Set<Int> = [2, 11, 13, 23, 51, 53, 56, 57, 75, 89, 90, 93, 95, 98, 101, 103]

    /// What to send for `fields` when its message id is one ib-paper does not implement; nil for any
    /// other message (decoded normally). An empty array means "answer nothing".
    static func reply(to fields: [String]) -> (name: String, events: [TWSEvent])? {
        guard let first = fields.first, let id = Int(first) else { return nil }
        if cancels.contains(id) { return ("cancel (message \(id))", []) }
        guard let entry = table[id] else { return nil }
        let reqId = entry.reqIdField.flatMap { $0 < fields.count ? Int(fields[$0]) : nil } ?? -1
        let text = entry.code == 354 ? "Requested market data is not subscribed."
            : "Error validating request.-'\(entry.name)' : cause - ib-paper does not implement \(entry.name) (message id \(id))"
        return (entry.name, [PaperErrors.err(reqId, entry.code, text)])
    }
}
