import CandlewickCore
import Foundation

/// A rule across keys, checked by `ConfigFile` after every value passed its own rule.
public struct ConfigRule: Sendable {
    /// The keys involved; the error names where each that is set came from.
    public let keys: [String]
    /// One line for docs/config.md.
    public let summary: String
    /// nil when the rule holds, otherwise what is wrong (and, when narrower than `keys`, which keys are at fault).
    let violation: @Sendable (ConfigFile) -> (message: String, keys: [String]?)?

    init(_ keys: [String], _ summary: String, _ violation: @escaping @Sendable (ConfigFile) -> (message: String, keys: [String]?)?) {
        self.keys = keys
        self.summary = summary
        self.violation = violation
    }

    /// The problem, located at the keys set in the file or environment (`configuration` when all are defaults).
    func problem(in config: ConfigFile) -> ConfigError.Problem? {
        guard let (what, at) = violation(config) else { return nil }
        let origins = (at ?? keys).compactMap { k in config.origin(of: k).map { "\($0) (\(k))" } }
        return .init(location: origins.isEmpty ? "configuration" : origins.joined(separator: ", "), message: what)
    }
}

/// The cross-field rules (docs/config.md lists them).
public enum ConfigRules {
    public static let all: [ConfigRule] = [
        ConfigRule(["router.mode", "router.account"], "router.mode = live needs router.account") { c in
            broken(c[\.routerMode] == .live && c[\.routerAccount] == nil,
                   "router.mode = live needs router.account (the live account orders go to)")
        },
        ConfigRule(["risk.max_order_notional", "risk.max_position_notional"], "risk.max_order_notional ≤ risk.max_position_notional") { c in
            broken(c[\.riskMaxOrderNotional] > c[\.riskMaxPositionNotional],
                   "risk.max_order_notional (\(c[\.riskMaxOrderNotional])) exceeds risk.max_position_notional (\(c[\.riskMaxPositionNotional]))")
        },
        ConfigRule(["risk.max_order_notional", "risk.daily_notional_budget"], "risk.max_order_notional ≤ risk.daily_notional_budget") { c in
            broken(c[\.riskMaxOrderNotional] > c[\.riskDailyNotionalBudget],
                   "risk.max_order_notional (\(c[\.riskMaxOrderNotional])) exceeds risk.daily_notional_budget (\(c[\.riskDailyNotionalBudget]))")
        },
        ConfigRule(["llm.provider", "llm.model"], "llm.provider = openai or anthropic needs llm.model") { c in
            broken((c[\.llmProvider] ?? "rules") != "rules" && c[\.llmModel] == nil,
                   "llm.provider = \(c[\.llmProvider] ?? "") needs llm.model (model ids are configuration, not code)")
        },
        ConfigRule(["run.paper_advance_days", "ib.paper_admin"], "run.paper_advance_days > 0 needs ib.paper_admin") { c in
            broken(c[\.runPaperAdvanceDays] > 0 && c[\.ibPaperAdmin] == nil,
                   "run.paper_advance_days = \(c[\.runPaperAdvanceDays]) needs ib.paper_admin (the ib-paper admin port whose clock it advances)")
        },
        ConfigRule(ConfigKeys.all.filter { $0.kind == .endpoint }.map(\.name), "every endpoint differs from the others") { c in
            var seen: [String: String] = [:]
            for spec in ConfigKeys.all where spec.kind == .endpoint {
                guard let e = c.text(of: spec.name), !e.hasSuffix(":*") else { continue }
                if let other = seen[e] { return ("\(other) and \(spec.name) are both \(e)", [other, spec.name]) }
                seen[e] = spec.name
            }
            return nil
        },
    ]

    /// The violation `message` when `condition` holds.
    private static func broken(_ condition: Bool, _ message: @autoclosure () -> String) -> (message: String, keys: [String]?)? {
        condition ? (message(), nil) : nil
    }
}
