import Foundation

/// The calibration record's bootstrap intervals, looked up by level, section, pollutant and origin,
/// for the share tables and the error-bar charts.
public struct ShareIntervals: Sendable {
    /// Coverage (0.9 for 90 %).
    public var level: Double
    var byOrigin: [String: CalibrationRecord.OriginInterval] = [:]

    public init?(_ record: CalibrationRecord?) {
        guard let record, let level = record.intervalLevel else { return nil }
        self.level = level
        for entry in record.pollutants {
            for i in entry.intervals { byOrigin[Self.key(i.level ?? record.level, i.section, entry.pollutant, i.origin)] = i }
        }
        guard !byOrigin.isEmpty else { return nil }
    }

    static func key(_ level: String, _ section: String, _ pollutant: String, _ origin: String) -> String {
        [level, section, pollutant, origin].joined(separator: "\u{1F}")
    }

    public var percentText: String { fmtShort(100 * level) }

    /// What the bracketed figures of the share tables are.
    var note: String {
        "In brackets: the calibration's \(percentText) % bootstrap interval; a load's interval is of the mean load (the model's load × the smearing factor, residual variation included)."
    }

    public func origin(_ level: String, _ section: String, _ pollutant: String, _ origin: String) -> CalibrationRecord.OriginInterval? {
        byOrigin[Self.key(level, section, pollutant, origin)]
    }

    /// The section's load interval (every origin's interval carries it).
    public func sectionLoad(_ level: String, _ section: String, _ pollutant: String, origins: [String]) -> Bootstrap.Interval? {
        origins.lazy.compactMap { origin(level, section, pollutant, $0)?.sectionLoad }.first
    }

    /// Whether any interval is at `level`.
    public func has(level: String) -> Bool { byOrigin.values.contains { $0.level == level } }

    /// "15.0 % (12.0–19.0)": a share with its interval, in percent.
    static func shareText(_ share: Double, _ i: Bootstrap.Interval?) -> String {
        guard let i else { return ReportNumber.percent(share) }
        return ReportNumber.percent(share) + " (" + ReportNumber.fixed(100 * i.lower, decimals: 1) + "–" + ReportNumber.fixed(100 * i.upper, decimals: 1) + ")"
    }

    /// "12.3 (10.1–14.8)": a load in t/yr with its interval.
    static func tonnesText(_ kg: Double, _ i: Bootstrap.Interval?) -> String {
        guard let i else { return ReportNumber.tonnes(kg) }
        return ReportNumber.tonnes(kg) + " (" + ReportNumber.tonnes(i.lower) + "–" + ReportNumber.tonnes(i.upper) + ")"
    }
}

/// Error bars of one section's loads and shares by origin: for each pollutant a row for the section's
/// load and one per origin; one chart of loads (t/yr) and one of shares (0–100 %), each bar with a
/// whisker from the interval's lower to its upper bound and its figures written beside it. The two
/// charts sit side by side on a wide screen and one above the other on a phone.
enum IntervalChart {
    struct Row {
        var label: String
        var load: Bootstrap.Interval
        var share: Bootstrap.Interval?
    }

    static func html(_ blocks: [(pollutant: String, rows: [Row])], percent: String) -> String {
        "<div class=\"pair\">" + svg(blocks, percent: percent, shares: false) + svg(blocks, percent: percent, shares: true) + "</div>"
    }

    static func svg(_ blocks: [(pollutant: String, rows: [Row])], percent: String, shares: Bool) -> String {
        let rowHeight = 22.0, headHeight = 22.0, labelWidth = 160.0, panel = 170.0, room = 150.0
        let x0 = labelWidth, width = labelWidth + panel + room
        var height = 30.0
        for b in blocks { height += headHeight + Double(b.rows.count) * rowHeight + 8 }
        let title = shares ? "份额 Share (%), \(percent) % interval" : "负荷 Load (t/yr), \(percent) % interval"
        var s = "<svg class=\"errorbars\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(title)\">"
        s += "<text x=\"\(HTML.fmt2(x0))\" y=\"14\" font-size=\"12\" fill=\"#333\">\(title)</text>"
        var y = 30.0
        for block in blocks {
            s += "<text x=\"0\" y=\"\(HTML.fmt2(y + 14))\" font-size=\"12\" font-weight=\"bold\">\(HTML.escape(block.pollutant))</text>"
            y += headHeight
            let top = max(block.rows.map { max($0.load.upper, $0.load.value) }.max() ?? 1, 1e-12)
            let first = y
            for (k, row) in block.rows.enumerated() {
                let mid = y + rowHeight / 2
                if k % 2 == 1 { s += "<rect x=\"0\" y=\"\(HTML.fmt2(y))\" width=\"\(Int(width))\" height=\"\(HTML.fmt2(rowHeight))\" fill=\"#f4f6f9\"/>" }
                s += "<text x=\"\(HTML.fmt2(labelWidth - 6))\" y=\"\(HTML.fmt2(mid + 4))\" font-size=\"11\" text-anchor=\"end\">\(HTML.escape(row.label))</text>"
                if shares, let share = row.share {
                    s += bar(x: x0, width: panel, y: mid, value: share.value, lower: share.lower, upper: share.upper, colour: "#009E73",
                             text: "\(ReportNumber.fixed(100 * share.value, decimals: 1)) (\(ReportNumber.fixed(100 * share.lower, decimals: 1))–\(ReportNumber.fixed(100 * share.upper, decimals: 1)))")
                } else if !shares {
                    s += bar(x: x0, width: panel, y: mid, value: row.load.value / top, lower: row.load.lower / top, upper: row.load.upper / top,
                             colour: k == 0 ? "#555555" : "#0072B2",
                             text: "\(ReportNumber.tonnes(row.load.value)) (\(ReportNumber.tonnes(row.load.lower))–\(ReportNumber.tonnes(row.load.upper)))")
                }
                y += rowHeight
            }
            s += "<line x1=\"\(HTML.fmt2(x0))\" y1=\"\(HTML.fmt2(first))\" x2=\"\(HTML.fmt2(x0))\" y2=\"\(HTML.fmt2(y))\" stroke=\"#888\"/>"
            y += 8
        }
        return s + "</svg>"
    }

    /// One bar (value, as a fraction of the panel) with its whisker and the figures to its right.
    static func bar(x: Double, width: Double, y: Double, value: Double, lower: Double, upper: Double, colour: String, text: String) -> String {
        func at(_ f: Double) -> Double { x + min(max(f.isFinite ? f : 0, 0), 1) * width }
        var s = "<rect x=\"\(HTML.fmt2(x))\" y=\"\(HTML.fmt2(y - 6))\" width=\"\(HTML.fmt2(at(value) - x))\" height=\"12\" fill=\"\(colour)\" fill-opacity=\"0.75\"/>"
        s += "<line x1=\"\(HTML.fmt2(at(lower)))\" y1=\"\(HTML.fmt2(y))\" x2=\"\(HTML.fmt2(at(upper)))\" y2=\"\(HTML.fmt2(y))\" stroke=\"#222\" stroke-width=\"1.5\"/>"
        for f in [lower, upper] {
            s += "<line x1=\"\(HTML.fmt2(at(f)))\" y1=\"\(HTML.fmt2(y - 5))\" x2=\"\(HTML.fmt2(at(f)))\" y2=\"\(HTML.fmt2(y + 5))\" stroke=\"#222\" stroke-width=\"1.5\"/>"
        }
        let textX = max(at(upper), at(value)) + 5
        return s + "<text x=\"\(HTML.fmt2(textX))\" y=\"\(HTML.fmt2(y + 4))\" font-size=\"11\" fill=\"#222\">\(HTML.escape(text))</text>"
    }
}
