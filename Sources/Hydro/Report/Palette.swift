import Foundation

/// Colours for parties and classes that colour-blind readers can tell apart: the Okabe–Ito set
/// (Okabe & Ito 2008, "Color Universal Design") followed by Paul Tol's "muted" scheme (Tol 2021,
/// SRON/EPS/TN/09-002), each colour distinct in hue and lightness from its neighbours. When more
/// parties share a bar than there are colours, the colours repeat with a hatching, so no two
/// parties of a bar ever look alike.
public enum Palette {
    public static let colours = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#999999",
                                 "#332288", "#DDCC77", "#117733", "#CC6677", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499"]

    /// How one party is drawn: a colour, plain or hatched (0 plain, 1 diagonal stripes, 2 dots).
    public struct Swatch: Sendable, Equatable, Hashable {
        public var colour: String
        public var pattern: Int

        /// CSS background for a legend key (stripes and dots in white over the colour).
        public var css: String {
            switch pattern {
            case 0: return "background:\(colour)"
            case 1: return "background:repeating-linear-gradient(45deg,\(colour) 0 3px,#fff 3px 5px)"
            default: return "background:radial-gradient(circle,#fff 1.2px,\(colour) 1.4px) 0 0/5px 5px"
            }
        }
    }

    public static var swatchCount: Int { colours.count * 3 }

    static func swatch(_ k: Int) -> Swatch {
        Swatch(colour: colours[k % colours.count], pattern: (k / colours.count) % 3)
    }

    /// One swatch per label such that labels drawn together (in one group, e.g. one stacked bar)
    /// never share a swatch, greedily in the order labels first appear; the same label keeps its
    /// swatch in every group. Deterministic for the same groups.
    public static func assign(_ groups: [[String]]) -> [String: Swatch] {
        var order: [String] = []
        var seen = Set<String>()
        var neighbours: [String: Set<String>] = [:]
        for group in groups {
            for label in group where seen.insert(label).inserted { order.append(label) }
            for a in group { for b in group where a != b { neighbours[a, default: []].insert(b) } }
        }
        var index: [String: Int] = [:]
        for label in order {
            let taken = Set((neighbours[label] ?? []).compactMap { index[$0] })
            var k = 0
            while taken.contains(k) { k += 1 }
            index[label] = k
        }
        return index.mapValues { swatch($0) }
    }

    static func components(_ hex: String) -> (Int, Int, Int) {
        let digits = hex.hasPrefix("#") ? String(hex.dropFirst()) : hex
        let v = Int(digits, radix: 16) ?? 0
        return ((v >> 16) & 0xff, (v >> 8) & 0xff, v & 0xff)
    }

    static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        func h(_ x: Int) -> String {
            let s = String(min(max(x, 0), 255), radix: 16)
            return s.count == 1 ? "0" + s : s
        }
        return "#" + h(r) + h(g) + h(b)
    }

    /// Black or white, whichever reads better on `hex` (WCAG relative luminance).
    static func textColour(on hex: String) -> String {
        let (r, g, b) = components(hex)
        func lin(_ c: Int) -> Double {
            let s = Double(c) / 255
            return s <= 0.03928 ? s / 12.92 : pow((s + 0.055) / 1.055, 2.4)
        }
        let l = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
        return l > 0.35 ? "#000" : "#fff"
    }
}
