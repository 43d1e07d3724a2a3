import Foundation

extension ChartJob {
    /// This job with `market_data` written as `json`, the bytes its `marketData` was decoded from
    /// (nil: encoded again). The run owner decodes each symbol's bars once, to check them, and
    /// forwards what it received instead of re-encoding ~1,000 bars per symbol.
    public func forwarding(_ json: Data?) throws -> ChartJob {
        try ChartJob(jobId: jobId, marketData: marketData, daily: daily, weekly: weekly, artifactDir: artifactDir, marketDataJSON: json)
    }

    /// `EnvelopeWriter` asks `encodedPayload` for the job's JSON (below) rather than encoding it.
    public static var encodesItsOwnPayload: Bool { true }

    /// The job's JSON with `marketDataJSON` spliced in as `market_data`: the keys sorted as
    /// `CandlewickJSON.encoder()` sorts them, strings escaped as it escapes them, so when the bytes
    /// are what `marketData` encodes to, the result is byte for byte `encoder.encode(self)`.
    public func encodedPayload(using encoder: JSONEncoder) throws -> Data {
        guard let marketDataJSON else { return try encoder.encode(self) }
        let daily = try encoder.encode(self.daily), weekly = try encoder.encode(self.weekly)
        var out = JSONBytes(capacity: marketDataJSON.count + daily.count + weekly.count + jobId.utf8.count + 128)
        out.byte(0x7B)
        if let artifactDir {
            out.raw(#""artifact_dir":"#)
            out.string(artifactDir)
            out.byte(0x2C)
        }
        out.raw(#""daily":"#)
        out.bytes.append(contentsOf: daily)
        out.raw(#","job_id":"#)
        out.string(jobId)
        out.raw(#","market_data":"#)
        out.bytes.append(contentsOf: marketDataJSON)
        out.raw(#","weekly":"#)
        out.bytes.append(contentsOf: weekly)
        out.byte(0x7D)
        return Data(out.bytes)
    }
}
