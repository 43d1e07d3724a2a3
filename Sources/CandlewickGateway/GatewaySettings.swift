import CandlewickRuntime

/// gateway-bridge's configuration (`ib.*`, `gateway.commands`), read once at start-up; a value that is
/// not a number stops the process naming the key and where it was set.
public struct GatewaySettings: Sendable {
    /// IB Gateway / TWS / ib-paper address and TWS API port (4002: IB Gateway paper; 4001 is live).
    public var host: String
    public var port: Int
    /// TWS API client id (one per connection).
    public var clientId: Int
    /// Seconds for connect plus handshake, and the longest wait between reconnect attempts.
    public var connectTimeout: Double
    public var reconnectMax: Double
    /// Where gateway-bridge's command socket (ROUTER) is bound.
    public var commands: String

    public init(config: ConfigFile) throws {
        host = config.string("ib.host", default: "127.0.0.1")
        port = try config.int("ib.port", default: 4002)
        clientId = try config.int("ib.client_id", default: 1)
        connectTimeout = try config.double("ib.connect_timeout_s", default: 10)
        reconnectMax = try config.double("ib.reconnect_max_s", default: 10)
        commands = try WorkEndpoints(config: config).gatewayCommands
    }
}
