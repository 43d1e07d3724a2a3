/// A plain-text table for the summaries a command prints: a header row, a rule under it, columns
/// two spaces apart; the columns in `leftAligned` are padded on the right, the others (numbers) on the left.
enum TextTable {
    static func render(_ rows: [[String]], leftAligned: Set<Int>? = nil) -> String {
        guard let header = rows.first else { return "" }
        let widths = header.indices.map { c in rows.map { c < $0.count ? $0[c].count : 0 }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            row.enumerated().map { c, cell in
                leftAligned.map { $0.contains(c) } ?? true ? cell.padding(toLength: widths[c], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: max(0, widths[c] - cell.count)) + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "─", count: $0) }.joined(separator: "  ")
        return ([line(header), rule] + rows.dropFirst().map(line)).joined(separator: "\n")
    }
}
