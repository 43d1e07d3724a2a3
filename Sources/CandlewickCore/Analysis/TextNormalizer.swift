import Foundation

/// Unicode's UTS #39 confusables (third_party/unicode/confusables.txt, generated into
/// `ConfusablesData`): each code point that looks like another sequence, and that prototype.
public enum Confusables {
    /// Source scalar → prototype scalars, parsed once from the generated table.
    public static let map: [UInt32: [UInt32]] = {
        var m: [UInt32: [UInt32]] = [:]
        m.reserveCapacity(ConfusablesData.count)
        for line in ConfusablesData.table.split(separator: "\n") {
            let parts = line.split(separator: " ").compactMap { UInt32($0, radix: 16) }
            if parts.count >= 2 { m[parts[0]] = Array(parts.dropFirst()) }
        }
        return m
    }()

    public static var version: String { ConfusablesData.version }
    public static var sourceSHA256: String { ConfusablesData.sourceSHA256 }

    /// The prototype of a scalar, or nil when it is not confusable with anything.
    public static func prototype(of scalar: Unicode.Scalar) -> [Unicode.Scalar]? {
        map[scalar.value].map { $0.compactMap(Unicode.Scalar.init) }
    }
}

/// Makes model text comparable before any claim is read: removes invisible format characters
/// (zero-width, bidi controls, soft hyphen: Unicode category Cf), applies NFKC (full-width and
/// compatibility forms), then folds every non-ASCII scalar that UTS #39 lists as confusable
/// with an ASCII sequence to that sequence (Cyrillic "а" → "a", Greek "Ο" → "O"). ASCII is
/// left alone: the UTS #39 skeleton maps "m" to "rn", which is for comparing identifiers, not
/// for reading prose.
public enum TextNormalizer {
    /// Whether a scalar is an invisible format character (zero-width, bidi control, BOM, …).
    public static func isHiddenControl(_ s: Unicode.Scalar) -> Bool {
        s.properties.generalCategory == .format || (0xFE00...0xFE0F).contains(s.value) || (0xE0100...0xE01EF).contains(s.value)
    }

    /// The invisible format characters in `text` (code points, for the refusal message).
    public static func hiddenControls(in text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter(isHiddenControl)
    }

    /// Non-ASCII letters and digits that fold (NFKC, then UTS #39) to ASCII letters or digits:
    /// look-alikes of Latin text from other scripts or compatibility forms.
    public static func confusableLetters(in text: String) -> [Unicode.Scalar] {
        text.unicodeScalars.filter { s in
            guard !s.isASCII else { return false }
            let cat = s.properties.generalCategory
            let letterOrDigit = [.uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .otherLetter, .modifierLetter,
                                 .decimalNumber, .letterNumber, .otherNumber].contains(cat)
            guard letterOrDigit else { return false }
            let folded = fold(String(Character(s)).precomposedStringWithCompatibilityMapping)
            return !folded.isEmpty && folded.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0)) }
        }
    }

    /// Hidden controls removed, NFKC, confusables folded to ASCII.
    public static func normalize(_ text: String) -> String {
        let visible = String(String.UnicodeScalarView(text.unicodeScalars.filter { !isHiddenControl($0) }))
        return fold(visible.precomposedStringWithCompatibilityMapping)
    }

    /// Folds non-ASCII scalars whose UTS #39 prototype is all ASCII.
    static func fold(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            if !s.isASCII, let p = Confusables.prototype(of: s), p.allSatisfy(\.isASCII) {
                out.append(contentsOf: p)
            } else {
                out.append(s)
            }
        }
        return String(out)
    }
}
