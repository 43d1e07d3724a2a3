import Foundation

/// Finds statements in a model's text that contradict the numbers we computed, and text that tries
/// to instruct the system instead of analysing the chart.
enum ClaimChecker {
    /// "RSI … 72.5", "SMA 200 … 150.3", "50-day … 98": numbers the model claims for our indicators.
    static func contradictions(in text: String, context: AnalysisContext, policy: GroundingPolicy) -> [String] {
        var reasons: [String] = []
        let i = context.indicators
        if let rsi = i.rsi14 {
            for claimed in numbers(after: #"RSI(?:\s*\(?14\)?)?"#, in: text) where claimed <= 100 && abs(claimed - rsi) > policy.rsiTolerance {
                reasons.append(String(format: "text claims RSI %.1f but the computed RSI 14 is %.1f", claimed, rsi))
            }
        }
        for (period, value) in [(20, i.sma20), (50, i.sma50), (200, i.sma200)] {
            guard let value else { continue }
            let pattern = #"(?:SMA|MA|moving average)\s*\(?\#(period)\)?|\#(period)[- ]day(?: (?:simple )?moving average| SMA| MA)?"#
            for claimed in numbers(after: pattern, in: text) where claimed > 1 && abs(claimed - value) / value > policy.averageTolerance {
                // A number next to "50-day" might be a duration; only flag values of price magnitude.
                guard claimed > value * 0.2 else { continue }
                reasons.append(String(format: "text claims SMA %d at %.4g but the computed value is %.4g", period, claimed, value))
            }
        }
        return reasons
    }

    /// Words that may stand between an indicator's name and its value ("RSI is at 72.5", "SMA 200 = 150").
    static let connector = #"(?:\s|[:=~≈$(),]|is|at|of|was|near|around|reads|reading|stands|sits|value|currently|now|about)*"#

    /// Numbers that directly follow a match of `label`, joined only by connector words, so
    /// "SMA 50 above SMA 200" does not read as a claim that SMA 50 is 200.
    static func numbers(after label: String, in text: String) -> [Double] {
        guard let re = try? NSRegularExpression(pattern: "(?:\(label))\(connector)(-?\\d+(?:\\.\\d+)?)(?![0-9a-z-])",
                                                options: [.caseInsensitive]) else {
            return []
        }
        let ns = text as NSString
        return re.matches(in: text, range: NSRange(location: 0, length: ns.length)).compactMap { m in
            Double(ns.substring(with: m.range(at: 1)))
        }
    }

    static let injectionPatterns = [
        #"ignore (?:all |any )?(?:the )?(?:previous|prior|above|earlier) (?:instructions|rules|prompts?)"#,
        #"disregard (?:all |the )?(?:previous|prior|above|earlier|system)"#, #"system prompt"#, #"you are now"#,
        #"new instructions"#, #"<\|[a-z_]+\|>"#, #"\[/?INST\]"#, #"(?:^|\n)\s*(?:system|assistant)\s*:"#,
        #"override (?:the )?(?:risk|limits?|rules?)"#, #"execute (?:this|the following) (?:order|trade)"#,
        #"place (?:a |an )?(?:market )?order for \d"#, #"api[_ ]key"#,
    ]

    /// Text that tries to instruct the system (prompt injection), which an analysis never contains.
    static func injections(in text: String) -> [String] {
        injectionPatterns.compactMap { p in
            guard let re = try? NSRegularExpression(pattern: p, options: [.caseInsensitive]),
                  let m = re.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length))
            else { return nil }
            return "text contains instructions instead of analysis: \"\((text as NSString).substring(with: m.range).prefix(60))\""
        }
    }
}
