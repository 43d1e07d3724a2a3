import Foundation

/// Named requests built with this library, mirroring calls an ibapi program makes (used by
/// `ib-paper encode-sample` and the encoding-equality test against ibapi's bytes).
public enum TWSEncodingSamples {
    static let aapl = TWSContract(symbol: "AAPL", exchange: "SMART", primaryExchange: "NASDAQ", currency: "USD")

    /// Every sample by name.
    public static var all: [String: TWSRequest] {
        var parent = TWSOrder(action: "BUY", totalQuantity: 10, orderType: "LMT", lmtPrice: 185.5, tif: "GTC", orderRef: "strat1-entry", transmit: false)
        parent.parentId = 0
        let tp = TWSOrder(action: "SELL", totalQuantity: 10, orderType: "LMT", lmtPrice: 200.0, tif: "GTC", orderRef: "strat1-tp",
                          transmit: false, parentId: 100)
        let sl = TWSOrder(action: "SELL", totalQuantity: 10, orderType: "STP", auxPrice: 175.0, tif: "GTC", orderRef: "strat1-sl",
                          transmit: true, parentId: 100)
        let mkt = TWSOrder(action: "BUY", totalQuantity: 5, orderType: "MKT", tif: "DAY", ocaGroup: "OCA_1", ocaType: 1, account: "DU123456",
                           orderRef: "mkt-1", transmit: true, outsideRth: true)
        let stpLmt = TWSOrder(action: "SELL", totalQuantity: 3, orderType: "STP LMT", lmtPrice: 170.25, auxPrice: 171.0, tif: "DAY")
        return [
            "startApi": .startApi(clientId: 3, optionalCapabilities: ""),
            "reqIds": .reqIds(numIds: -1),
            "reqCurrentTime": .reqCurrentTime,
            "reqManagedAccts": .reqManagedAccounts,
            "reqContractDetails": .reqContractDetails(reqId: 7, contract: aapl),
            "reqHistoricalData": .reqHistoricalData(TWSHistoricalDataRequest(
                reqId: 4001, contract: aapl, endDateTime: "20250131 16:00:00 US/Eastern", durationStr: "200 D", barSizeSetting: "1 day",
                whatToShow: "TRADES", useRTH: true, formatDate: 1, keepUpToDate: false)),
            "cancelHistoricalData": .cancelHistoricalData(reqId: 4001),
            "placeOrder-parent": .placeOrder(TWSPlaceOrder(orderId: 100, contract: aapl, order: parent)),
            "placeOrder-tp": .placeOrder(TWSPlaceOrder(orderId: 101, contract: aapl, order: tp)),
            "placeOrder-sl": .placeOrder(TWSPlaceOrder(orderId: 102, contract: aapl, order: sl)),
            "placeOrder-mkt": .placeOrder(TWSPlaceOrder(orderId: 103, contract: aapl, order: mkt)),
            "placeOrder-stplmt": .placeOrder(TWSPlaceOrder(orderId: 104, contract: aapl, order: stpLmt)),
            "cancelOrder": .cancelOrder(orderId: 100, manualOrderCancelTime: ""),
            "reqGlobalCancel": .reqGlobalCancel,
            "reqOpenOrders": .reqOpenOrders,
            "reqAllOpenOrders": .reqAllOpenOrders,
            "reqCompletedOrders": .reqCompletedOrders(apiOnly: false),
            "reqExecutions": .reqExecutions(reqId: 9, filter: TWSExecutionFilter()),
            "reqPositions": .reqPositions,
            "cancelPositions": .cancelPositions,
            "reqAccountSummary": .reqAccountSummary(reqId: 11, group: "All", tags: "NetLiquidation,TotalCashValue,BuyingPower"),
            "cancelAccountSummary": .cancelAccountSummary(reqId: 11),
            "reqAccountUpdatesMulti": .reqAccountUpdatesMulti(reqId: 12, account: "DU123456", modelCode: "", ledgerAndNLV: true),
            "reqHeadTimeStamp": .reqHeadTimestamp(reqId: 13, contract: aapl, useRTH: true, whatToShow: "TRADES", formatDate: 1),
        ]
    }
}
