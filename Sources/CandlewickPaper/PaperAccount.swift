import CandlewickTWS
import Foundation

/// Account values: positions are marked at the as-of close. Margin follows a simple Reg-T-like model:
/// initial margin 25% of gross position value, maintenance 25%, buying power 4 × available funds.
extension PaperBroker {
    /// The account-summary tags (ibapi's `AccountSummaryTags.AllTags`, plus RealizedPnL), in order, with their values.
    /// LookAhead* equal the current values (no margin change is scheduled), HighestSeverity is 0.
    public func accountValues() -> [(tag: String, value: String, currency: String)] {
        let (gross, marketValue, _) = marks()
        let netLiq = state.cash + marketValue
        let initMargin = gross / 4
        let available = netLiq - initMargin
        let money = Self.money
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
            ("LookAheadNextChange", "0", ""),
            ("LookAheadInitMarginReq", money(initMargin), "USD"),
            ("LookAheadMaintMarginReq", money(initMargin), "USD"),
            ("LookAheadAvailableFunds", money(available), "USD"),
            ("LookAheadExcessLiquidity", money(available), "USD"),
            ("HighestSeverity", "0", ""),
            ("DayTradesRemaining", "-1", ""),
            ("Leverage", netLiq.isZero ? "0" : money(gross / netLiq), ""),
            ("RealizedPnL", money(state.realizedPnL), "USD"),
        ]
    }

    /// The cash ledger in USD (IB's `$LEDGER` tags; account updates send them for `USD` and `BASE`):
    /// cash, stock market value, net liquidation, unrealized P&L (positions at the as-of close against
    /// their average cost, commission included) and realized P&L since the account started.
    public func ledgerValues() -> [(tag: String, value: String)] {
        let (_, marketValue, unrealized) = marks()
        let money = Self.money
        return [
            ("CashBalance", money(state.cash)), ("TotalCashBalance", money(state.cash)), ("AccruedCash", "0.00"),
            ("StockMarketValue", money(marketValue)), ("OptionMarketValue", "0.00"), ("FutureOptionValue", "0.00"),
            ("FuturesPNL", "0.00"), ("NetLiquidationByCurrency", money(state.cash + marketValue)),
            ("UnrealizedPnL", money(unrealized)), ("RealizedPnL", money(state.realizedPnL)), ("ExchangeRate", "1.00"),
            ("NetDividend", "0.00"),
        ]
    }

    /// Gross and net market value of the positions at the as-of close, and their unrealized P&L.
    func marks() -> (gross: Decimal, net: Decimal, unrealized: Decimal) {
        var gross: Decimal = 0, net: Decimal = 0, unrealized: Decimal = 0
        for (symbol, p) in state.positions where !p.quantity.isZero {
            let close = market.instruments[symbol]?.lastClose(onOrBefore: state.asOf) ?? p.avgCost
            net += p.quantity * close
            gross += (p.quantity < 0 ? -p.quantity : p.quantity) * close
            unrealized += p.quantity * (close - p.avgCost)
        }
        return (gross, net, unrealized)
    }

    /// Money as IB prints it: rounded to cents.
    static func money(_ d: Decimal) -> String {
        var v = d, r = Decimal()
        NSDecimalRound(&r, &v, 2, .plain)
        return TWSNumberText.decimal(r)
    }

    /// reqAccountUpdates: every account value (ACCT_VALUE, tags as in the summary), each position as
    /// PORTFOLIO_VALUE marked at the as-of close, the snapshot time (the as-of day's close, 16:00 or 13:00) and ACCT_DOWNLOAD_END.
    public func accountUpdates() -> [TWSEvent] {
        let values = accountValues()
        var events: [TWSEvent] = values.map { .accountValue(key: $0.tag, value: $0.value, currency: $0.currency, account: state.account) }
        for currency in ["USD", "BASE"] {
            // USD lines already sent above (AccruedCash, RealizedPnL) are not repeated.
            let ledger = ledgerValues().filter { l in currency == "BASE" || !values.contains { $0.tag == l.tag && $0.currency == "USD" } }
            events += ledger.map { .accountValue(key: $0.tag, value: $0.value, currency: currency, account: state.account) }
        }
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
    /// `$LEDGER`, `$LEDGER:USD` and `$LEDGER:ALL` add the cash ledger (`ledgerValues`) in USD, the only currency.
    public func accountSummary(reqId: Int, tags: String) -> [TWSEvent] {
        let wanted = Set(tags.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "ReqT", with: "RegT") })
        var lines = accountValues().filter { wanted.contains($0.tag) }
        if !wanted.isDisjoint(with: ["$LEDGER", "$LEDGER:USD", "$LEDGER:ALL"]) {
            lines += ledgerValues().filter { l in !lines.contains { $0.tag == l.tag } }.map { ($0.tag, $0.value, "USD") }
        }
        return lines.map {
            TWSEvent.accountSummary(reqId: reqId, account: state.account, tag: $0.tag, value: $0.value, currency: $0.currency)
        } + [.accountSummaryEnd(reqId: reqId)]
    }
}
