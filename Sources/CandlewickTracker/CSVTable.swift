import CandlewickCore
import Foundation

/// A CSV file as the backtest writes it (`BacktestFiles`: a header row, RFC 4180 quoting, `\n` line ends), read back
/// into rows; `text(rows:)` writes a subset the same way, so the rows of one day are the same bytes as in the file.
struct CSVTable: Sendable {
    let file: String
    let header: [String]
    let rows: [[String]]
    private let index: [String: Int]

    /// Parses `text`; refuses a file without a header, a row with another number of fields than the header, an
    /// unterminated quote, or a missing `required` column — each named with the file and the row.
    init(_ text: String, file: String, required: [String]) throws {
        let records = try Self.records(text, file: file)
        guard let header = records.first, !header.isEmpty, header != [""] else { throw BacktestTrackingError("\(file) has no header row") }
        for (n, r) in records.enumerated().dropFirst() where r.count != header.count {
            throw BacktestTrackingError("\(file) row \(n + 1) has \(r.count) field(s), the header \(header.count)")
        }
        let index = Dictionary(header.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
        if let missing = required.first(where: { index[$0] == nil }) { throw BacktestTrackingError("\(file) has no column \"\(missing)\"") }
        (self.file, self.header, self.rows, self.index) = (file, header, Array(records.dropFirst()), index)
    }

    /// The field `column` of `row` (empty for a column the file does not have).
    func value(_ row: [String], _ column: String) -> String { index[column].map { row[$0] } ?? "" }

    func column(_ name: String) -> [String] { rows.map { value($0, name) } }

    /// The header and `rows`, written as `BacktestFiles` writes a CSV file.
    func text(rows: [[String]]) -> String {
        ([header] + rows).map { $0.map(BacktestFiles.field).joined(separator: ",") + "\n" }.joined()
    }

    /// RFC 4180 records: fields split at commas outside quotes, `""` inside quotes is a quote, records end at `\n`
    /// (or `\r\n`) outside quotes; a final line end is optional.
    static func records(_ text: String, file: String) throws -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var quoted = false, atFieldStart = true
        var it = Array(text.unicodeScalars)[...]
        while let ch = it.popFirst() {
            if quoted {
                if ch == "\"" {
                    if it.first == "\"" { field.unicodeScalars.append(it.removeFirst()) } else { quoted = false }
                } else {
                    field.unicodeScalars.append(ch)
                }
                continue
            }
            switch ch {
            case "\"" where atFieldStart: quoted = true; atFieldStart = false
            case ",": record.append(field); field = ""; atFieldStart = true
            case "\r" where it.first == "\n": continue
            case "\n":
                record.append(field)
                records.append(record)
                (record, field, atFieldStart) = ([], "", true)
            default: field.unicodeScalars.append(ch); atFieldStart = false
            }
        }
        if quoted { throw BacktestTrackingError("\(file): a quoted field is not closed") }
        if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
        return records
    }
}
