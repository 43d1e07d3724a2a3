import CandlewickTWS

/// Historical requests the simulated HMDS has accepted but not answered yet, and IB's cap on them.
///
/// IB ("Historical Data Limitations"): "The maximum number of simultaneous open historical data
/// requests from the API is 50." A request beyond that is answered at once with **322**
/// "Error processing request:-'bS' : cause - Only 50 simultaneous API historical data requests
/// allowed." (the text TWS sends; the `'bS'` tag varies by TWS build), and is not opened. The cap is
/// counted over every API client of the one TWS session (all connections of this ib-paper), the
/// stricter reading of "from the API"; for gateway-bridge's single connection the two are the same.
/// A request id already open on the same connection also gets 322 ("Duplicate ticker ID for API
/// historical data query"). Cancelling an open request answers 162 "API historical data query
/// cancelled: N" and frees its slot; cancelling one that is not open answers 366 (the caller's job).
///
/// ib-paper answers from memory, so a request is only ever open while answers are held (`holding`,
/// the admin command `hmds hold`), which lets tests fill the 50 slots deterministically.
public struct PaperOpenHistorical: Sendable {
    /// IB's documented maximum of simultaneously open historical requests.
    public static let cap = 50

    /// One open request: the connection it came from, its id and the answer it will get.
    public struct Entry: Sendable {
        public let connection: ObjectIdentifier
        public let reqId: Int
        public let answer: [TWSEvent]
    }

    /// How a new request is dealt with.
    public enum Admission: Sendable, Equatable {
        /// Answer it now (nothing is held).
        case answerNow
        /// Opened; its answer waits for `release()`.
        case opened
        /// Refused with 322; the event to send.
        case refused(TWSEvent)
    }

    /// While true, accepted requests stay open until `release()`.
    public var holding = false
    /// Open requests, oldest first.
    public private(set) var open: [Entry] = []

    public init() {}

    /// Admits one request whose answer is `answer` (computed by the caller at arrival).
    public mutating func admit(connection: ObjectIdentifier, reqId: Int, answer: [TWSEvent]) -> Admission {
        if open.contains(where: { $0.connection == connection && $0.reqId == reqId }) {
            return .refused(Self.refusal(reqId, "Duplicate ticker ID for API historical data query"))
        }
        if open.count >= Self.cap {
            return .refused(Self.refusal(reqId, "Only \(Self.cap) simultaneous API historical data requests allowed."))
        }
        guard holding else { return .answerNow }
        open.append(Entry(connection: connection, reqId: reqId, answer: answer))
        return .opened
    }

    /// Cancels an open request: IB's 162 "query cancelled" to send, or nil when it was not open.
    public mutating func cancel(connection: ObjectIdentifier, reqId: Int) -> TWSEvent? {
        guard let i = open.firstIndex(where: { $0.connection == connection && $0.reqId == reqId }) else { return nil }
        open.remove(at: i)
        return PaperErrors.err(reqId, 162, "Historical Market Data Service error message:API historical data query cancelled: \(reqId)")
    }

    /// Stops holding; returns every open request (oldest first) for its answer to be sent.
    public mutating func release() -> [Entry] {
        holding = false
        defer { open.removeAll() }
        return open
    }

    /// Forgets the open requests of a closed connection.
    public mutating func drop(connection: ObjectIdentifier) {
        open.removeAll { $0.connection == connection }
    }

    static func refusal(_ reqId: Int, _ cause: String) -> TWSEvent {
        PaperErrors.err(reqId, 322, "Error processing request:-'bS' : cause - \(cause)")
    }
}
