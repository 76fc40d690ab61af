import Foundation

/// Small helpers for writing the self-contained HTML report: escaping, tables, SVG pieces.
enum HTML {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func table(_ header: [String], _ rows: [[String]], numericFrom: Int = Int.max) -> String {
        var s = "<table><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows {
            s += "<tr>" + row.enumerated().map { i, v in i >= numericFrom ? "<td class=\"n\">\(escape(v))</td>" : "<td>\(escape(v))</td>" }.joined() + "</tr>\n"
        }
        return s + "</tbody></table>\n"
    }

    /// A readable number: thousands separated, 3 significant decimals for small values.
    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        if abs(v) >= 1000 {
            let f = NumberFormatter()
            f.numberStyle = .decimal
            f.maximumFractionDigits = 0
            return f.string(from: NSNumber(value: v)) ?? String(format: "%.0f", v)
        }
        if abs(v) >= 1 { return String(format: "%.2f", v) }
        return String(format: "%.4g", v)
    }

    /// A ledger amount (yuan, a whole number of fen) to the fen with thousands separated: "1,234,567.89".
    static func money(_ v: Double) -> String {
        guard let fen = Money.fen(readBack: v) else { return "–" }
        return Money.grouped(fen)
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd"]

    /// A horizontal stacked bar of shares with a legend; `colour` gives each label the same colour in every bar.
    static func stackedBar(_ parts: [(label: String, share: Double)], width: Double = 640, colour: (String) -> String) -> String {
        var x = 0.0
        var svg = "<svg class=\"bar\" viewBox=\"0 0 \(Int(width)) 28\" width=\"\(Int(width))\" height=\"28\" role=\"img\">"
        for part in parts where part.share > 0 {
            let w = part.share * width
            svg += "<rect x=\"\(fmt2(x))\" y=\"2\" width=\"\(fmt2(w))\" height=\"24\" fill=\"\(colour(part.label))\"><title>\(escape(part.label)) \(String(format: "%.1f", part.share * 100)) %</title></rect>"
            if w > 40 {
                svg += "<text x=\"\(fmt2(x + 4))\" y=\"19\" font-size=\"11\" fill=\"#fff\">\(String(format: "%.0f", part.share * 100))%</text>"
            }
            x += w
        }
        svg += "</svg>"
        let legend = parts.filter { $0.share > 0 }.map { p in
            "<span class=\"key\"><i style=\"background:\(colour(p.label))\"></i>\(escape(p.label)) \(String(format: "%.1f", p.share * 100))%</span>"
        }.joined(separator: " ")
        return svg + "<div class=\"legend\">\(legend)</div>"
    }

    /// Bars centred on zero for net balances (positive: receives; negative: pays).
    static func balanceBars(_ items: [(String, Double)], currency: String) -> String {
        let maxAbs = max(items.map { abs($0.1) }.max() ?? 1, 1e-9)
        let rowHeight = 24, width = 640.0, mid = 320.0
        var svg = "<svg viewBox=\"0 0 \(Int(width) + 260) \(items.count * rowHeight + 10)\" width=\"\(Int(width) + 260)\" height=\"\(items.count * rowHeight + 10)\" role=\"img\">"
        svg += "<line x1=\"\(mid + 200)\" y1=\"0\" x2=\"\(mid + 200)\" y2=\"\(items.count * rowHeight + 10)\" stroke=\"#444\"/>"
        for (i, item) in items.enumerated() {
            let y = i * rowHeight + 5
            let w = abs(item.1) / maxAbs * (mid - 10)
            let x = item.1 >= 0 ? mid + 200 : mid + 200 - w
            svg += "<text x=\"195\" y=\"\(y + 16)\" text-anchor=\"end\" font-size=\"12\">\(escape(item.0))</text>"
            svg += "<rect x=\"\(fmt2(x))\" y=\"\(y)\" width=\"\(fmt2(w))\" height=\"18\" fill=\"\(item.1 >= 0 ? "#2ca02c" : "#d62728")\"><title>\(escape(item.0)): \(money(item.1)) \(currency)</title></rect>"
        }
        return svg + "</svg>"
    }

    static func fmt2(_ v: Double) -> String { String(format: "%.2f", v) }
}
