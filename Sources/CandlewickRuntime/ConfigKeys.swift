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
        "llm.jobs": "endpoint analysis jobs are pushed on; the run owner binds, llm-workers connect (default ipc://<bus.directory>/analysis-jobs.sock)",
        "llm.results": "endpoint analysis results are pushed to; the run owner binds, llm-workers connect (default ipc://<bus.directory>/analysis-results.sock)",
        "llm.provider": "rules, openai or anthropic (default: rules unless an API key is in the environment)",
        "llm.model": "model id for openai/anthropic (required for them; never hard-wired)",
        "llm.base_url": "API base URL (default https://api.openai.com or https://api.anthropic.com; any OpenAI-compatible server works)",
        "llm.api_key_env": "environment variable holding the API key (default OPENAI_API_KEY or ANTHROPIC_API_KEY)",
        "llm.api_key_file": "file holding the API key (alternative to the environment)",
        "llm.image_detail": "OpenAI image detail: low, high, auto, original (default high)",
        "llm.response_format": "OpenAI: json_schema (strict) or json_object for servers without strict schemas (default json_schema)",
        "llm.auth_style": "Anthropic auth header: x-api-key or bearer (default x-api-key)",
        "llm.anthropic_version": "anthropic-version header (default 2023-06-01)",
        "llm.structured_mode": "Anthropic structured output: json_schema or tool (default json_schema)",
        "llm.max_tokens": "output token limit per request (default 1200)",
        "llm.max_concurrent": "requests in flight per worker (default 16)",
        "llm.requests_per_minute": "requests started per rolling minute (default 500)",
        "llm.timeout_s": "total time limit per request, seconds (default 120)",
        "llm.cache_dir": "response cache directory; unset = no cache",
        "runtime.heartbeat_interval_s": "seconds between heartbeats (default 2)",
        "runtime.shutdown_budget_s": "seconds a process may take to shut down gracefully after SIGTERM (default 5)",
        "runtime.log_format": "text or json (default text)",
    ]
}
