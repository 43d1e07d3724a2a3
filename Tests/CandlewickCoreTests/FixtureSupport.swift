import CandlewickCore
import Foundation

/// Reads a fixture file shipped with the test target.
func fixture(_ path: String) throws -> String {
    guard let url = Bundle.module.url(forResource: "Fixtures/\(path)", withExtension: nil) else {
        throw BarCSVError(source: path, line: 0, message: "fixture not found")
    }
    return try String(contentsOf: url, encoding: .utf8)
}

/// Reads a pyalgotrade `Input,Expected` CSV.
func inputExpected(_ name: String) throws -> (input: [Double], expected: [Double?]) {
    var input: [Double] = [], expected: [Double?] = []
    for line in try fixture("references/\(name)").split(separator: "\n").dropFirst() {
        let f = line.split(separator: ",", omittingEmptySubsequences: false)
        input.append(Double(f[0].trimmingCharacters(in: .whitespacesAndNewlines))!)
        expected.append(f.count > 1 ? Double(f[1].trimmingCharacters(in: .whitespacesAndNewlines)) : nil)
    }
    return (input, expected)
}

/// Reads one field of a Stock.Indicators `*.standard.json` baseline.
func baseline(_ name: String, _ field: String) throws -> [Double?] {
    let rows = try JSONSerialization.jsonObject(with: Data(try fixture("references/\(name)").utf8)) as! [[String: Any]]
    return rows.map { $0[field] as? Double }
}

func rounded(_ x: Double, _ digits: Int) -> Double {
    let p = pow(10.0, Double(digits))
    return (x * p).rounded() / p
}
