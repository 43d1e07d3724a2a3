// swift-tools-version: 6.1
// Candlewick: IB daily bars → indicators → charts → vision-LLM signal → risk gate → bracket orders → MLflow.
// Layers: CandlewickCore (models, pure logic, no I/O) → CandlewickBus (ZeroMQ) → CandlewickRuntime
// (process plumbing) → one library per role → thin executables.
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

func systemLibrary(_ name: String, _ pkg: String, apt: String) -> Target {
    .systemLibrary(name: name, path: "Sources/\(name)", pkgConfig: pkg, providers: [.apt([apt])])
}

let package = Package(
    name: "Candlewick",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "candlewick", targets: ["candlewick"]),
        .executable(name: "tap", targets: ["tap"]),
        .executable(name: "chart-worker", targets: ["chart-worker"]),
        .executable(name: "gateway-bridge", targets: ["gateway-bridge"]),
        .executable(name: "ib-paper", targets: ["ib-paper"]),
        .executable(name: "llm-worker", targets: ["llm-worker"]),
        .executable(name: "order-router", targets: ["order-router"]),
        .executable(name: "tracker", targets: ["tracker"]),
        .executable(name: "candlewick-bench", targets: ["candlewick-bench"]),
        // In-memory twins of the bus's sockets, a manual clock, a fake broker and seeded bars: one test
        // body runs in memory and over real ZeroMQ.
        .library(name: "CandlewickTesting", targets: ["CandlewickTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        // SHA-256 (CandlewickCore's SHA256Digest); builds its vendored BoringSSL.
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        // Metrics API (counters, gauges, histograms) and its Prometheus backend (docs/metrics.md).
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        // The console's HTTP server (CandlewickConsole only: no other executable links it).
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", exact: "2.28.1", traits: []),
    ],
    targets: [
        // C libraries from the system, found through pkg-config.
        systemLibrary("CZMQ", "libzmq", apt: "libzmq3-dev"),
        systemLibrary("CCurl", "libcurl", apt: "libcurl4-openssl-dev"),
        systemLibrary("CPNG", "libpng", apt: "libpng-dev"),
        systemLibrary("CFreeType", "freetype2", apt: "libfreetype-dev"),
        systemLibrary("CZlib", "zlib", apt: "zlib1g-dev"),

        // Models, envelope, validation, indicators and other pure logic. No I/O. SHA-256 from swift-crypto.
        .target(name: "CandlewickCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")], swiftSettings: swiftSettings),
        // The message bus: envelope framing over libzmq, the proxy, the FrameChannel abstraction (twins in CandlewickTesting).
        .target(
            name: "CandlewickBus",
            dependencies: [
                "CandlewickCore", "CZMQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: swiftSettings
        ),
        // What every process shares: options, config, logging, shutdown, heartbeat.
        .target(
            name: "CandlewickRuntime",
            dependencies: [
                "CandlewickCore", "CandlewickBus",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings
        ),
        // Raster engine, FreeType text, PNG encoding and the trader chart layout.
        .target(name: "CandlewickCharts", dependencies: ["CandlewickCore", "CPNG", "CFreeType", "CZlib"], swiftSettings: swiftSettings),
        // chart-worker's role: chart jobs in, rendered charts out.
        .target(name: "CandlewickChartWorker", dependencies: ["CandlewickCharts", "CandlewickRuntime", .product(name: "Metrics", package: "swift-metrics")],
                swiftSettings: swiftSettings),
        // HTTP over libcurl on dedicated threads (model providers, MLflow).
        .target(name: "CandlewickHTTP", dependencies: ["CCurl"], swiftSettings: swiftSettings),
        // llm-worker's role: model providers, the analysis service.
        .target(
            name: "CandlewickLLM",
            dependencies: ["CandlewickCore", "CandlewickBus", "CandlewickHTTP", "CandlewickRuntime", .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        // tracker's role: the durable spool, the MLflow REST client, the local run folder and report.
        .target(
            name: "CandlewickTracker",
            dependencies: ["CandlewickCore", "CandlewickBus", "CandlewickHTTP", "CandlewickRuntime", .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        // TWS API wire protocol, both directions (shared by gateway-bridge and ib-paper).
        .target(name: "CandlewickTWS", dependencies: ["CandlewickCore"], swiftSettings: swiftSettings),
        // gateway-bridge's role: the TWS connection and the services on the bus.
        .target(
            name: "CandlewickGateway",
            dependencies: ["CandlewickCore", "CandlewickTWS", "CandlewickBus", "CandlewickRuntime", .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        // order-router's role: the intent journal, the router actor and its service.
        .target(
            name: "CandlewickRouter",
            dependencies: ["CandlewickCore", "CandlewickBus", "CandlewickRuntime", .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Metrics", package: "swift-metrics")],
            // Test hooks (CrashPoints: CANDLEWICK_TEST_CRASH_AT) exist in debug builds only — the build `swift test` makes and
            // the python crash tests run (.build/debug/order-router); release binaries, the ones deploy/ ships, have none.
            swiftSettings: swiftSettings + [.define("CANDLEWICK_TEST_HOOKS", .when(configuration: .debug))]
        ),
        // The run owner's role: the run pipeline state machine and the service that drives it.
        .target(
            name: "CandlewickRun",
            dependencies: ["CandlewickCore", "CandlewickBus", "CandlewickRuntime", "CandlewickPaper",
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                           .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        // `candlewick console`: the live operator page (HTTP, Server-Sent Events, operator sessions) over Hummingbird.
        .target(
            name: "CandlewickConsole",
            dependencies: ["CandlewickCore", "CandlewickBus", "CandlewickRuntime", .product(name: "Hummingbird", package: "hummingbird"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings
        ),
        // Test support shipped as a library: in-memory twins, manual clock, fake broker, seeded bars.
        .target(name: "CandlewickTesting", dependencies: ["CandlewickCore", "CandlewickBus", "CandlewickRouter"], swiftSettings: swiftSettings),
        // ib-paper: the paper gateway serving the server side of the TWS API.
        .target(
            name: "CandlewickPaper",
            dependencies: ["CandlewickCore", "CandlewickTWS", "CZlib", .product(name: "Logging", package: "swift-log")],
            swiftSettings: swiftSettings
        ),

        // Thin executables.
        .executableTarget(name: "candlewick", dependencies: ["CandlewickRuntime", "CandlewickRun", "CandlewickLLM", "CandlewickCharts", "CandlewickTracker", "CandlewickConsole"], swiftSettings: swiftSettings),
        .executableTarget(name: "tap", dependencies: ["CandlewickRuntime"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "chart-worker", dependencies: ["CandlewickRuntime", "CandlewickCharts", "CandlewickChartWorker"],
            swiftSettings: swiftSettings),
        .executableTarget(name: "gateway-bridge", dependencies: ["CandlewickRuntime", "CandlewickGateway"], swiftSettings: swiftSettings),
        .executableTarget(name: "ib-paper", dependencies: ["CandlewickRuntime", "CandlewickPaper"], swiftSettings: swiftSettings),
        .executableTarget(name: "llm-worker", dependencies: ["CandlewickRuntime", "CandlewickLLM"], swiftSettings: swiftSettings),
        .executableTarget(name: "order-router", dependencies: ["CandlewickRuntime", "CandlewickRouter"], swiftSettings: swiftSettings),
        .executableTarget(name: "tracker", dependencies: ["CandlewickRuntime", "CandlewickTracker"], swiftSettings: swiftSettings),
        .executableTarget(
            name: "candlewick-bench",
            dependencies: ["CandlewickRuntime", "CandlewickCharts", "CandlewickLLM"],
            swiftSettings: swiftSettings
        ),

        .testTarget(name: "CandlewickCoreTests", dependencies: ["CandlewickCore"], resources: [.copy("Fixtures")], swiftSettings: swiftSettings),
        // The router's tests run against FakeBroker and, in-process, ib-paper's matching engine behind gateway-bridge's BracketMapping.
        .testTarget(
            name: "CandlewickRouterTests",
            dependencies: ["CandlewickRouter", "CandlewickTesting", "CandlewickPaper", "CandlewickGateway", "CandlewickTWS"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CandlewickBusTests",
            dependencies: ["CandlewickBus", "CandlewickRuntime", "CandlewickTesting", .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CandlewickChartsTests", dependencies: ["CandlewickCharts", "CandlewickChartWorker", "CandlewickTesting", "CPNG"],
            swiftSettings: swiftSettings),
        .testTarget(name: "CandlewickTrackerTests", dependencies: ["CandlewickTracker", "CandlewickBus", "CandlewickCore"], swiftSettings: swiftSettings),
        .testTarget(name: "CandlewickGatewayTests", dependencies: ["CandlewickGateway", "CandlewickTWS"], resources: [.copy("Fixtures")],
                    swiftSettings: swiftSettings),
        .testTarget(name: "CandlewickRunTests", dependencies: ["CandlewickRun", "CandlewickTesting"], swiftSettings: swiftSettings),
        // One test body per service, run in memory and over real ZeroMQ.
        .testTarget(
            name: "CandlewickServiceTests",
            dependencies: ["CandlewickRun", "CandlewickTesting", "CandlewickChartWorker", "CandlewickLLM", "CandlewickHTTP", "CandlewickRouter"],
            swiftSettings: swiftSettings),
        .testTarget(name: "CandlewickConsoleTests", dependencies: ["CandlewickConsole", "CandlewickBus", "CandlewickCore"], swiftSettings: swiftSettings),
        .testTarget(name: "CandlewickTWSTests", dependencies: ["CandlewickTWS", "CandlewickPaper"], swiftSettings: swiftSettings),
    ]
)
