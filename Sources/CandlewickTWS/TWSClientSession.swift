import Foundation

/// The client side of a connection as a pure value: feed it the bytes that arrive, send the bytes it
/// returns. No sockets here; gateway-bridge owns the I/O.
///
/// States: `awaitingServerHello` → (server hello accepted, START_API sent) `starting` → (both
/// MANAGED_ACCTS and NEXT_VALID_ID seen) `ready`. Any protocol error moves it to `failed` for good.
public struct TWSClientSession: Sendable {
    public enum State: Sendable, Equatable {
        case awaitingServerHello
        case starting
        case ready
        case failed(String)
    }

    public let clientId: Int
    public private(set) var state: State = .awaitingServerHello
    public private(set) var serverVersion: Int?
    public private(set) var connectionTime: String?
    public private(set) var accounts: [String]?
    /// The latest NEXT_VALID_ID, raised to stay above every id we used (`useOrderId`).
    public private(set) var nextOrderId: Int?
    private var buffer: TWSFrameBuffer

    public init(clientId: Int, maxMessageLength: Int = TWSWire.maxMessageLength) {
        self.clientId = clientId
        self.buffer = TWSFrameBuffer(maxLength: maxMessageLength)
    }

    /// The first bytes to write after connecting.
    public func hello() -> Data { TWSHandshake.clientHello() }

    /// What `receive` produced: bytes to send back and events for the application.
    public struct Output: Sendable {
        public var send = Data()
        public var events: [TWSEvent] = []
    }

    /// Feeds received bytes. Throws (and enters `failed`) on a framing, handshake or decoding error:
    /// the connection must then be closed.
    public mutating func receive(_ bytes: some Sequence<UInt8>) throws -> Output {
        if case .failed(let why) = state { throw TWSProtocolError.handshake("session already failed: \(why)") }
        buffer.append(bytes)
        var out = Output()
        do {
            while let fields = try buffer.nextFields() {
                if state == .awaitingServerHello {
                    guard fields.count == 2 else { continue }  // ibapi skips anything before the 2-field hello
                    let hello = try TWSHandshake.parseServerHello(fields)
                    serverVersion = hello.serverVersion
                    connectionTime = hello.connectionTime
                    out.send.append(try TWSRequest.startApi(clientId: clientId, optionalCapabilities: "").frame())
                    state = .starting
                    continue
                }
                let event = try TWSEvent.decode(fields)
                switch event {
                case .managedAccounts(let a): accounts = a
                case .nextValidId(let id): nextOrderId = max(id, nextOrderId ?? id)
                default: break
                }
                if state == .starting, accounts != nil, nextOrderId != nil { state = .ready }
                out.events.append(event)
            }
        } catch {
            state = .failed("\(error)")
            throw error
        }
        return out
    }

    /// Takes the next order id and advances the counter. nil before NEXT_VALID_ID.
    public mutating func takeOrderId() -> Int? {
        guard let id = nextOrderId else { return nil }
        nextOrderId = id + 1
        return id
    }

    /// Records an id used elsewhere (e.g. persisted high-water mark) so the next ones stay above it.
    public mutating func useOrderId(atLeast id: Int) {
        nextOrderId = max(nextOrderId ?? id + 1, id + 1)
    }
}
