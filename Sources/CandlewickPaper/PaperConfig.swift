import Foundation

/// How an ib-paper server is set up (the executable fills this from its options).
public struct PaperConfig: Sendable {
    public var host = "127.0.0.1"
    /// 0 = any free port (the chosen one is logged and returned by `start`).
    public var port = 4002
    /// Line protocol for the simulation clock (`advance [n]`, `setdate`, `reset`, `asof`, … see `PaperAdmin`); nil = none.
    public var adminPort: Int?
    /// The token an admin connection must send first (`auth <token>`); nil = no admin port auth (tests of the library only).
    public var adminToken: String?
    /// Directory of `SYMBOL.csv` files.
    public var dataDirectory: String
    /// Symbols served with deterministic synthetic bars (only when named explicitly).
    public var synthetic: [String] = []
    /// Where `ib-paper-state.json` lives.
    public var stateDirectory = "."
    /// The simulated day for a fresh state (nil = computed, see `PaperServer.defaultAsOf`).
    public var asOf: PaperDay?
    public var account = "DU0000001"
    public var startingCash: Decimal = 100_000
    public var maxConnections = 64
    public var maxMessagesPerSecond = 50
    public var maxHistoricalPer10Min = 60
    public var historicalPacing = true
    public var maxMessageLength = 1 << 20
    /// Partial fills: the fraction (0 < f <= 1) of a day's volume one order may take on that day's bar; the rest
    /// stays working for later bars. nil = every order fills in full (the default).
    public var maxVolumeParticipation: Decimal?

    public init(dataDirectory: String) { self.dataDirectory = dataDirectory }
}
