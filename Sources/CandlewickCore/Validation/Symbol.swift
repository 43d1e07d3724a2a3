import Foundation

/// Rules for ticker symbols shared by every model that carries one.
public enum SymbolRule {
    /// The characters a symbol may contain besides upper-case letters and digits (e.g. `BRK.B`, `BF-B`).
    static let extra: Set<Character> = [".", "-", " ", "/"]

    /// Throws unless `symbol` is non-empty, at most 32 characters and upper case, as in the original design.
    public static func validate(_ symbol: String, model: String, field: String = "symbol") throws {
        let v = Validator(model)
        try v.nonEmpty(symbol, field)
        try v.require(symbol.count <= 32, field, "must be at most 32 characters")
        try v.require(
            symbol.allSatisfy { ($0.isLetter && $0.isUppercase) || $0.isNumber || extra.contains($0) },
            field, "must be upper case letters, digits or . - / (got \"\(symbol)\")")
    }
}
