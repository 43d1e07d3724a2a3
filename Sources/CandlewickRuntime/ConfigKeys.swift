import CandlewickBus
import CandlewickCore
import Foundation

/// Every configuration key Candlewick reads — its type, allowed values, default, meaning and readers —
/// declared once. `ConfigFile` validates every value by this table when it loads; code reads values
/// through it (`config[\.riskSizing]`), so a key is parsed by one rule everywhere. docs/config.md is
/// generated from it (`candlewick config keys --markdown`).
///
/// Adding a key is one line here: a stored property named after the key in camel case
/// (`llm.max_tokens` → `llmMaxTokens`), read as the Swift type its kind produces (`int` → `Int`,
/// `number` → `Double`, `decimal` → `Decimal`, `bool` → `Bool`, `list` → `[String]`, the rest →
/// `String` or a `ConfigChoice` enum; `Optional` when it has no default). `ConfigKeys.all` collects the
/// properties by reflection, in declaration order; the unit tests check every declaration.
public struct ConfigKeys: Sendable {
    typealias P = ConfigProcess
    static let bus = P.busUsers, work = P.workEndpointUsers
    static let seconds = ConfigKind.number(min: 0, minInclusive: false, max: 86_400)
    static let amount = ConfigKind.decimal(min: 0, minInclusive: false, max: 1_000_000_000_000)
    static let count = ConfigKind.integer(1...10_000_000)

    // MARK: bus
    public let busDirectory = ConfigKey<String>("bus.directory", .path, default: BusDirectory.defaultPath,
        "directory of the default ipc:// endpoints; created 0700, refused if another user owns it or others may write to it", bus)
    public let busPublish = ConfigKey<String>("bus.publish", .endpoint, default: "ipc://<bus.directory>/bus-pub.sock",
        "endpoint publishers connect to: the proxy's XSUB side", bus)
    public let busSubscribe = ConfigKey<String>("bus.subscribe", .endpoint, default: "ipc://<bus.directory>/bus-sub.sock",
        "endpoint subscribers connect to: the proxy's XPUB side", bus)
    public let busHighWaterMark = ConfigKey<Int>("bus.high_water_mark", .integer(0...Int(Int32.max)), default: "10000",
        "messages queued per peer before PUB drops / PUSH blocks (0 = no limit)", bus)
    public let busMaxMessageBytes = ConfigKey<Int>("bus.max_message_bytes", .integer(1_024...(1 << 40)), default: "67108864",
        "largest accepted message in bytes (libzmq ZMQ_MAXMSGSIZE, and the decoder's limit)", bus)
    public let busLingerMs = ConfigKey<Int>("bus.linger_ms", .integer(0...600_000), default: "500",
        "how long unsent messages are kept when a socket closes, ms", bus)

    // MARK: work queues and command sockets
    public let chartJobs = ConfigKey<String>("chart.jobs", .endpoint, default: "ipc://<bus.directory>/chart-jobs.sock",
        "endpoint chart jobs are pushed on; the run owner binds, chart-workers connect", work)
    public let chartResults = ConfigKey<String>("chart.results", .endpoint, default: "ipc://<bus.directory>/chart-results.sock",
        "endpoint chart results are pushed to; the run owner binds, chart-workers connect", work)
    public let llmJobs = ConfigKey<String>("llm.jobs", .endpoint, default: "ipc://<bus.directory>/analysis-jobs.sock",
        "endpoint analysis jobs are pushed on; the run owner binds, llm-workers connect", work)
    public let llmResults = ConfigKey<String>("llm.results", .endpoint, default: "ipc://<bus.directory>/analysis-results.sock",
        "endpoint analysis results are pushed to; the run owner binds, llm-workers connect", work)
    public let gatewayCommands = ConfigKey<String>("gateway.commands", .endpoint, default: "ipc://<bus.directory>/gateway.sock",
        "endpoint of gateway-bridge's command socket (ROUTER, bound by gateway-bridge)", work)
    public let gatewayEvents = ConfigKey<String>("gateway.events", .endpoint, default: "ipc://<bus.directory>/gateway-events.sock",
        "endpoint of gateway-bridge's broker-event PUB socket, read by order-router point to point (bound by gateway-bridge)", work)
    public let routerCommands = ConfigKey<String>("router.commands", .endpoint, default: "ipc://<bus.directory>/router.sock",
        "endpoint of order-router's command socket (ROUTER, bound by order-router; signal.submit, trading.command)",
        [.run, .trading, .console, .orderRouter])

    // MARK: security
    public let securityKeys = ConfigKey<String>("security.keys", .path, default: "<bus.directory>/keys",
        "directory of this host's CURVE key pairs and allow-list, mode 0700", bus)
    public let securityAllowList = ConfigKey<String?>("security.allow_list", .path, note: "<security.keys>/allow.list",
        "the allow-list file; one shared read-only list when each role runs as its own user", bus)
    public let securityGenerateKeys = ConfigKey<Bool>("security.generate_keys", .boolean, default: "true",
        "generate a missing key pair (and the allow-list entry) on first start: the one-host stack (false in production)", bus)
    public let securityKeyName = ConfigKey<String?>("security.key_name", .text(nonEmpty: true), note: "the process's role, e.g. chart-worker",
        "name of this process's key pair in security.keys", bus)
    public let securityAuditDirectory = ConfigKey<String>("security.audit_directory", .path, default: "<bus.directory>/audit",
        "where authority-bearing actions and refusals are appended, <process>.jsonl", bus)

    // MARK: ib
    public let ibHost = ConfigKey<String>("ib.host", .text(nonEmpty: true), default: "127.0.0.1",
        "IB Gateway / TWS / ib-paper address", [.gatewayBridge])
    public let ibPort = ConfigKey<Int>("ib.port", .integer(1...65_535), default: "4002",
        "TWS API port (4002: IB Gateway paper; 4001 is live)", [.gatewayBridge])
    public let ibClientId = ConfigKey<Int>("ib.client_id", .integer(0...Int(Int32.max)), default: "1",
        "TWS API client id (one per connection)", [.gatewayBridge])
    public let ibReconnectMaxS = ConfigKey<Double>("ib.reconnect_max_s", seconds, default: "10",
        "longest wait between reconnect attempts after the IB connection drops, seconds", [.gatewayBridge])
    public let ibConnectTimeoutS = ConfigKey<Double>("ib.connect_timeout_s", seconds, default: "10",
        "seconds for connect plus handshake", [.gatewayBridge])
    public let ibMaxMessagesPerSecond = ConfigKey<Int>("ib.max_messages_per_second", .integer(1...50), default: "45",
        "messages gateway-bridge writes to IB in any rolling second at most (IB disconnects above 50); orders go before queued data requests", [.gatewayBridge])
    public let ibPaperAdmin = ConfigKey<String?>("ib.paper_admin", .hostPort, note: "unset",
        "host:port of ib-paper's admin line protocol (demo mode only; e.g. 127.0.0.1:4003)", [.run])
    public let ibPaperAdminTokenFile = ConfigKey<String>("ib.paper_admin_token_file", .path, default: "<security.keys>/ib-paper-admin.token",
        "file holding the token ib-paper's admin port requires (created 0600 by ib-paper when missing)", [.run, .ibPaper])

    // MARK: router
    public let routerJournal = ConfigKey<String>("router.journal", .path, default: "state/order-router/intents.jsonl",
        "path of the durable intent journal", [.orderRouter])
    public let routerMode = ConfigKey<LiveArming.Mode>("router.mode", .choice(["paper", "live"], caseInsensitive: false), default: "paper",
        "paper or live; live also needs --arm-live and router.account", [.orderRouter])
    public let routerAccount = ConfigKey<String?>("router.account", .text(nonEmpty: true), note: "unset",
        "the IB account orders go to; must be among the gateway's accounts (live: required)", [.orderRouter])
    public let routerAllowedSources = ConfigKey<[String]>("router.allowed_sources", .list(.name), default: "candlewick-run,cli,console,test",
        "labels accepted in the payload source of signal.submit / trading.command; a label filter only: authority comes from the sender's key (docs/protocol.md)", [.orderRouter])
    public let routerPlaceTimeoutS = ConfigKey<Double>("router.place_timeout_s", seconds, default: "15",
        "seconds to wait for gateway-bridge to acknowledge an order", [.orderRouter])
    public let routerClock = ConfigKey<RouterClockSource>("router.clock", .choice(["wall", "broker"], caseInsensitive: false), default: "wall",
        "the risk gate's clock (day limits, UTC day reset, orders per minute, journal times): wall, or broker = IB's time (reqCurrentTime through gateway-bridge; ib-paper's simulated day), read before each signal; a signal is denied (broker_clock_unavailable) when it cannot be read", [.orderRouter])

    // MARK: risk
    public let riskSizing = ConfigKey<RiskPolicy.Sizing>("risk.sizing", .choice(["fixed", "risk"], caseInsensitive: false), default: "fixed",
        "fixed: fixed_shares per order; risk: risk_budget / |entry - stop|, capped at max_shares", [.orderRouter])
    public let riskFixedShares = ConfigKey<Int>("risk.fixed_shares", count, default: "10",
        "shares per order with fixed sizing", [.orderRouter])
    public let riskRiskBudget = ConfigKey<Decimal>("risk.risk_budget", amount, default: "500",
        "risk per trade with risk sizing: shares = budget / |entry - stop|", [.orderRouter])
    public let riskMaxShares = ConfigKey<Int>("risk.max_shares", count, default: "1000",
        "cap on shares with risk sizing", [.orderRouter])
    public let riskMaxOrderNotional = ConfigKey<Decimal>("risk.max_order_notional", amount, default: "10000",
        "largest notional of one order; larger ones are clamped", [.orderRouter])
    public let riskMaxPositionNotional = ConfigKey<Decimal>("risk.max_position_notional", amount, default: "20000",
        "largest notional held in one symbol; larger orders are clamped", [.orderRouter])
    public let riskMaxOpenPositions = ConfigKey<Int>("risk.max_open_positions", count, default: "10",
        "most symbols held or with an entry in flight", [.orderRouter])
    public let riskAllowAdding = ConfigKey<Bool>("risk.allow_adding", .boolean, default: "false",
        "allow adding to a position in the same direction", [.orderRouter])
    public let riskAllowShort = ConfigKey<Bool>("risk.allow_short", .boolean, default: "false",
        "allow SELL to open a short (false: SELL only closes or reduces a long)", [.orderRouter])
    public let riskDailyNotionalBudget = ConfigKey<Decimal>("risk.daily_notional_budget", amount, default: "50000",
        "notional opening orders may use per day", [.orderRouter])
    public let riskMaxDailyLoss = ConfigKey<Decimal>("risk.max_daily_loss", amount, default: "2000",
        "realised loss per day that halts trading", [.orderRouter])
    public let riskMaxOrdersPerMinute = ConfigKey<Int>("risk.max_orders_per_minute", count, default: "30",
        "order rate limit", [.orderRouter])
    public let riskTickSize = ConfigKey<Decimal>("risk.tick_size", .decimal(min: 0, minInclusive: false, max: 1_000), default: "0.01",
        "price increment orders are rounded to", [.orderRouter])
    public let riskEntryType = ConfigKey<OrderType>("risk.entry_type", .choice(["MARKET", "LIMIT", "STOP", "STOP_LIMIT"], caseInsensitive: true),
        default: "LIMIT", "entry order type", [.orderRouter])
    public let riskTif = ConfigKey<TimeInForce>("risk.tif", .choice(["DAY", "GTC"], caseInsensitive: true), default: "DAY",
        "time in force", [.orderRouter])
    public let riskChildTif = ConfigKey<TimeInForce?>("risk.child_tif", .choice(["DAY", "GTC"], caseInsensitive: true), note: "same as risk.tif",
        "time in force of a bracket's take-profit and stop-loss legs (e.g. a DAY entry with GTC protection)", [.orderRouter])
    public let riskMarketOrdersWhenClosed = ConfigKey<Bool>("risk.market_orders_when_closed", .boolean, default: "false",
        "allow market orders into a closed market", [.orderRouter])
    public let riskOutsideRth = ConfigKey<Bool>("risk.outside_rth", .boolean, default: "false",
        "let orders fill outside regular trading hours", [.orderRouter])
    public let riskMinRewardRisk = ConfigKey<Decimal>("risk.min_reward_risk", .decimal(min: 0, minInclusive: true, max: 100), default: "1",
        "smallest |target - entry| / |entry - stop| of an opening bracket (reason code reward_risk_low)", [.orderRouter])
    public let riskMinStopPct = ConfigKey<Decimal>("risk.min_stop_pct", .decimal(min: 0, minInclusive: true, max: 1), default: "0.002",
        "smallest |entry - stop| as a fraction of the entry (reason code stop_too_close)", [.orderRouter])
    public let riskMinStopAtr = ConfigKey<Decimal>("risk.min_stop_atr", .decimal(min: 0, minInclusive: true, max: 20), default: "0.5",
        "smallest |entry - stop| in ATR 14 when the ATR is known (stop_too_close)", [.orderRouter])
    public let riskMaxEntryPct = ConfigKey<Decimal>("risk.max_entry_pct", .decimal(min: 0, minInclusive: true, max: 1), default: "0.03",
        "largest |entry - last price| as a fraction of the last price (entry_too_far)", [.orderRouter])
    public let riskMaxEntryAtr = ConfigKey<Decimal>("risk.max_entry_atr", .decimal(min: 0, minInclusive: true, max: 20), default: "1",
        "largest |entry - last price| in ATR 14 when the ATR is known (entry_too_far)", [.orderRouter])

    // MARK: run
    public let runPaperAdvanceDays = ConfigKey<Int>("run.paper_advance_days", .integer(0...3_650), default: "0",
        "demo mode: days to advance ib-paper's simulated clock after a run's orders so they can fill (needs ib.paper_admin)", [.run])
    public let runUniverse = ConfigKey<[String]>("run.universe", .list(.symbol), default: "AAPL,GOOG,MSFT,SPY",
        "symbols of a run (the default: the bundled series that cover ib-paper's default as-of day)", [.run])
    public let runStageDeadS = ConfigKey<Double>("run.stage_dead_s", seconds, default: "3",
        "seconds a stage a run needs (chart-worker, llm-worker, gateway-bridge, order-router) may have no live worker by heartbeats before the run stops, naming it", [.run])

    // MARK: llm
    public let llmProvider = ConfigKey<String?>("llm.provider", .choice(["rules", "openai", "anthropic"], caseInsensitive: false),
        note: "rules, or openai / anthropic when OPENAI_API_KEY / ANTHROPIC_API_KEY is set", "the analyst", [.llmWorker])
    public let llmModel = ConfigKey<String?>("llm.model", .text(nonEmpty: true), note: "unset (required for openai/anthropic)",
        "model id for openai/anthropic; never hard-wired", [.llmWorker])
    public let llmBaseUrl = ConfigKey<String?>("llm.base_url", .url(allowEmpty: false), note: "https://api.openai.com / https://api.anthropic.com",
        "API base URL; any OpenAI-compatible server (Ollama, vLLM, LM Studio, LiteLLM) works with openai", [.llmWorker])
    public let llmApiKeyEnv = ConfigKey<String?>("llm.api_key_env", .text(nonEmpty: true), note: "OPENAI_API_KEY / ANTHROPIC_API_KEY",
        "environment variable holding the API key", [.llmWorker])
    public let llmApiKeyFile = ConfigKey<String?>("llm.api_key_file", .path, note: "unset",
        "file holding the API key (instead of the environment)", [.llmWorker])
    public let llmImageDetail = ConfigKey<String>("llm.image_detail", .choice(["low", "high", "auto", "original"], caseInsensitive: false),
        default: "high", "OpenAI image detail", [.llmWorker])
    public let llmResponseFormat = ConfigKey<String>("llm.response_format", .choice(["json_schema", "json_object"], caseInsensitive: false),
        default: "json_schema", "OpenAI: strict json_schema, or json_object for servers without strict schemas", [.llmWorker])
    public let llmAuthStyle = ConfigKey<String>("llm.auth_style", .choice(["x-api-key", "bearer"], caseInsensitive: false), default: "x-api-key",
        "Anthropic auth header", [.llmWorker])
    public let llmAnthropicVersion = ConfigKey<String>("llm.anthropic_version", .text(nonEmpty: true), default: "2023-06-01",
        "anthropic-version header", [.llmWorker])
    public let llmStructuredMode = ConfigKey<String>("llm.structured_mode", .choice(["json_schema", "tool"], caseInsensitive: false),
        default: "json_schema", "Anthropic structured output: output_config JSON schema, or tool (forced tool use)", [.llmWorker])
    public let llmMaxTokens = ConfigKey<Int>("llm.max_tokens", .integer(1...1_000_000), default: "1200",
        "output token limit per request", [.llmWorker])
    public let llmMaxConcurrent = ConfigKey<Int>("llm.max_concurrent", .integer(1...1_024), default: "16",
        "requests in flight per worker", [.llmWorker])
    public let llmRequestsPerMinute = ConfigKey<Int>("llm.requests_per_minute", .integer(1...1_000_000), default: "500",
        "requests started per rolling minute", [.llmWorker])
    public let llmTimeoutS = ConfigKey<Double>("llm.timeout_s", seconds, default: "120",
        "total time limit per request, seconds", [.llmWorker])
    public let llmCacheDir = ConfigKey<String?>("llm.cache_dir", .path, note: "unset (no cache)",
        "response cache directory: replays identical analyses without HTTP", [.llmWorker])
    public let llmMaxAnswerBytes = ConfigKey<Int>("llm.max_answer_bytes", .integer(256...1_048_576), default: "8192",
        "largest model answer accepted, bytes; larger ones are refused (json.too_large)", [.llmWorker])
    public let llmMinStopAtr = ConfigKey<Double>("llm.min_stop_atr", .number(min: 0, minInclusive: true, max: 20), default: "0.5",
        "smallest |entry - stop| in daily ATR 14", [.llmWorker])
    public let llmMinRewardRisk = ConfigKey<Double>("llm.min_reward_risk", .number(min: 0, minInclusive: true, max: 100), default: "1",
        "smallest |target - entry| / |entry - stop|", [.llmWorker])
    public let llmMaxEntryAtr = ConfigKey<Double>("llm.max_entry_atr", .number(min: 0, minInclusive: true, max: 20), default: "1",
        "largest |entry - last close| in daily ATR 14", [.llmWorker])
    public let llmMaxEntryPct = ConfigKey<Double>("llm.max_entry_pct", .number(min: 0, minInclusive: true, max: 0.5), default: "0.03",
        "largest |entry - last close| / last close", [.llmWorker])
    public let llmChartRangeSlack = ConfigKey<Double>("llm.chart_range_slack", .number(min: 0, minInclusive: true, max: 1), default: "0.05",
        "stop and target must lie in the daily chart's low-high widened by this fraction of it", [.llmWorker])
    public let llmPrices = ConfigKey<String?>("llm.prices", .text(nonEmpty: true), note: "unset (cost_usd null)",
        "USD per million tokens: model=input/output[/cache_read[/cache_write]], comma separated", [.llmWorker])
    public let llmImageTokenFormula = ConfigKey<String?>("llm.image_token_formula",
        .choice(["openai-tile", "openai-patch", "anthropic"], caseInsensitive: false), note: "by provider",
        "how image tokens are counted", [.llmWorker])
    public let llmImagePatchMultiplier = ConfigKey<Double>("llm.image_patch_multiplier", .number(min: 0.01, minInclusive: true, max: 100),
        default: "1", "openai-patch models' token multiplier (1.62 for gpt-4.1-mini)", [.llmWorker])
    public let llmShadow = ConfigKey<Bool>("llm.shadow", .boolean, default: "false",
        "true: analyse and record signals, submit nothing", [.llmWorker])
    public let llmMaxDailyCostUsd = ConfigKey<Double?>("llm.max_daily_cost_usd", .number(min: 0, minInclusive: true, max: 1_000_000),
        note: "unset (no limit)", "model spend per UTC day after which no model call is made (HOLD, call.spend_limit); needs the model in llm.prices",
        [.llmWorker])

    // MARK: tracker
    public let trackerMlflowUri = ConfigKey<String?>("tracker.mlflow_uri", .url(allowEmpty: true), note: "$MLFLOW_TRACKING_URI, else empty",
        "MLflow tracking server URL (http[s]://host:port); empty = the local run folder and report (a backtest: not logged)", [.tracker, .run])
    public let trackerExperiment = ConfigKey<String>("tracker.experiment", .text(nonEmpty: true), default: "candlewick",
        "MLflow experiment the runs are logged to (created if missing)", [.tracker, .run])
    public let trackerDirectory = ConfigKey<String>("tracker.directory", .path, default: "runs",
        "where the local run folders are written (`<tracker.directory>/<run id>/tracking/`) and where a starting tracker looks for run outboxes (`<tracker.directory>/*/outbox`); the console lists them under past runs", [.tracker, .console])
    public let trackerSpoolDir = ConfigKey<String>("tracker.spool_dir", .path, default: "<tracker.directory>/.tracker-spool",
        "the tracker's durable spool: journal, attachments, delivery cursors", [.tracker])
    public let trackerRequestTimeoutS = ConfigKey<Double>("tracker.request_timeout_s", seconds, default: "15",
        "time limit per MLflow request, seconds", [.tracker, .run])
    public let trackerRetryMaxS = ConfigKey<Double>("tracker.retry_max_s", seconds, default: "5",
        "longest wait between delivery attempts while the sink is unreachable, seconds", [.tracker])

    // MARK: runtime
    public let runtimeHeartbeatIntervalS = ConfigKey<Double>("runtime.heartbeat_interval_s", seconds, default: "2",
        "seconds between heartbeats", bus)
    public let runtimeShutdownBudgetS = ConfigKey<Double>("runtime.shutdown_budget_s", seconds, default: "5",
        "seconds a process may take to shut down after SIGTERM; a supervisor's stop timeout must be longer", P.allCases)
    public let runtimeLogFormat = ConfigKey<LineLogHandler.Format>("runtime.log_format", .choice(["text", "json"], caseInsensitive: false),
        default: "text", "log lines on stderr: text or json (--log-format overrides)", P.allCases)

    /// The one instance (key paths into it name keys: `config[\.riskSizing]`).
    public static let table = ConfigKeys()

    /// Every key, in declaration order, each with its property name.
    public static let declared: [(property: String, key: any AnyConfigKey)] = Mirror(reflecting: table).children.compactMap { child in
        guard let label = child.label, let key = child.value as? any AnyConfigKey else { return nil }
        return (label, key)
    }

    /// Every key's spec, in declaration order.
    public static let all: [ConfigSpec] = declared.map(\.key.spec)

    /// `section.key` → spec.
    public static let byName: [String: ConfigSpec] = Dictionary(all.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
}
