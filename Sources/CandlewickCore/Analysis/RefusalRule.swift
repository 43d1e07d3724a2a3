/// Every reason a model answer can be refused, as a stable id. This is the one list: each
/// refusal names exactly one of these ids (`<id>: <detail>`), docs/signals.md explains each,
/// and dashboards, counters and tests key on the id, never on the wording.
public enum RefusalRule: String, Sendable, Hashable, CaseIterable, Codable {
    // The answer's JSON text (StrictJSON).
    case jsonTooLarge = "json.too_large"
    case jsonTooDeep = "json.too_deep"
    case jsonDuplicateKey = "json.duplicate_key"
    case jsonNumberRange = "json.number_range"
    case jsonTrailingContent = "json.trailing_content"
    case jsonSyntax = "json.syntax"
    case jsonNotObject = "json.not_object"
    case jsonEmpty = "json.empty"

    // The provider's response around the answer.
    case envelopeMalformed = "envelope.malformed"
    case envelopeRefusal = "envelope.refusal"
    case envelopeTruncated = "envelope.truncated"
    case envelopeFinishReason = "envelope.finish_reason"
    case envelopeToolCalls = "envelope.tool_calls"
    case envelopeToolName = "envelope.tool_name"
    case envelopeToolCount = "envelope.tool_count"
    case envelopeToolInJSONMode = "envelope.tool_in_json_mode"
    case envelopeTextWithTool = "envelope.text_with_tool"
    case envelopeNoAnswer = "envelope.no_answer"

    // No answer at all.
    case callFailed = "call.failed"
    case callNoCharts = "call.no_charts"
    case callSpendLimit = "call.spend_limit"

    // The answer's shape against the schema.
    case schemaUnknownField = "schema.unknown_field"
    case schemaMissingField = "schema.missing_field"
    case schemaType = "schema.type"
    case schemaEnum = "schema.enum"
    /// The signal model's own rules (confidence bands, level order, positive prices).
    case modelRule = "model.rule"

    // Risk geometry of BUY/SELL levels against the computed data.
    case levelsMissing = "levels.missing"
    case levelsNoATR = "levels.no_atr"
    case levelsEntryDistance = "levels.entry_distance"
    case levelsStopDistance = "levels.stop_distance"
    case levelsRewardRisk = "levels.reward_risk"
    case levelsOutsideRange = "levels.outside_range"

    /// A structured reading (`daily_readings` / `weekly_readings`) differs from the computed value.
    case stateMismatch = "state.mismatch"

    // The text fields, before any claim is read.
    case textHiddenControl = "text.hidden_control"
    case textConfusable = "text.confusable"
    case textMarkup = "text.markup"
    case textTooLong = "text.too_long"

    // The prose screen (on normalised text).
    case proseIndicatorValue = "prose.indicator_value"
    case proseDirection = "prose.direction"
    case proseMACD = "prose.macd"
    case proseRSIZone = "prose.rsi_zone"
    case proseRecommendation = "prose.recommendation"
    case proseInstruction = "prose.instruction"
    case proseSizing = "prose.sizing"

    /// One line for docs and `--help`: what the rule refuses.
    public var summary: String {
        switch self {
        case .jsonTooLarge: "the answer is larger than llm.max_answer_bytes"
        case .jsonTooDeep: "arrays/objects nested deeper than the schema allows"
        case .jsonDuplicateKey: "a key appears twice in one object, at any depth"
        case .jsonNumberRange: "a number that is not finite or does not fit a Double (overflow, underflow)"
        case .jsonTrailingContent: "anything but white space after the JSON value"
        case .jsonSyntax: "not valid JSON (incl. prose, code fences, truncation, invalid UTF-8, lone surrogates)"
        case .jsonNotObject: "the JSON value is not an object"
        case .jsonEmpty: "the answer is empty"
        case .envelopeMalformed: "the provider's response is not shaped as its API documents"
        case .envelopeRefusal: "the model refused (OpenAI refusal / content_filter, Anthropic stop_reason refusal)"
        case .envelopeTruncated: "the answer was cut at the token limit"
        case .envelopeFinishReason: "OpenAI finish_reason other than stop"
        case .envelopeToolCalls: "OpenAI answered with tool_calls / function_call instead of content"
        case .envelopeToolName: "Anthropic tool_use block for a tool other than the requested one"
        case .envelopeToolCount: "Anthropic tool mode without exactly one tool_use block"
        case .envelopeToolInJSONMode: "Anthropic json_schema (output_config) mode answered with a tool_use block"
        case .envelopeTextWithTool: "Anthropic tool mode with a text block beside the tool_use block"
        case .envelopeNoAnswer: "no answer text where the API puts it"
        case .callFailed: "the provider could not be reached or kept failing (HTTP/transport; after retries)"
        case .callNoCharts: "the job did not carry both charts"
        case .callSpendLimit: "llm.max_daily_cost_usd reached: no model call"
        case .schemaUnknownField: "a field the schema does not have"
        case .schemaMissingField: "a required field is missing or null"
        case .schemaType: "a field has the wrong JSON type"
        case .schemaEnum: "a field's value is not one of the schema's values"
        case .modelRule: "the signal breaks TradingSignal's rules (confidence band, level order, prices > 0)"
        case .levelsMissing: "BUY/SELL without entry_price, stop_loss and take_profit"
        case .levelsNoATR: "BUY/SELL while ATR 14 is undefined (no stop distance can be judged)"
        case .levelsEntryDistance: "entry_price too far from the last close (ATR and percent limits)"
        case .levelsStopDistance: "stop_loss closer to the entry than the minimum in ATR"
        case .levelsRewardRisk: "reward:risk below the minimum"
        case .levelsOutsideRange: "stop_loss or take_profit outside the named chart's range plus slack"
        case .stateMismatch: "a structured reading contradicts the computed indicator of that timeframe"
        case .textHiddenControl: "zero-width, bidi or other invisible format characters in the text"
        case .textConfusable: "letters or digits from other scripts that look like Latin ones (UTS #39 confusables)"
        case .textMarkup: "markup in the text: HTML/markdown comments, tags, code fences, template braces"
        case .textTooLong: "a text field longer than its limit"
        case .proseIndicatorValue: "the text states an RSI or SMA value that differs from the computed one"
        case .proseDirection: "the text says price or SMA 50 is above/below an average when it is not"
        case .proseMACD: "the text's MACD claim (vs signal, vs zero, histogram sign) is false"
        case .proseRSIZone: "the text calls RSI overbought/oversold when it is not"
        case .proseRecommendation: "the text recommends something other than the answer's action"
        case .proseInstruction: "the text addresses the system (instructions, roles, limits) instead of the chart"
        case .proseSizing: "the text names a position size or order quantity (sizing is the risk gate's)"
        }
    }
}

/// One refusal: the rule and what exactly broke it.
public struct Refusal: Sendable, Hashable, CustomStringConvertible {
    public let rule: RefusalRule
    public let detail: String

    public init(_ rule: RefusalRule, _ detail: String) {
        self.rule = rule
        self.detail = detail
    }

    /// `rule.id: detail`, the form kept in `reasons`.
    public var description: String { "\(rule.rawValue): \(detail)" }

    /// The rule id at the start of a `reasons` entry, if it names one.
    public static func rule(of reason: String) -> RefusalRule? {
        reason.split(separator: ":", maxSplits: 1).first.flatMap { RefusalRule(rawValue: String($0)) }
    }
}
