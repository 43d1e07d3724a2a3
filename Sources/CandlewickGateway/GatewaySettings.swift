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
    /// Messages written to IB in any rolling second at most (`ib.max_messages_per_second`, 45).
    public var maxMessagesPerSecond: Int
    /// Where gateway-bridge's command socket (ROUTER) is bound.
    public var commands: String
    /// Where gateway-bridge's broker-event PUB socket (`broker.*`, read by order-router) is bound.
    public var events: String

    public init(config: ConfigFile) throws {
        host = config[\.ibHost]
        port = config[\.ibPort]
        clientId = config[\.ibClientId]
        connectTimeout = config[\.ibConnectTimeoutS]
        reconnectMax = config[\.ibReconnectMaxS]
        maxMessagesPerSecond = config[\.ibMaxMessagesPerSecond]
        commands = config[\.gatewayCommands]
        events = config[\.gatewayEvents]
    }
}
