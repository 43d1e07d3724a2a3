import Foundation
import Testing

@testable import CandlewickTracker

@Suite struct MLflowLimitsTests {
    @Test func keysAreMadeLegal() {
        #expect(MLflowLimits.key("signal_action") == "signal_action")
        #expect(MLflowLimits.key("stage charts/s:1.x-y") == "stage charts/s:1.x-y")
        #expect(MLflowLimits.key("bad key!") == "bad key_")
        #expect(MLflowLimits.key("/lead//double") == "lead/double")
        #expect(MLflowLimits.key("../up") == "_/up")
        #expect(MLflowLimits.key("prix€") == "prix_")
        #expect(MLflowLimits.key("") == "_")
        #expect(MLflowLimits.key(String(repeating: "k", count: 400)).count == 250)
    }

    @Test func valuesAreTruncatedByScalars() {
        #expect(MLflowLimits.truncate("abc", to: 5) == "abc")
        #expect(MLflowLimits.truncate("abcdef", to: 3) == "abc")
        let long = String(repeating: "é", count: 7000)
        #expect(MLflowLimits.truncate(long, to: 6000).unicodeScalars.count == 6000)
    }

    @Test func sanitizedBatchReportsFixUps() {
        let batch = LogBatch(params: [MLflowParam("reasoning", String(repeating: "x", count: 6001)), MLflowParam("a b!", "1"),
                                      MLflowParam("dup", "1"), MLflowParam("dup", "2")],
                             metrics: [MLflowMetric("ok", 1, timestamp: 1), MLflowMetric("nan", .nan, timestamp: 1)],
                             tags: [MLflowTag("note", String(repeating: "t", count: 9000))])
        let (clean, fix) = batch.sanitized()
        #expect(clean.params.map(\.key) == ["reasoning", "a b_", "dup"])
        #expect(clean.params[0].value.count == 6000)
        #expect(clean.params[2].value == "1")
        #expect(clean.tags[0].value.count == 8000)
        #expect(clean.metrics.map(\.key) == ["ok"])
        #expect(fix.truncated.sorted() == ["note", "reasoning"])
        #expect(fix.renamed == ["a b!": "a b_"])
        #expect(fix.dropped.sorted() == ["dup", "nan"])
    }

    @Test func batchesAreSplitWithinLimits() {
        let batch = LogBatch(params: (0..<250).map { MLflowParam("p\($0)", "v") },
                             metrics: (0..<2500).map { MLflowMetric("m\($0)", Double($0), timestamp: 1) },
                             tags: (0..<120).map { MLflowTag("t\($0)", "v") })
        let parts = batch.split()
        for part in parts {
            #expect(part.params.count <= 100 && part.tags.count <= 100 && part.metrics.count <= 1000 && part.count <= 1000)
            #expect(!part.isEmpty)
        }
        #expect(parts.flatMap(\.params) == batch.params)
        #expect(parts.flatMap(\.metrics) == batch.metrics)
        #expect(parts.flatMap(\.tags) == batch.tags)
        #expect(parts.map(\.count) == [1000, 1000, 870])  // 100p+100t+800m, 100p+20t+880m, 50p+820m
        #expect(LogBatch().split().isEmpty)
        #expect(LogBatch(params: [MLflowParam("a", "b")]).split().count == 1)
    }

    @Test func itemsAreOnePerBatch() {
        let batch = LogBatch(params: [MLflowParam("a", "1")], metrics: [MLflowMetric("m", 1, timestamp: 1)], tags: [MLflowTag("t", "x")])
        #expect(batch.items().map(\.count) == [1, 1, 1])
    }

    @Test func artifactURIsMapToTheProxy() {
        let base = "http://127.0.0.1:5000"
        #expect(MLflowClient.artifactBase(artifactURI: "mlflow-artifacts:/1/abc/artifacts", trackingURI: base)
            == "http://127.0.0.1:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts")
        #expect(MLflowClient.artifactBase(artifactURI: "mlflow-artifacts://other:7000/1/abc/artifacts", trackingURI: base)
            == "http://other:7000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts")
        #expect(MLflowClient.artifactBase(artifactURI: "https://x/api/2.0/mlflow-artifacts/artifacts/1", trackingURI: base)
            == "https://x/api/2.0/mlflow-artifacts/artifacts/1")
        #expect(MLflowClient.artifactBase(artifactURI: "s3://bucket/1/abc", trackingURI: base) == nil)
        #expect(MLflowClient.artifactBase(artifactURI: "/var/mlruns/1", trackingURI: base) == nil)
    }

    @Test func authNeverShowsTheSecret() {
        let basic = MLflowAuth(environment: ["MLFLOW_TRACKING_USERNAME": "u", "MLFLOW_TRACKING_PASSWORD": "s3cret", "MLFLOW_TRACKING_TOKEN": "tok"])
        #expect(basic.header == "Basic " + Data("u:s3cret".utf8).base64EncodedString())
        #expect(!basic.description.contains("s3cret"))
        let bearer = MLflowAuth(environment: ["MLFLOW_TRACKING_TOKEN": "tok"])
        #expect(bearer.header == "Bearer tok" && !bearer.description.contains("tok"))
        #expect(MLflowAuth(environment: [:]).header == nil)
    }

    @Test func onlyMLflowsOwnErrorsBlameTheRecord() {
        func retryable(_ status: Int, _ body: String) -> Bool {
            MLflowClient.failure(status: status, body: Data(body.utf8), call: "t").retryable
        }
        let json = #"{"error_code":"INVALID_PARAMETER_VALUE","message":"Changing param values is not allowed"}"#
        #expect(!retryable(400, json))
        #expect(!retryable(404, #"{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"no run"}"#))
        #expect(!retryable(413, "too large"))
        #expect(retryable(401, "<html>You are not authenticated</html>"))
        #expect(retryable(403, "Permission denied"))
        #expect(retryable(404, "<html>Not Found</html>"))  // a wrong URL, not a bad record
        #expect(retryable(429, #"{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}"#))
        #expect(retryable(500, "<html>Internal Server Error</html>"))
        #expect(retryable(503, json))
        #expect(MLflowClient.failure(status: 400, body: Data(json.utf8), call: "POST runs/log-batch").description
            == "MLflow POST runs/log-batch: HTTP 400 INVALID_PARAMETER_VALUE: Changing param values is not allowed")
    }
}
