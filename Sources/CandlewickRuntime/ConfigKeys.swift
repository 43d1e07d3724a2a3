/// Every configuration key Candlewick reads, with its meaning. docs/config.md is the long form.
public enum ConfigKeys {
    /// `section.key` → one-line description.
    public static let known: [String: String] = [
        "bus.directory": "directory of the default ipc:// endpoints (default /tmp/candlewick)",
        "bus.publish": "endpoint publishers connect to: the proxy's XSUB side (default ipc://<bus.directory>/bus-pub.sock)",
        "bus.subscribe": "endpoint subscribers connect to: the proxy's XPUB side (default ipc://<bus.directory>/bus-sub.sock)",
        "bus.high_water_mark": "messages queued per peer before PUB drops / PUSH blocks (default 10000)",
        "bus.max_message_bytes": "largest accepted message in bytes (default 67108864)",
        "bus.linger_ms": "how long unsent messages are kept when a socket closes (default 500)",
        "chart.jobs": "endpoint chart jobs are pushed on; the run owner binds, chart-workers connect (default ipc://<bus.directory>/chart-jobs.sock)",
        "chart.results": "endpoint chart results are pushed to; the run owner binds, chart-workers connect (default ipc://<bus.directory>/chart-results.sock)",
        "runtime.heartbeat_interval_s": "seconds between heartbeats (default 2)",
        "runtime.shutdown_budget_s": "seconds a process may take to shut down gracefully after SIGTERM (default 5)",
        "runtime.log_format": "text or json (default text)",
    ]
}
