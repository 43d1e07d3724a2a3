/// Anti-aliased strokes and fills.
extension Canvas {
    /// Draws an anti-aliased polyline of the given width through `points`; a `nil` or non-finite
    /// point breaks the line (undefined indicator values are gaps, never zeros).
    public mutating func polyline(_ points: [(Double, Double)?], width: Double, _ color: RGB) {
        var previous: (Double, Double)?
        for p in points {
            guard let p, p.0.isFinite, p.1.isFinite else { previous = nil; continue }
            if let q = previous { segment(q.0, q.1, p.0, p.1, width: width, color) }
            previous = p
        }
    }

    /// An anti-aliased segment: every pixel near the line gets coverage from its perpendicular
    /// distance to the centre line. Walks the major axis, so cost is length × width.
    public mutating func segment(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, width: Double, _ color: RGB) {
        let dx = x1 - x0, dy = y1 - y0
        let half = width / 2
        if abs(dx) >= abs(dy) {
            guard dx != 0 else { return dot(x0, y0, width: width, color) }
            let (ax, ay, bx, by) = dx > 0 ? (x0, y0, x1, y1) : (x1, y1, x0, y0)
            let slope = (by - ay) / (bx - ax)
            let norm = (1 + slope * slope).squareRoot()
            let reach = half * norm + 1
            let xs = Int((ax).rounded(.down)), xe = Int((bx).rounded(.up))
            for x in xs...xe {
                let cx = min(max(Double(x) + 0.5, ax), bx)
                let cy = ay + (cx - ax) * slope
                let yStart = Int((cy - reach).rounded(.down)), yEnd = Int((cy + reach).rounded(.up))
                for y in yStart...yEnd {
                    let d = abs(Double(y) + 0.5 - cy) / norm
                    let coverage = min(1, half + 0.5 - d)
                    if coverage > 0 { blend(x, y, color, coverage) }
                }
            }
        } else {
            let (ax, ay, bx, by) = dy > 0 ? (x0, y0, x1, y1) : (x1, y1, x0, y0)
            let slope = (bx - ax) / (by - ay)
            let norm = (1 + slope * slope).squareRoot()
            let reach = half * norm + 1
            let ys = Int(ay.rounded(.down)), ye = Int(by.rounded(.up))
            for y in ys...ye {
                let cy = min(max(Double(y) + 0.5, ay), by)
                let cx = ax + (cy - ay) * slope
                let xStart = Int((cx - reach).rounded(.down)), xEnd = Int((cx + reach).rounded(.up))
                for x in xStart...xEnd {
                    let d = abs(Double(x) + 0.5 - cx) / norm
                    let coverage = min(1, half + 0.5 - d)
                    if coverage > 0 { blend(x, y, color, coverage) }
                }
            }
        }
    }

    /// A round dot of diameter `width`.
    public mutating func dot(_ cx: Double, _ cy: Double, width: Double, _ color: RGB) {
        let r = width / 2
        for y in Int((cy - r - 1).rounded(.down))...Int((cy + r + 1).rounded(.up)) {
            for x in Int((cx - r - 1).rounded(.down))...Int((cx + r + 1).rounded(.up)) {
                let dx = Double(x) + 0.5 - cx, dy = Double(y) + 0.5 - cy
                let coverage = min(1, r + 0.5 - (dx * dx + dy * dy).squareRoot())
                if coverage > 0 { blend(x, y, color, coverage) }
            }
        }
    }

    /// Fills the region between two x-monotone curves (e.g. Bollinger bands) with `color` at
    /// `opacity`, column by column with anti-aliased top and bottom edges. Columns where either
    /// curve is undefined are left empty.
    public mutating func fillBetween(_ upper: [(Double, Double)?], _ lower: [(Double, Double)?], _ color: RGB, opacity: Double) {
        let n = min(upper.count, lower.count)
        guard n >= 2 else { return }
        for i in 1..<n {
            guard let u0 = upper[i - 1], let u1 = upper[i], let l0 = lower[i - 1], let l1 = lower[i],
                  u0.1.isFinite, u1.1.isFinite, l0.1.isFinite, l1.1.isFinite else { continue }
            let xa = Int(u0.0.rounded(.down)), xb = Int(u1.0.rounded(.down))
            guard xb > xa else { continue }
            for x in xa..<xb {
                let t = (Double(x) + 0.5 - u0.0) / (u1.0 - u0.0)
                let top = u0.1 + (u1.1 - u0.1) * t
                let bottom = l0.1 + (l1.1 - l0.1) * t
                let y0 = min(top, bottom), y1 = max(top, bottom)
                let yi0 = Int(y0.rounded(.down)), yi1 = Int(y1.rounded(.down))
                if yi0 == yi1 {
                    blend(x, yi0, color, opacity * (y1 - y0))
                    continue
                }
                blend(x, yi0, color, opacity * (Double(yi0 + 1) - y0))
                if yi1 > yi0 + 1 { blendColumn(x: x, y0: yi0 + 1, y1: yi1, color, opacity) }
                blend(x, yi1, color, opacity * (y1 - Double(yi1)))
            }
        }
    }
}
