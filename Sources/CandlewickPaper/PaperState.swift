import CandlewickTWS
import Foundation

/// Order lifecycle inside the paper gateway.
public enum PaperOrderStatus: String, Codable, Sendable {
    /// Received with transmit=0: held, no status reported (as TWS does).
    case held = "Held"
    /// Bracket child waiting for its parent's fill.
    case preSubmitted = "PreSubmitted"
    case submitted = "Submitted"
    case filled = "Filled"
    case cancelled = "Cancelled"

    public var isDone: Bool { self == .filled || self == .cancelled }
}

/// One order as the gateway keeps it.
public struct PaperOrder: Codable, Sendable, Hashable {
    public var clientId: Int
    public var orderId: Int
    public var permId: Int
    public var contract: TWSContract
    public var order: TWSOrder
    public var status: PaperOrderStatus
    public var filled: Decimal = 0
    public var avgFillPrice: Decimal = 0
    public var lastFillPrice: Decimal = 0
    /// The day it became active (Submitted); DAY orders expire after the first bar that follows.
    public var activeSince: PaperDay?
    /// For STP LMT: the stop has been touched and the order now works as a limit.
    public var triggered = false
    public var completedTime = ""
    public var commission: Decimal = 0
    /// For a bracket child: the size the client asked for. While its parent is partially filled the child works only
    /// for the parent's filled quantity (see `PaperBroker.fill`); nil = `order.totalQuantity`.
    public var requestedQuantity: Decimal?

    enum CodingKeys: String, CodingKey {
        case clientId = "client_id", orderId = "order_id", permId = "perm_id", contract, order, status, filled
        case avgFillPrice = "avg_fill_price", lastFillPrice = "last_fill_price", activeSince = "active_since", triggered
        case completedTime = "completed_time", commission, requestedQuantity = "requested_quantity"
    }

    var remaining: Decimal { order.totalQuantity - filled }
}

/// A position per symbol.
public struct PaperPosition: Codable, Sendable, Hashable {
    public var contract: TWSContract
    public var quantity: Decimal
    /// Average cost per share including commissions (IB's avgCost convention).
    public var avgCost: Decimal

    enum CodingKeys: String, CodingKey { case contract, quantity, avgCost = "avg_cost" }
}

/// A fill with its commission report.
public struct PaperFill: Codable, Sendable, Hashable {
    public var execution: TWSExecution
    public var commission: TWSCommissionReport
    public var day: PaperDay
}

/// Everything that survives a restart.
public struct PaperState: Codable, Sendable {
    public var schema = 1
    public var asOf: PaperDay
    public var account: String
    public var cash: Decimal
    public var startingCash: Decimal
    public var realizedPnL: Decimal = 0
    /// Highest order id each client has used (ids only grow, per client, across restarts).
    public var maxOrderId: [String: Int] = [:]
    public var nextPermId = 1_000_001
    public var nextExecSeq = 1
    public var orders: [PaperOrder] = []
    public var positions: [String: PaperPosition] = [:]
    public var fills: [PaperFill] = []
    /// After an admin `reset`: the highest order id used before it, so no client's next id reuses one (nil = never reset).
    public var orderIdFloor: Int?

    enum CodingKeys: String, CodingKey {
        case schema, asOf = "as_of", account, cash, startingCash = "starting_cash", realizedPnL = "realized_pnl"
        case maxOrderId = "max_order_id", nextPermId = "next_perm_id", nextExecSeq = "next_exec_seq", orders, positions, fills
        case orderIdFloor = "order_id_floor"
    }

    public init(asOf: PaperDay, account: String, cash: Decimal) {
        self.asOf = asOf
        self.account = account
        self.cash = cash
        self.startingCash = cash
    }

    /// The next valid id for a client: one above everything it (or anyone, for safety) used, before a reset too.
    public func nextValidId(clientId: Int) -> Int {
        max(1, (maxOrderId[String(clientId)] ?? 0) + 1, (orders.map(\.orderId).max() ?? 0) + 1, (orderIdFloor ?? 0) + 1)
    }
}

/// Reads and writes the state file atomically: write a temporary file, fsync it, rename, fsync the directory.
public struct PaperStateStore: Sendable {
    public let path: String

    public init(directory: String) {
        path = (directory as NSString).appendingPathComponent("ib-paper-state.json")
    }

    /// nil when no state was saved yet; throws when the file exists but cannot be read.
    public func load() throws -> PaperState? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else { throw PaperError.state("cannot read \(path)") }
        do { return try JSONDecoder().decode(PaperState.self, from: data) } catch {
            throw PaperError.state("\(path) is not a valid ib-paper state file: \(error)")
        }
    }

    public func save(_ state: PaperState) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(state)
        let tmp = path + ".tmp"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw PaperError.state("cannot create \(tmp): errno \(errno)") }
        var ok = data.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
        ok = ok && fsync(fd) == 0
        close(fd)
        guard ok, rename(tmp, path) == 0 else { throw PaperError.state("cannot write \(path): errno \(errno)") }
        let dir = open((path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent, O_RDONLY)
        if dir >= 0 { _ = fsync(dir); close(dir) }
    }
}

/// Failures of the paper gateway itself (not protocol errors sent to clients).
public enum PaperError: Error, CustomStringConvertible, Sendable {
    case state(String)
    case config(String)
    case socket(String)

    public var description: String {
        switch self {
        case .state(let s): "state: \(s)"
        case .config(let s): "configuration: \(s)"
        case .socket(let s): "socket: \(s)"
        }
    }
}
