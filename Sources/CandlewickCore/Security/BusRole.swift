/// Who a bus key belongs to. The role is what a CURVE key is allowed to do; it is written next to
/// the public key in the allow-list and, once a connection is admitted, libzmq reports it as the
/// connection's `User-Id` on every message received from that peer.
public enum BusRole: String, Sendable, CaseIterable, Codable {
    /// `candlewick run` / `candlewick charts`: owns a run, binds the work queues, submits signals.
    case runOwner = "run-owner"
    /// `candlewick proxy`: hosts the pub/sub proxy.
    case proxy
    case gatewayBridge = "gateway-bridge"
    case orderRouter = "order-router"
    case chartWorker = "chart-worker"
    case llmWorker = "llm-worker"
    case tracker
    /// `tap`, `candlewick status` and `candlewick console` (which reads the bus with this key).
    case observer
    /// A person: `candlewick trading …`, `candlewick send`, the console's buttons.
    case `operator`

    /// The role a process runs as, from the process name it gives `ProcessContext`; nil for processes
    /// without bus sockets (ib-paper) or tools that need no key (`candlewick keys`).
    public static func forProcess(_ process: String) -> BusRole? {
        allCases.first { $0.processes.contains(process) }
    }

    /// The process names (`source` prefixes) a key of this role may send as.
    public var processes: [String] {
        switch self {
        case .runOwner: ["candlewick-run", "candlewick-charts"]
        case .proxy: ["proxy"]
        case .gatewayBridge: ["gateway-bridge"]
        case .orderRouter: ["order-router"]
        case .chartWorker: ["chart-worker"]
        case .llmWorker: ["llm-worker"]
        case .tracker: ["tracker"]
        case .observer: ["tap", "candlewick-status", "candlewick-console"]
        case .operator: ["candlewick-trading", "candlewick-send"]
        }
    }

    /// True when an envelope `source` (an instance name such as `order-router.4711`) names one of
    /// this role's processes.
    public func owns(source: String) -> Bool {
        processes.contains { source == $0 || source.hasPrefix($0 + ".") }
    }
}

/// The named endpoints of a Candlewick deployment. The name is the endpoint's configuration key and
/// its ZAP domain; it decides which role binds it (and so whose public key a client expects) and
/// which roles may connect.
public enum BusEndpointName: String, Sendable, CaseIterable {
    case busPublish = "bus.publish"
    case busSubscribe = "bus.subscribe"
    case chartJobs = "chart.jobs"
    case chartResults = "chart.results"
    case analysisJobs = "llm.jobs"
    case analysisResults = "llm.results"
    case gatewayCommands = "gateway.commands"
    case gatewayEvents = "gateway.events"
    case routerCommands = "router.commands"

    /// The role whose key the bound (CURVE server) socket uses.
    public var server: BusRole {
        switch self {
        case .busPublish, .busSubscribe: .proxy
        case .chartJobs, .chartResults, .analysisJobs, .analysisResults: .runOwner
        case .gatewayCommands, .gatewayEvents: .gatewayBridge
        case .routerCommands: .orderRouter
        }
    }

    /// Roles whose keys may connect. Everything else is refused during the handshake.
    public var admitted: Set<BusRole> {
        switch self {
        case .busPublish: Set(BusRole.allCases).subtracting([.observer])
        case .busSubscribe: Set(BusRole.allCases)
        case .chartJobs, .chartResults: [.chartWorker]
        case .analysisJobs, .analysisResults: [.llmWorker]
        case .gatewayCommands: [.orderRouter, .runOwner]
        case .gatewayEvents: [.orderRouter]
        case .routerCommands: [.runOwner, .operator, .observer]
        }
    }
}
