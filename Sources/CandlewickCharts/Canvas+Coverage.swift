/// Anti-aliasing precision.
///
/// Coverage (of a line, a glyph, a band edge) is rounded to sixteenths before blending. A chart's
/// pixels then take far fewer distinct colours (about 1,000 instead of about 3,900 for the daily
/// chart), which is what its PNG size mostly depends on: the 1920x1080 charts encode to ~130 KB
/// instead of ~185 KB with the same encoder settings, the same time and no filter. Sixteen levels
/// is the precision of 4x4 supersampling; the largest change per channel is 1/32 of the difference
/// between the two colours blended (8 of 255 at most). Measurements: docs/benchmarks.md, Charts.
extension Canvas {
    /// The number of coverage steps between "not covered" and "fully covered".
    public static let coverageLevels = 16

    /// The blend weight out of 256 for coverage `alpha`: `alpha` rounded to the nearest multiple of
    /// `1 / coverageLevels`, so 0 for coverage below 1/32 and 256 from 31/32 up.
    @inline(__always)
    static func coverageWeight(_ alpha: Double) -> Int {
        let steps = Int(min(alpha, 1) * Double(coverageLevels) + 0.5)
        return steps * (256 / coverageLevels)
    }
}
