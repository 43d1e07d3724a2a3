import Foundation

/// The second screen: reads the answer's prose for claims that contradict the computed data and
/// for text that addresses the system. The first screen is structural (`StateReadings`, the
/// level geometry); this one exists because a human reads the reasoning, and because a model
/// that writes "RSI around eighty-five" while the data say 61 is not reading the chart.
///
/// Order: raw checks (invisible characters, confusable letters, markup, length), then the text
/// is normalised (`TextNormalizer`: Cf removed, NFKC, UTS #39 confusables folded), number words
/// become digits and long indicator names become short ones, and claims are read sentence by
/// sentence. A sentence names its timeframe ("weekly"/"daily"); otherwise daily_analysis is
/// daily, weekly_analysis weekly, and reasoning/key_factors may be true of either.
public struct ProseScreen: Sendable {
    public let policy: GroundingPolicy

    public init(policy: GroundingPolicy) { self.policy = policy }

    /// Which timeframe a text is about by default.
    public enum Scope: Sendable { case daily, weekly, either }

    /// One text field of the answer.
    public struct Field: Sendable {
        public let name: String
        public let text: String
        public let scope: Scope
        public let maxLength: Int

        public init(name: String, text: String, scope: Scope, maxLength: Int) {
            self.name = name
            self.text = text
            self.scope = scope
            self.maxLength = maxLength
        }
    }

    public func screen(_ fields: [Field], action: SignalAction, context: AnalysisContext) -> [Refusal] {
        var out: [Refusal] = []
        for f in fields {
            out += raw(f)
            let text = Self.canonical(f.text)
            for sentence in Self.sentences(text) {
                out += claims(in: sentence, field: f, action: action, context: context)
            }
        }
        // One refusal per rule and field is enough to say why.
        var seen = Set<String>()
        return out.filter { seen.insert($0.description).inserted }
    }

    // MARK: raw checks

    func raw(_ f: Field) -> [Refusal] {
        var out: [Refusal] = []
        let hidden = TextNormalizer.hiddenControls(in: f.text)
        if !hidden.isEmpty {
            out.append(Refusal(.textHiddenControl, "\(f.name) contains invisible characters " + Self.codes(hidden)))
        }
        let confusable = TextNormalizer.confusableLetters(in: f.text)
        if !confusable.isEmpty {
            out.append(Refusal(.textConfusable, "\(f.name) contains look-alike letters " + Self.codes(confusable)))
        }
        if f.text.count > f.maxLength {
            out.append(Refusal(.textTooLong, "\(f.name) is \(f.text.count) characters; the limit is \(f.maxLength)"))
        }
        let visible = TextNormalizer.normalize(f.text)
        if let m = Self.first(Self.markup, in: visible) {
            out.append(Refusal(.textMarkup, "\(f.name) contains markup \"\(m.prefix(40))\""))
        }
        return out
    }

    static func codes(_ scalars: [Unicode.Scalar]) -> String {
        Array(Set(scalars.map(\.value))).sorted().prefix(6).map { String(format: "U+%04X", $0) }.joined(separator: ", ")
    }

    static let markup = [
        #"<!--|-->|<\s*/?\s*[A-Za-z!?][A-Za-z0-9:-]*(\s[^<>]*)?/?>"#, #"\[//\]|```|~~~|\{\{|\}\}|\{%|%\}"#, #"\]\s*\("#,
        #"(?m)^\s{0,3}#{1,6}\s"#, #"\\u[0-9a-fA-F]{4}|&#x?[0-9a-fA-F]+;|&[a-z]+;"#,
    ]

    // MARK: normalisation

    /// Normalised text with digits for number words and one short name per indicator.
    static func canonical(_ text: String) -> String {
        var t = NumberWords.digitize(TextNormalizer.normalize(text))
        for (pattern, template) in canonicalNames {
            t = replace(pattern, in: t, with: template)
        }
        return t
    }

    static let canonicalNames: [(String, String)] = [
        (#"\brelative[\s-]+strength(?:[\s-]+index)?\b"#, "RSI"),
        (#"\bmoving[\s-]+average[\s-]+convergence[\s/-]*divergence\b"#, "MACD"),
        (#"\baverage[\s-]+true[\s-]+range\b"#, "ATR"),
        (#"\bRSI\s*\(?\s*14(?:\s*\))?(?![\d.])"#, "RSI"),
        (#"\bMACD\s*\(?\s*12\s*[,/ ]\s*26\s*[,/ ]\s*9(?:\s*\))?"#, "MACD"),
        (#"\bATR\s*\(?\s*14(?:\s*\))?(?![\d.])"#, "ATR"),
        (#"\b(\d+)[\s-]*(?:week|wk)s?[\s-]+(?:simple[\s-]+)?(?:moving[\s-]+average|SMA|MA|average|line)\b"#, "weekly SMA$1"),
        (#"\b(\d+)[\s-]*(?:day|d|period|session)s?[\s-]+(?:simple[\s-]+)?(?:moving[\s-]+average|SMA|MA|average|line)\b"#, "SMA$1"),
        (#"\b(?:simple[\s-]+moving[\s-]+average|moving[\s-]+average|SMA|MA)\s*\(?\s*(\d+)(?:\s*\))?(?:[\s-]*(?:day|d|period)s?\b)?"#, "SMA$1"),
        (#"\bthe\s+(20|50|200)[\s-]*day\b"#, "the SMA$1"),
        (#"\bthe\s+(20|50|200)[\s-]*week\b"#, "the weekly SMA$1"),
    ]

    /// Sentences: split at . ! ? ; and line breaks (not inside numbers like 266.9).
    static func sentences(_ text: String) -> [String] {
        let ns = text as NSString
        guard let re = try? NSRegularExpression(pattern: #"(?<!\d)[.!?;](?!\d)|[.!?;](?=\s|$)|\n+"#) else { return [text] }
        var out: [String] = []
        var start = 0
        for m in re.matches(in: text, range: NSRange(location: 0, length: ns.length)) {
            out.append(ns.substring(with: NSRange(location: start, length: m.range.location - start)))
            start = m.range.location + m.range.length
        }
        out.append(ns.substring(from: start))
        return out.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    // MARK: claims

    /// The timeframes a sentence's claims may be judged against.
    func timeframes(_ sentence: String, scope: Scope, context: AnalysisContext) -> [(String, TechnicalIndicators?)] {
        let weekly = Self.matches(#"\bweek(?:ly|s)?\b|\bw/w\b"#, sentence)
        let daily = Self.matches(#"\bdaily\b|\bday chart\b|\bd/d\b"#, sentence)
        let d = ("daily", Optional(context.indicators)), w = ("weekly", context.weeklyIndicators)
        if weekly && !daily { return [w] }
        if daily && !weekly { return [d] }
        switch scope {
        case .daily: return [d]
        case .weekly: return [w]
        case .either: return [d, w]
        }
    }

    /// Words that make a statement hypothetical or negated: its claims are not read.
    static let hedge = #"\b(?:if|unless|would|could|should|might|may|until|once|whether|not|no|never|neither|nor|without|yet to|hasn't|isn't|wasn't|aren't|doesn't|didn't|approach(?:es|ing)?|near(?:ing)?|toward|towards|watch|risk of|fail(?:s|ed)? to|stop|target|entry|invalidat\w*)\b"#

    func claims(in sentence: String, field: Field, action: SignalAction, context: AnalysisContext) -> [Refusal] {
        var out: [Refusal] = []
        let frames = timeframes(sentence, scope: field.scope, context: context)
        let close = context.lastClose
        let hedged = Self.matches(Self.hedge, sentence)
        let quote = "\(field.name): \"\(sentence.prefix(80))\""

        // Any frame in which the claim holds makes it true; frames without the value cannot refute it.
        func holds(_ test: (TechnicalIndicators) -> Bool?) -> Bool {
            let verdicts = frames.compactMap { $0.1 }.compactMap(test)
            return verdicts.isEmpty || verdicts.contains(true)
        }
        let names = frames.map(\.0).joined(separator: " or ")

        // RSI values ("RSI is around 85", "RSI above 70").
        for (cmp, x) in Self.valueClaims(label: #"\bRSI\b"#, in: sentence) where x <= 100 {
            let ok = holds { i in i.rsi14.map { Self.compare(cmp, actual: $0, claimed: x, tolerance: policy.rsiTolerance) } }
            if !ok { out.append(Refusal(.proseIndicatorValue, "\(quote) claims RSI \(cmp ?? "") \(Self.fmt(x)) but the computed \(names) RSI 14 is \(Self.values(frames, \.rsi14))")) }
        }
        // SMA values ("SMA50 at 261.5", "the 200-day near 248").
        for period in [20, 50, 200] {
            let key: KeyPath<TechnicalIndicators, Double?> = period == 20 ? \.sma20 : period == 50 ? \.sma50 : \.sma200
            for (cmp, x) in Self.valueClaims(label: #"\bSMA\#(period)\b"#, in: sentence) {
                let ok = holds { i in
                    i[keyPath: key].map { v in x < v * 0.2 ? true : Self.compare(cmp, actual: v, claimed: x, tolerance: v * policy.averageTolerance) }
                }
                if !ok { out.append(Refusal(.proseIndicatorValue, "\(quote) claims SMA \(period) \(cmp ?? "") \(Self.fmt(x)) but the computed \(names) SMA \(period) is \(Self.values(frames, key))")) }
            }
        }
        guard !hedged else {
            out += recommendation(sentence, hedged: true, action: action, quote: quote)
            return out
        }
        // Price or SMA 50 above/below an average.
        // The subject is an SMA when one stands just before the comparison (its value may follow it in
        // parentheses or as a number), else the price; a clause naming the price breaks the link.
        let gap = #"(?:(?!\b(?:price|close|closing|closed|stock|it|shares|and|but|while|whereas|SMA\d*)\b)[^,;]){0,30}?"#
        for m in Self.groups(#"(?:\bSMA(20|50)\b)?"# + gap + #"\b(above|over|below|under|beneath)\s+(?:the\s+|its\s+|both\s+(?:the\s+)?)?(?:rising\s+|falling\s+|flat\s+|weekly\s+|daily\s+)?SMA(20|50|200)\b(?:\s+and\s+(?:the\s+)?SMA(20|50|200)\b)?"#, in: sentence) {
            let above = ["above", "over"].contains(m[2].lowercased())
            let subject = Int(m[1])
            for p in [m[3], m[4]].compactMap({ Int($0) }) where p != subject {
                let ok = holds { i in
                    let avg = Self.sma(i, p)
                    let lhs = subject.map { Self.sma(i, $0) } ?? close
                    guard let avg, let lhs else { return nil }
                    let rel = (lhs - avg) / avg
                    return abs(rel) <= policy.levelTolerance || (rel > 0) == above
                }
                if !ok {
                    out.append(Refusal(.proseDirection, "\(quote) says \(subject.map { "SMA \($0)" } ?? "price") is \(above ? "above" : "below") SMA \(p), which the computed \(names) data contradict"))
                }
            }
        }
        for m in Self.groups(#"\b(golden|death)\s+cross"#, in: sentence) {
            let golden = m[1].lowercased() == "golden"
            let ok = holds { i in
                guard let a = i.sma50, let b = i.sma200 else { return nil }
                return abs(a - b) / b <= policy.levelTolerance || (a > b) == golden
            }
            if !ok { out.append(Refusal(.proseDirection, "\(quote) claims a \(m[1].lowercased()) cross but SMA 50 is \(golden ? "below" : "above") SMA 200 (\(names))")) }
        }
        out += macd(sentence, holds: holds, quote: quote, names: names, close: close)
        // RSI zones.
        let softeners = #"(?!\b(?:before|room|below|under|short|away|far|not|yet|approach\w*|toward\w*|near\w*|from|than|shy|nor|neither|no|nearly|almost|close)\b)"#
        for m in Self.groups(#"\bRSI\b(?:"# + softeners + #"[^.;,]){0,25}?\b(overbought|oversold)\b|\b(overbought|oversold)\b[^.;,]{0,12}?\bRSI\b"#, in: sentence) {
            let zone = (m[1].isEmpty ? m[2] : m[1]).lowercased()
            let ok = holds { i in i.rsi14.map { zone == "overbought" ? $0 >= 70 - policy.rsiZoneTolerance - 1 : $0 <= 30 + policy.rsiZoneTolerance + 1 } }
            if !ok { out.append(Refusal(.proseRSIZone, "\(quote) calls RSI \(zone) but the computed \(names) RSI 14 is \(Self.values(frames, \.rsi14))")) }
        }
        out += recommendation(sentence, hedged: false, action: action, quote: quote)
        return out
    }

    func macd(_ sentence: String, holds: ((TechnicalIndicators) -> Bool?) -> Bool, quote: String, names: String, close: Double) -> [Refusal] {
        var out: [Refusal] = []
        let tol = abs(close) * policy.macdTolerance
        func near(_ v: Double) -> Bool { abs(v) <= tol }
        let verbs = #"(?:\s+(?:line|is|has|have|remains|stays|sits|trades|moved|crossed|crosses|just|now|still|turned|been|firmly|well|comfortably))*"#
        for m in Self.groups(#"\bMACD\b"# + verbs + #"\s+(above|over|below|under)\s+(?:the\s+|its\s+)?(signal|zero\b|0\b)"#, in: sentence) {
            let above = ["above", "over"].contains(m[1].lowercased())
            let vsSignal = m[2].lowercased() == "signal"
            let ok = holds { i in
                guard let line = i.macd else { return nil }
                if vsSignal { guard let s = i.macdSignal else { return nil }; return near(line - s) || (line > s) == above }
                return near(line) || (line > 0) == above
            }
            if !ok { out.append(Refusal(.proseMACD, "\(quote) says MACD is \(m[1].lowercased()) \(vsSignal ? "its signal line" : "zero"), which the computed \(names) MACD contradicts")) }
        }
        for m in Self.groups(#"\bMACD(\s+histogram)?\b"# + verbs + #"\s+(positive|negative)\b"#, in: sentence) {
            let positive = m[2].lowercased() == "positive"
            let histogram = !m[1].isEmpty
            let ok = holds { i in
                guard let v = histogram ? i.macdHistogram : i.macd else { return nil }
                return near(v) || (v > 0) == positive
            }
            if !ok { out.append(Refusal(.proseMACD, "\(quote) says the MACD\(histogram ? " histogram" : "") is \(m[2].lowercased()), which the computed \(names) value contradicts")) }
        }
        for m in Self.groups(#"\b(bullish|bearish)\s+MACD\b|\bMACD\b[^.;,]{0,20}?\b(bullish|bearish)\b"#, in: sentence) {
            let bullish = (m[1].isEmpty ? m[2] : m[1]).lowercased() == "bullish"
            let ok = holds { i in
                guard let line = i.macd, let s = i.macdSignal else { return nil }
                return near(line - s) || (line > s) == bullish
            }
            if !ok { out.append(Refusal(.proseMACD, "\(quote) calls MACD \(bullish ? "bullish" : "bearish") but the line is \(bullish ? "below" : "above") its signal (\(names))")) }
        }
        return out
    }

    // MARK: recommendation, instructions, sizing

    static let recommendationPatterns: [String] = [
        #"\brecommend(?:ation|ed|s)?\b(?:\s*(?:is|:|to|a|an|the|would be|remains|stays|=|-))*\s*(?:strong\s+|clear\s+)?(buy|sell|hold|short|go long|stay aside|stand aside|wait)\b"#,
        #"\b(?:verdict|decision|signal|call|action|conclusion|bottom line|overall)\b(?:\s*(?:is|:|remains|would be|=|-|,))+\s*(?:a\s+|to\s+)?(?:strong\s+|clear\s+)?(buy|sell|hold|short)\b"#,
        #"\b(?:better|best|prudent|wise|safer|advisable)\s+(?:is\s+)?to\s+(wait|hold|stay aside|stand aside|stay on the sidelines|stay flat|sit out|buy|sell|short)\b"#,
        #"\b(?:i|we)\s+(?:would\s+|will\s+|suggest\s+(?:to\s+)?|prefer\s+to\s+|advise\s+to\s+)(buy|sell|hold|short|wait|stay aside|stand aside)\b"#,
        #"\b(stay on the sidelines|stand aside|stay aside|stay flat|hold off|sit this out)\b"#,
    ]

    func recommendation(_ sentence: String, hedged: Bool, action: SignalAction, quote: String) -> [Refusal] {
        func map(_ w: String) -> SignalAction? {
            switch w.lowercased() {
            case "buy", "go long": .buy
            case "sell", "short": .sell
            case "hold", "wait", "stay aside", "stand aside", "stay on the sidelines", "stay flat", "sit out", "hold off", "sit this out": .hold
            default: nil
            }
        }
        var said: [SignalAction] = []
        for p in Self.recommendationPatterns {
            for m in Self.groups(p, in: sentence) { if let a = map(m[1]) { said.append(a) } }
        }
        // "Do not buy" says: not BUY.
        var notSaid: [SignalAction] = []
        for m in Self.groups(#"\b(?:do not|don't|avoid|no reason to)\s+(buy|sell|short)(?:ing)?\b"#, in: sentence) {
            if let a = map(m[1]) { notSaid.append(a) }
        }
        // Upper-case action words are the answer's own vocabulary: "Overall: HOLD." (not in hypotheticals).
        if !hedged, let re = try? NSRegularExpression(pattern: #"\b(BUY|SELL|HOLD)\b"#) {
            let ns = sentence as NSString
            for m in re.matches(in: sentence, range: NSRange(location: 0, length: ns.length)) {
                if let a = SignalAction(rawValue: ns.substring(with: m.range(at: 1))) { said.append(a) }
            }
        }
        var out: [Refusal] = []
        if let other = said.first(where: { $0 != action }) {
            out.append(Refusal(.proseRecommendation, "\(quote) recommends \(other.rawValue) but action is \(action.rawValue)"))
        }
        if notSaid.contains(action) {
            out.append(Refusal(.proseRecommendation, "\(quote) advises against \(action.rawValue), the answer's own action"))
        }
        return out
    }

    static let instructionPatterns = [
        #"\b(?:ignore|disregard|forget|override|overrule|bypass|circumvent|disable|turn off|suspend)\b[^.]{0,40}?\b(?:instructions?|rules?|prompts?|limits?|checks?|validation|validator|guard(?:rail)?s?|gate|risk|constraints?|previous|prior|above|system|polic(?:y|ies)|caps?|filters?|safety)\b"#,
        #"\b(?:system|developer|assistant|user|tool)\s*(?:prompt|message|role|:)"#,
        #"\byou\s+(?:are|were|must|should|will|shall|need to|have to|can now|may now)\b"#, #"\byour\s+(?:instructions|rules|task|job|role|prompt|system|guidelines)\b"#,
        #"\b(?:act as|pretend|role-?play|jailbreak|developer mode|do anything now|dan mode)\b"#, #"\bnew\s+(?:instructions|rules|task|role|directive|policy)\b"#,
        #"<\||\|>|\[/?inst\]|<<\s*sys|\bendoftext\b|\bim_start\b|\bim_end\b"#,
        #"\b(?:api[\s_-]?keys?|passwords?|secrets?|credentials?|access tokens?|env(?:ironment)? variables?)\b"#,
        #"\b(?:execute|place|submit|send|route|fire|enter)\s+(?:a\s+|an\s+|the\s+|this\s+|that\s+|these\s+|my\s+|our\s+)?(?:market\s+|limit\s+|stop\s+|bracket\s+|large\s+|immediate\s+)?(?:orders?|trades?)\b"#,
        #"\b(?:order[\s-]?router|risk[\s-]?gate|risk\s+(?:limits?|budget|checks?|polic(?:y|ies))|max_shares|position\s+limits?|kill[\s-]?switch|llm-worker|validator)\b"#,
        #"\b(?:this|the)\s+(?:answer|response|message|signal|output)\s+(?:is|has been|was)\s+(?:approved|verified|validated|authori[sz]ed|pre-?approved|safe|trusted)\b"#,
        #"\b(?:approved|authori[sz]ed|whitelisted|pre-?approved|cleared)\s+(?:by|for)\s+(?:the\s+)?(?:risk|compliance|admin|operator|system|desk|team)\b"#,
        #"\bhttps?://|\bwww\.|\bbase64\b|\bfunction[\s_]call\b|\btool[\s_]call\b"#,
    ]

    static let sizingPatterns = [
        #"\b\d[\d,.]*\s*(?:k\s+)?(?:shares?|contracts?|lots?|units?)\b"#,
        #"\b(?:all[\s-]in|full\s+position|max(?:imum)?\s+(?:position|size)|leverage[d]?|on\s+margin|double\s+(?:the\s+)?(?:size|position)|\d+\s*x\s+leverage|entire\s+(?:account|portfolio|capital))\b"#,
        #"\$\s?\d[\d,.]*\s*(?:k|m|million|thousand)?\s+(?:position|notional|worth of)\b"#,
        #"\b\d+(?:\.\d+)?\s*%\s+of\s+(?:the\s+)?(?:account|portfolio|capital|equity|buying power)\b"#,
    ]

    /// Instructions and sizing anywhere in the text (normalised; case-insensitive).
    public func instructions(_ fields: [Field]) -> [Refusal] {
        var out: [Refusal] = []
        for f in fields {
            let t = Self.canonical(f.text)
            if let m = Self.first(Self.instructionPatterns, in: t) {
                out.append(Refusal(.proseInstruction, "\(f.name) addresses the system: \"\(m.prefix(60))\""))
            }
            if let m = Self.first(Self.sizingPatterns, in: t) {
                out.append(Refusal(.proseSizing, "\(f.name) names a size: \"\(m.prefix(60))\""))
            }
        }
        return out
    }

    // MARK: helpers

    /// (comparator, number) pairs that directly follow `label`, joined only by connector words.
    static func valueClaims(label: String, in text: String) -> [(String?, Double)] {
        let connector = #"(?:\s|[:=~≈(),$]|\b(?:is|at|of|was|near|around|about|roughly|approximately|approx|reads?|reading|stands?|sits?|value|level|currently|now|to|has|had|climbed|rose|risen|fell|fallen|dropped|slipped|jumped|hit|reached|touching|hovering|holds?|holding|sitting|printing|just|still|remains?|stays?|comes in|came in|registers?|shows?|showing)\b)*"#
        let comparator = #"(?:(above|over|greater than|more than|below|under|less than|beneath)\s+)?"#
        let number = #"(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d])(?!\s*%)(?![a-z-])"#
        return groups("(?:\(label))\(connector)\(comparator)\(number)", in: text).compactMap { m in
            guard let x = Double(m[2].replacingOccurrences(of: ",", with: "")) else { return nil }
            return (m[1].isEmpty ? nil : m[1].lowercased(), x)
        }
    }

    static func compare(_ cmp: String?, actual: Double, claimed: Double, tolerance: Double) -> Bool {
        switch cmp {
        case "above", "over", "greater than", "more than": actual >= claimed - tolerance
        case "below", "under", "less than", "beneath": actual <= claimed + tolerance
        default: abs(actual - claimed) <= tolerance
        }
    }

    static func sma(_ i: TechnicalIndicators, _ p: Int) -> Double? { p == 20 ? i.sma20 : p == 50 ? i.sma50 : p == 200 ? i.sma200 : nil }

    static func values(_ frames: [(String, TechnicalIndicators?)], _ key: KeyPath<TechnicalIndicators, Double?>) -> String {
        frames.map { "\($0.0) " + ($0.1?[keyPath: key].map(fmt) ?? "n/a") }.joined(separator: ", ")
    }

    static func fmt(_ x: Double) -> String { String(format: "%.2f", x) }

    nonisolated(unsafe) static var cache: [String: NSRegularExpression] = [:]
    static let cacheLock = NSLock()

    static func regex(_ p: String) -> NSRegularExpression? {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        if let r = cache[p] { return r }
        let r = try? NSRegularExpression(pattern: p, options: [.caseInsensitive])
        cache[p] = r
        return r
    }

    /// Capture groups of every match (index 0 = whole match; missing groups as "").
    static func groups(_ pattern: String, in text: String) -> [[String]] {
        guard let re = regex(pattern) else { return [] }
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).map { m in
            (0..<m.numberOfRanges).map { k in m.range(at: k).location == NSNotFound ? "" : ns.substring(with: m.range(at: k)) }
        }
    }

    static func matches(_ pattern: String, _ text: String) -> Bool {
        regex(pattern)?.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length)) != nil
    }

    static func first(_ patterns: [String], in text: String) -> String? {
        for p in patterns {
            if let m = groups(p, in: text).first { return m[0] }
        }
        return nil
    }

    static func replace(_ pattern: String, in text: String, with template: String) -> String {
        guard let re = regex(pattern) else { return text }
        return re.stringByReplacingMatches(in: text, range: NSRange(location: 0, length: (text as NSString).length), withTemplate: template)
    }
}
