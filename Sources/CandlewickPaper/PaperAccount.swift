import CandlewickTWS
import Foundation

/// Account values: positions are marked at the as-of close. Margin follows a simple Reg-T-like model:
/// initial margin 25% of gross position value, maintenance 25%, buying power 4 × available funds.
extension PaperBroker {
    /// Tags answered, in order, with their values.
    public func accountValues() -> [(tag: String, value: String, currency: String)] {
        var gross: Decimal = 0, marketValue: Decimal = 0
        for (symbol, p) in state.positions where !p.quantity.isZero {
            let close = market.instruments[symbol]?.lastClose(onOrBefore: state.asOf) ?? p.avgCost
            marketValue += p.quantity * close
            gross += (p.quantity < 0 ? -p.quantity : p.quantity) * close
        }
        let netLiq = state.cash + marketValue
        let initMargin = gross / 4
        let available = netLiq - initMargin
        func money(_ d: Decimal) -> String {
            var v = d, r = Decimal()
            NSDecimalRound(&r, &v, 2, .plain)
            return TWSNumberText.decimal(r)
        }
        return [
            ("AccountType", "INDIVIDUAL", ""),
            ("NetLiquidation", money(netLiq), "USD"),
            ("TotalCashValue", money(state.cash), "USD"),
            ("SettledCash", money(state.cash), "USD"),
            ("AccruedCash", "0.00", "USD"),
            ("BuyingPower", money(max(0, available * 4)), "USD"),
            ("EquityWithLoanValue", money(netLiq), "USD"),
            ("PreviousDayEquityWithLoanValue", money(netLiq), "USD"),
            ("GrossPositionValue", money(gross), "USD"),
            ("RegTEquity", money(netLiq), "USD"),
            ("RegTMargin", money(gross / 2), "USD"),
            ("SMA", money(max(0, available)), "USD"),
            ("InitMarginReq", money(initMargin), "USD"),
            ("MaintMarginReq", money(initMargin), "USD"),
            ("AvailableFunds", money(available), "USD"),
            ("ExcessLiquidity", money(available), "USD"),
            ("Cushion", netLiq.isZero ? "0" : money(available / netLiq), ""),
            ("FullInitMarginReq", money(initMargin), "USD"),
            ("FullMaintMarginReq", money(initMargin), "USD"),
            ("FullAvailableFunds", money(available), "USD"),
            ("FullExcessLiquidity", money(available), "USD"),
            ("DayTradesRemaining", "-1", ""),
            ("Leverage", netLiq.isZero ? "0" : money(gross / netLiq), ""),
            ("RealizedPnL", money(state.realizedPnL), "USD"),
        ]
    }

    /// reqAccountUpdates: every account value (ACCT_VALUE, tags as in the summary), each position as
    /// PORTFOLIO_VALUE marked at the as-of close, the snapshot time (the as-of day's close, 16:00 or 13:00) and ACCT_DOWNLOAD_END.
    public func accountUpdates() -> [TWSEvent] {
        var events: [TWSEvent] = accountValues().map { .accountValue(key: $0.tag, value: $0.value, currency: $0.currency, account: state.account) }
        for (symbol, p) in state.positions.sorted(by: { $0.key < $1.key }) where !p.quantity.isZero {
            let close = market.instruments[symbol]?.lastClose(onOrBefore: state.asOf) ?? p.avgCost
            let value = p.quantity * close, cost = p.quantity * p.avgCost
            var contract = p.contract
            if let i = market.instruments[symbol] { contract = i.contract }
            events.append(.portfolioValue(contract: contract, position: p.quantity, marketPrice: close.exactDouble, marketValue: value.exactDouble,
                                          averageCost: p.avgCost.exactDouble, unrealizedPNL: (value - cost).exactDouble, realizedPNL: 0,
                                          account: state.account))
        }
        return events + [.accountUpdateTime(String(PaperTradingHours.closeClock(state.asOf).prefix(5))), .accountDownloadEnd(account: state.account)]
    }

    /// ACCOUNT_SUMMARY lines for the requested tags (comma list; ibapi's `ReqT*` spelling accepted), then END.
    public func accountSummary(reqId: Int, tags: String) -> [TWSEvent] {
        let wanted = Set(tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "ReqT", with: "RegT") })
        return accountValues().filter { wanted.contains($0.tag) }.map {
            TWSEvent.accountSummary(reqId: reqId, account: state.account, tag: $0.tag, value: $0.value, currency: $0.currency)
        } + [.accountSummaryEnd(reqId: reqId)]
    }
}
