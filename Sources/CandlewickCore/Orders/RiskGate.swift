import Foundation

/// What the gate knows of the account when it judges a signal.
public struct RiskBook: Sendable, Hashable {
    /// Shares held per symbol (negative = short).
    public var positions: [String: Decimal]
    /// Symbols with an opening order in flight (not yet filled or done).
    public var pendingSymbols: Set<String>
    /// The latest price of the signal's symbol (the reference for market orders and sizing).
    public var lastPrice: Decimal?
    /// Whether the exchange is open now.
    public var marketOpen: Bool
    /// The daily ATR 14 of the signal's symbol, when known (enables the ATR-based geometry floors).
    public var atr: Decimal?

    public init(positions: [String: Decimal] = [:], pendingSymbols: Set<String> = [], lastPrice: Decimal? = nil, marketOpen: Bool = true,
                atr: Decimal? = nil) {
        self.positions = positions
        self.pendingSymbols = pendingSymbols
        self.lastPrice = lastPrice
        self.marketOpen = marketOpen
        self.atr = atr
    }

    /// Symbols held or with an opening order in flight.
    public var openSymbols: Set<String> { Set(positions.filter { !$0.value.isZero }.keys).union(pendingSymbols) }
}

/// The gate's verdict on a signal.
public enum RiskDecision: Sendable, Hashable {
    /// Send these orders; `notes` lists every clamp applied.
    case place(OrderPlan, notes: [RiskNote])
    case deny(RiskNote)

    public var plan: OrderPlan? { if case .place(let p, _) = self { p } else { nil } }
    public var denial: RiskNote? { if case .deny(let n) = self { n } else { nil } }
}

/// The decision and risk gate: a pure state machine with the clock passed in (`now`). It turns an
/// actionable signal into an order plan within every limit of `RiskPolicy`, or denies it with a
/// reason code; it owns the trading state (ACTIVE / REDUCING / HALTED), the daily notional and loss
/// counters (reset at each UTC day) and the order rate window.
///
/// Transitions: `halt` → HALTED from any state; `reduce` → REDUCING from ACTIVE (HALTED stays HALTED);
/// `resume` → ACTIVE unless the day's realised loss has reached the limit; a realised loss reaching
/// the limit → HALTED. A new day resets the counters, never the state.
public struct RiskGate: Sendable {
    public let policy: RiskPolicy
    public private(set) var state: TradingState = .active
    public private(set) var stateReason = "start-up"
    public private(set) var stateChangedAt: Date
    public private(set) var day: String
    public private(set) var dailyNotional: Decimal = 0
    public private(set) var dailyRealizedPnl: Decimal = 0
    private var orderTimes: [Date] = []

    public init(policy: RiskPolicy, now: Date) {
        self.policy = policy
        stateChangedAt = now
        day = Self.dayKey(now)
    }

    static func dayKey(_ d: Date) -> String { String(UTCTimestamp.format(d).prefix(10)) }

    private mutating func roll(_ now: Date) {
        let today = Self.dayKey(now)
        guard today != day else { return }
        day = today
        dailyNotional = 0
        dailyRealizedPnl = 0
    }

    /// Applies a command; returns the refusal reason when the command cannot be applied.
    @discardableResult
    public mutating func apply(_ action: TradingCommand.Action, reason: String, now: Date) -> String? {
        roll(now)
        switch action {
        case .status:
            return nil
        case .halt, .cancelAll, .flatten:
            set(.halted, reason, now)
        case .reduce:
            guard state != .halted else { return "trading is HALTED; resume first" }
            set(.reducing, reason, now)
        case .resume:
            if dailyRealizedPnl <= -policy.maxDailyLoss {
                return "daily loss \(-dailyRealizedPnl) has reached the limit \(policy.maxDailyLoss); trading stays HALTED until the next day"
            }
            set(.active, reason, now)
        }
        return nil
    }

    private mutating func set(_ s: TradingState, _ reason: String, _ now: Date) {
        state = s
        stateReason = reason
        stateChangedAt = now
    }

    /// Adds realised P&L (negative = loss); halts trading when the day's loss reaches the limit.
    public mutating func recordRealized(_ pnl: Decimal, now: Date) {
        roll(now)
        dailyRealizedPnl += pnl
        if dailyRealizedPnl <= -policy.maxDailyLoss, state != .halted {
            set(.halted, "daily loss \(-dailyRealizedPnl) reached the limit \(policy.maxDailyLoss)", now)
        }
    }

    /// Counts an order that was sent (notional against the daily budget when opening; the rate window always).
    public mutating func commit(_ plan: OrderPlan, now: Date) {
        roll(now)
        if plan.opening { dailyNotional += plan.notional }
        orderTimes.append(now)
    }

    /// Judges `signal`. Does not change the counters: call `commit` once the plan is journaled. `receivedAt`: the plan's
    /// `received_at` (the machine's time the signal arrived, for latency), when it is not `now` (a broker clock).
    public mutating func evaluate(_ signal: TradingSignal, runId: String, book: RiskBook, account: String = "", now: Date,
                                  receivedAt: Date? = nil) -> RiskDecision {
        roll(now)
        orderTimes.removeAll { now.timeIntervalSince($0) >= 60 }
        let p = policy
        guard signal.isActionable else {
            return .deny(RiskNote(.notActionable, "\(signal.action.rawValue) \(signal.confidence.rawValue) is not actionable"))
        }
        guard state != .halted else { return .deny(RiskNote(.halted, "trading is HALTED: \(stateReason)")) }
        guard dailyRealizedPnl > -p.maxDailyLoss else {
            return .deny(RiskNote(.dailyLoss, "daily loss \(-dailyRealizedPnl) has reached the limit \(p.maxDailyLoss)"))
        }
        let held = book.positions[signal.symbol] ?? 0
        let buy = signal.action == .buy
        // Opening (or adding) vs closing / reducing.
        let reducing = (buy && held < 0) || (!buy && held > 0)
        if !reducing {
            // Short selling disabled: no SELL may open or add to a short (a short held from elsewhere included).
            if !buy && !p.allowShort {
                return .deny(RiskNote(.shortNotAllowed, "SELL with no long position in \(signal.symbol) would open or add to a short; short selling is disabled"))
            }
            if held > 0 && !p.allowAdding { return .deny(RiskNote(.alreadyLong, "already long \(held) \(signal.symbol); adding is not allowed")) }
            if held < 0 && !p.allowAdding { return .deny(RiskNote(.alreadyShort, "already short \(-held) \(signal.symbol); adding is not allowed")) }
            if state == .reducing { return .deny(RiskNote(.reducingOnly, "trading is REDUCING: only orders that reduce a position (\(stateReason))")) }
            if book.pendingSymbols.contains(signal.symbol) {
                return .deny(RiskNote(.orderPending, "an opening order for \(signal.symbol) is already in flight"))
            }
            if held.isZero && book.openSymbols.count >= p.maxOpenPositions {
                return .deny(RiskNote(.maxOpenPositions, "\(book.openSymbols.count) open positions reach the limit \(p.maxOpenPositions)"))
            }
        }
        guard orderTimes.count < p.maxOrdersPerMinute else {
            return .deny(RiskNote(.rateLimit, "\(orderTimes.count) orders in the last minute reach the limit \(p.maxOrdersPerMinute)"))
        }
        if p.entryType == .market && !book.marketOpen && !p.marketOrdersWhenClosed {
            return .deny(RiskNote(.marketClosed, "the market is closed and market orders into a closed market are not allowed"))
        }
        // Prices, rounded to the tick.
        guard let reference = (signal.entryPrice ?? book.lastPrice).map({ round($0) }), reference > 0 else {
            return .deny(RiskNote(.noPrice, "no entry price in the signal and no last price for \(signal.symbol)"))
        }
        var notes: [RiskNote] = []
        var quantity: Decimal
        if reducing {
            quantity = min(Decimal(p.fixedShares), abs(held))
        } else {
            guard let stop = signal.stopLoss.map(round), let target = signal.takeProfit.map(round) else {
                return .deny(RiskNote(.missingLevels, "a bracket needs stop_loss and take_profit"))
            }
            let ordered = buy ? (stop < reference && reference < target) : (target < reference && reference < stop)
            guard ordered else {
                return .deny(RiskNote(.levelsCollapse, "after rounding to \(p.tickSize): stop \(stop), entry \(reference), target \(target) are out of order"))
            }
            if let denial = geometry(entry: reference, stop: stop, target: target, book: book) { return .deny(denial) }
            switch p.sizing {
            case .fixed:
                quantity = Decimal(p.fixedShares)
            case .risk:
                quantity = min(floorShares(p.riskBudget / abs(reference - stop)), Decimal(p.maxShares))
            }
            guard quantity > 0 else { return .deny(RiskNote(.sizeZero, "risk budget \(p.riskBudget) buys no share at a risk of \(abs(reference - stop))/share")) }
            if quantity * reference > p.maxOrderNotional {
                let clamped = floorShares(p.maxOrderNotional / reference)
                guard clamped > 0 else { return .deny(RiskNote(.orderNotional, "one share at \(reference) exceeds the order notional limit \(p.maxOrderNotional)")) }
                notes.append(RiskNote(.orderNotionalClamped, "\(quantity) → \(clamped) shares: \(quantity * reference) exceeds the order limit \(p.maxOrderNotional)"))
                quantity = clamped
            }
            let room = floorShares(p.maxPositionNotional / reference) - abs(held)
            if quantity > room {
                guard room > 0 else { return .deny(RiskNote(.positionLimit, "holding \(abs(held)) \(signal.symbol) leaves no room under \(p.maxPositionNotional)")) }
                notes.append(RiskNote(.positionLimitClamped, "\(quantity) → \(room) shares to stay under the position limit \(p.maxPositionNotional)"))
                quantity = room
            }
            let budgetLeft = p.dailyNotionalBudget - dailyNotional
            if quantity * reference > budgetLeft {
                let clamped = budgetLeft > 0 ? floorShares(budgetLeft / reference) : 0
                guard clamped > 0 else { return .deny(RiskNote(.dailyBudget, "daily notional \(dailyNotional) leaves \(max(budgetLeft, 0)) of \(p.dailyNotionalBudget)")) }
                notes.append(RiskNote(.dailyBudgetClamped, "\(quantity) → \(clamped) shares: \(budgetLeft) of the daily budget left"))
                quantity = clamped
            }
        }
        let intent = IntentId.make(runId: runId, symbol: signal.symbol, signalId: signal.signalId)
        let side: OrderSide = buy ? .buy : .sell
        func leg(_ role: LegRole, _ side: OrderSide, _ type: OrderType, limit: Decimal? = nil, stop: Decimal? = nil) -> PlannedLeg {
            let tif = role == .takeProfit || role == .stopLoss ? p.childTif ?? p.tif : p.tif
            return PlannedLeg(role: role, orderRef: IntentId.ref(intent, role), side: side, orderType: type, quantity: quantity,
                              limitPrice: limit, stopPrice: stop, tif: tif, outsideRth: p.outsideRth)
        }
        let entryLimit: Decimal? = p.entryType == .limit || p.entryType == .stopLimit ? reference : nil
        let entryStop: Decimal? = p.entryType == .stop || p.entryType == .stopLimit ? reference : nil
        let legs: [PlannedLeg]
        if reducing {
            legs = [leg(.exit, side, p.entryType, limit: entryLimit, stop: entryStop)]
        } else {
            legs = [leg(.entry, side, p.entryType, limit: entryLimit, stop: entryStop),
                    leg(.takeProfit, side.opposite, .limit, limit: round(signal.takeProfit!)),
                    leg(.stopLoss, side.opposite, .stop, stop: round(signal.stopLoss!))]
        }
        do {
            let plan = try OrderPlan(intentId: intent, runId: runId, symbol: signal.symbol, signalId: signal.signalId, legs: legs,
                                     ocaGroup: reducing ? nil : intent, account: account, notional: quantity * reference,
                                     opening: !reducing, receivedAt: receivedAt ?? now)
            return .place(plan, notes: notes)
        } catch {
            return .deny(RiskNote(.invalidSignal, "\(error)"))
        }
    }

    /// The risk geometry floors (`RiskPolicy`): stop distance, reward:risk and entry distance from
    /// the last price, in percent always and in ATR when the book has it. Rounded levels are judged.
    func geometry(entry: Decimal, stop: Decimal, target: Decimal, book: RiskBook) -> RiskNote? {
        let p = policy
        let risk = abs(entry - stop), reward = abs(target - entry)
        if risk < entry * p.minStopFraction {
            return RiskNote(.stopTooClose, "stop \(stop) is \(risk) from the entry \(entry); the minimum is \(p.minStopFraction * 100)% of the entry")
        }
        if let atr = book.atr, atr > 0, risk < atr * p.minStopATR {
            return RiskNote(.stopTooClose, "stop \(stop) is \(risk) from the entry \(entry); the minimum is \(p.minStopATR) ATR (ATR \(atr))")
        }
        if reward < risk * p.minRewardRisk {
            return RiskNote(.rewardRiskLow, "reward \(reward) for a risk of \(risk) is below the minimum reward:risk \(p.minRewardRisk)")
        }
        if let last = book.lastPrice, last > 0 {
            let off = abs(entry - last)
            if off > last * p.maxEntryFraction {
                return RiskNote(.entryTooFar, "entry \(entry) is \(off) from the last price \(last); the limit is \(p.maxEntryFraction * 100)%")
            }
            if let atr = book.atr, atr > 0, off > atr * p.maxEntryATR {
                return RiskNote(.entryTooFar, "entry \(entry) is \(off) from the last price \(last); the limit is \(p.maxEntryATR) ATR (ATR \(atr))")
            }
        }
        return nil
    }

    /// `value` rounded to the nearest tick.
    public func round(_ value: Decimal) -> Decimal {
        var q = value / policy.tickSize, r = Decimal()
        NSDecimalRound(&r, &q, 0, .plain)
        return r * policy.tickSize
    }

    private func floorShares(_ value: Decimal) -> Decimal {
        var v = value, r = Decimal()
        NSDecimalRound(&r, &v, 0, .down)
        return max(r, 0)
    }
}
