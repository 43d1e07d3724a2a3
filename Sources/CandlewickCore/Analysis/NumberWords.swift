import Foundation

/// Rewrites English number words as digits ("around eighty-five" → "around 85", "two hundred
/// sixty-one point five" → "261.5"), so a claim written in words is checked like one in digits.
enum NumberWords {
    static let units: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
        "seventeen": 17, "eighteen": 18, "nineteen": 19,
    ]
    static let tens: [String: Int] = [
        "twenty": 20, "thirty": 30, "forty": 40, "fourty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]
    static let scales: [String: Int] = ["hundred": 100, "thousand": 1000]

    static func isNumberWord(_ w: String) -> Bool {
        units[w] != nil || tens[w] != nil || scales[w] != nil
    }

    /// `text` with every run of number words replaced by its value in digits.
    static func digitize(_ text: String) -> String {
        // Tokens: words (letters), and everything else kept verbatim.
        var tokens: [(text: String, word: Bool)] = []
        var current = ""
        var inWord = false
        for ch in text {
            let isLetter = ch.isLetter
            if isLetter != inWord, !current.isEmpty {
                tokens.append((current, inWord))
                current = ""
            }
            inWord = isLetter
            current.append(ch)
        }
        if !current.isEmpty { tokens.append((current, inWord)) }

        var out = ""
        var i = 0
        while i < tokens.count {
            guard tokens[i].word, isNumberWord(tokens[i].text.lowercased()) else {
                out += tokens[i].text
                i += 1
                continue
            }
            // Collect number words joined by spaces, hyphens or "and"; then an optional "point d d".
            var words: [String] = [tokens[i].text.lowercased()]
            var j = i + 1
            var decimals: [Int] = []
            while j + 1 < tokens.count, !tokens[j].word, ["-", " "].contains(tokens[j].text), tokens[j + 1].word {
                let w = tokens[j + 1].text.lowercased()
                if isNumberWord(w) {
                    words.append(w)
                    j += 2
                } else if w == "and", j + 3 < tokens.count, tokens[j + 2].text == " ", isNumberWord(tokens[j + 3].text.lowercased()) {
                    j += 2
                } else if w == "point" {
                    var k = j + 2
                    var digits: [Int] = []
                    while k + 1 < tokens.count, tokens[k].text == " ", let d = units[tokens[k + 1].text.lowercased()], d < 10 {
                        digits.append(d)
                        k += 2
                    }
                    if !digits.isEmpty { decimals = digits; j = k }
                    break
                } else {
                    break
                }
            }
            // A lone "one" is usually a pronoun ("one of the signals"), not a number.
            if words == ["one"], decimals.isEmpty {
                out += tokens[i].text
                i += 1
                continue
            }
            if let value = value(of: words) {
                out += String(value) + (decimals.isEmpty ? "" : "." + decimals.map(String.init).joined())
            } else {
                out += tokens[i..<j].map(\.text).joined()
            }
            i = j
        }
        return out
    }

    /// The value of a sequence like ["two", "hundred", "sixty", "one"].
    static func value(of words: [String]) -> Int? {
        var total = 0, group = 0
        for w in words {
            if let u = units[w] { group += u } else if let t = tens[w] { group += t } else if w == "hundred" {
                group = max(group, 1) * 100
            } else if w == "thousand" {
                total += max(group, 1) * 1000
                group = 0
            } else {
                return nil
            }
        }
        return total + group
    }
}
