import Foundation

/// A JSON request body with base64 images, built without pushing the images through
/// `JSONSerialization`: the small envelope is serialized with a unique placeholder string where
/// each image goes, then each placeholder's bytes are replaced by the image's text (a fixed prefix
/// such as `data:image/png;base64,` and its base64), written straight into the body.
///
/// Why: `JSONSerialization` walks a string character by character (and escapes every `/`); for two
/// 1920x1080 charts (~500 KB of base64) that was ~15 ms of CPU per request and 83 % of the
/// llm-worker's CPU in `candlewick-bench llm` (perf). The base64 alphabet and the prefixes used
/// here need no JSON escaping, so the spliced body is the same JSON value.
struct ImageSplicedJSON {
    /// One placeholder per image: `body` must carry `placeholder(i)` as the string value where image
    /// `i` goes. A per-body random token makes a collision with prompt text impossible in practice;
    /// a placeholder found other than exactly once is an error, never a silently wrong body.
    let token = UUID().uuidString
    let prefix: String

    /// - Parameter prefix: the text before each image's base64 (`data:image/png;base64,` for a
    ///   data URL, empty for a bare base64 field). It must need no JSON escaping.
    init(prefix: String) { self.prefix = prefix }

    func placeholder(_ index: Int) -> String { "@candlewick-image-\(index)-\(token)@" }

    /// `body` serialized (sorted keys) with image `i`'s prefix + base64 in place of `placeholder(i)`.
    func data(_ body: [String: Any], images: [Data]) throws -> Data {
        let envelope = try JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])
        let encoded = images.map { $0.base64EncodedData() }
        let prefixBytes = Data(prefix.utf8)
        var out = Data()
        out.reserveCapacity(envelope.count + encoded.reduce(0) { $0 + $1.count + prefixBytes.count })
        var cursor = envelope.startIndex
        for (i, image) in encoded.enumerated() {
            let mark = Data(placeholder(i).utf8)
            guard let found = envelope.range(of: mark, in: cursor..<envelope.endIndex),
                  envelope.range(of: mark, in: found.upperBound..<envelope.endIndex) == nil
            else { throw ImageSpliceError(index: i, images: images.count) }
            out.append(envelope[cursor..<found.lowerBound])
            out.append(prefixBytes)
            out.append(image)
            cursor = found.upperBound
        }
        out.append(envelope[cursor...])
        return out
    }
}

/// An image's placeholder was not found exactly once, in order, in the serialized request body.
struct ImageSpliceError: Error, CustomStringConvertible {
    let index: Int
    let images: Int
    var description: String {
        "request body: the placeholder of image \(index + 1) of \(images) is not found exactly once after the previous image's (a bug in the provider's body)"
    }
}
