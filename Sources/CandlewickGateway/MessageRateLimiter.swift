/// Which lane a message to IB waits in: order messages (placeOrder, cancelOrder, reqGlobalCancel)
/// go out before any queued data request; within a lane, first in first out.
public enum MessagePriority: Sendable, Equatable {
    case order
    case data
}

/// IB's message rate as a pure value: at most `limit` messages in any rolling `window` seconds
/// (IB disconnects above 50/s; ib_async allows 45 in any rolling second), with two lanes.
///
/// Nothing here reads a clock: the caller passes `now` (monotonic nanoseconds; integers, so the
/// boundary of the window is exact, never an ulp inside it) to `next(now:)` and
/// stamps each message with `sent(at:)` once it is written. The rule kept is: the message sent
/// `limit` places after another leaves at least `window` after that one's stamp, so any
/// window of that length (half-open either way) holds at most `limit` messages. While the window
/// has room, messages leave back to back (a bracket's legs go out together); once full, the next one
/// waits exactly until the oldest stamp in it ages out.
///
/// Data requests use at most `limit - orderReserve` (42) slots of any rolling second, so however long
/// the backlog, a bracket's 3 legs find room at once instead of waiting 22 ms per leg for slots to age
/// out. They are also spaced: each leaves at least `dataSpacing` (1/42 s) after the message before
/// it, so bulk history flows evenly and only orders come in bursts. Without it a backlog goes out as
/// 45 back to back, and the same burst repeats each second on the dot: a gateway whose arrival stamp
/// for one burst is a few ms late then counts 45 plus the start of the next (ib-paper saw 51).
///
/// Order messages are never reordered among themselves (order ids must reach IB increasing), and a
/// data request never goes out while an order message waits.
public struct MessageRateLimiter<Item> {
    /// Messages allowed in any rolling `window`.
    public let limit: Int
    /// Nanoseconds of the rolling window (1 s).
    public let window: Int64
    /// Slots of the window data requests may use (`limit - orderReserve`); the rest are kept for orders.
    public let dataLimit: Int
    /// Nanoseconds a data request waits after the message before it (`window / dataLimit`, rounded up).
    public let dataSpacing: Int64
    private var orders: [Item] = []
    private var ordersHead = 0
    private var data: [Item] = []
    private var dataHead = 0
    /// Stamps of the last `limit` messages sent, oldest first (a ring).
    private var stamps: [Int64] = []
    private var stampsHead = 0
    private var lastStamp: Int64?

    /// What the writer should do now.
    public enum Decision {
        /// Write this message now, then call `sent(at:)` with the time the write finished.
        case send(Item)
        /// The window is full: nothing may leave before `until`.
        case wait(until: Int64)
        /// Nothing queued.
        case idle
    }

    public init(limit: Int = 45, window: Int64 = 1_000_000_000, orderReserve: Int = 3, dataSpacing: Int64? = nil) {
        precondition(limit >= 1 && window > 0, "a rate limit needs limit ≥ 1 and window > 0")
        precondition(orderReserve >= 0 && orderReserve < limit, "the order reserve must leave data at least one slot")
        self.limit = limit
        self.window = window
        dataLimit = limit - orderReserve
        self.dataSpacing = dataSpacing ?? (window + Int64(dataLimit) - 1) / Int64(dataLimit)
        stamps.reserveCapacity(limit)
    }

    /// Messages waiting, both lanes.
    public var queued: Int { orders.count - ordersHead + data.count - dataHead }

    /// Queues one message at the back of its lane.
    public mutating func enqueue(_ item: Item, priority: MessagePriority) {
        switch priority {
        case .order: orders.append(item)
        case .data: data.append(item)
        }
    }

    /// The earliest time a message may be written, given what was sent (`Int64.min` when the window has room).
    public func earliestSend() -> Int64 { earliest(keepingBelow: limit) }

    /// When the window holds fewer than `n` messages again: the `n`-th most recent stamp plus the window.
    func earliest(keepingBelow n: Int) -> Int64 {
        guard stamps.count >= n else { return .min }
        // Oldest stamp at `stampsHead` (0 until the ring is full), so chronological index i is (head + i) % limit.
        return stamps[(stampsHead + stamps.count - n) % limit] + window
    }

    /// Takes the next message if one may leave at `now`: the order lane first, then data.
    public mutating func next(now: Int64) -> Decision {
        guard queued > 0 else { return .idle }
        var earliest = earliestSend()
        let order = ordersHead < orders.count
        if !order {
            earliest = max(earliest, self.earliest(keepingBelow: dataLimit))
            if let last = lastStamp { earliest = max(earliest, last + dataSpacing) }
        }
        guard now >= earliest else { return .wait(until: earliest) }
        if order { return .send(Self.pop(&orders, &ordersHead)) }
        return .send(Self.pop(&data, &dataHead))
    }

    /// Records a message written at `time` (take it after the write returned: a stamp later than the
    /// real write only makes the spacing larger, never smaller).
    public mutating func sent(at time: Int64) {
        lastStamp = time
        if stamps.count < limit {
            stamps.append(time)
        } else {
            stamps[stampsHead] = time
            stampsHead = (stampsHead + 1) % limit
        }
    }

    private static func pop(_ lane: inout [Item], _ head: inout Int) -> Item {
        let item = lane[head]
        head += 1
        if head == lane.count {
            lane.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 1024 && head * 2 >= lane.count {
            lane.removeFirst(head)
            head = 0
        }
        return item
    }
}

extension MessageRateLimiter: Sendable where Item: Sendable {}
