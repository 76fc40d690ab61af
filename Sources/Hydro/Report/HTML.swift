import Foundation

/// Small helpers for writing the self-contained HTML report: escaping, tables, SVG pieces, and
/// the stylesheet (screen, narrow screens down to 420 px, and print).
enum HTML {
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// A table in a horizontally scrolling box, so a wide table never runs off a phone's screen;
    /// columns from `numericFrom` on are right-aligned figures.
    static func table(_ header: [String], _ rows: [[String]], numericFrom: Int = Int.max, numeric: Set<Int> = [], tableClass: String? = nil) -> String {
        var s = "<div class=\"scroll\"><table\(tableClass.map { " class=\"\($0)\"" } ?? "")><thead><tr>" + header.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows {
            s += "<tr>" + row.enumerated().map { i, v in i >= numericFrom || numeric.contains(i) ? "<td class=\"n\">\(escape(v))</td>" : "<td>\(escape(v))</td>" }.joined() + "</tr>\n"
        }
        return s + "</tbody></table></div>\n"
    }

    /// A heading kept on the same printed page as what it introduces.
    static func keep(_ heading: String, _ content: String) -> String {
        "<div class=\"keep\">\(heading)\(content)</div>\n"
    }

    /// A ledger amount (yuan, a whole number of fen) to the fen with thousands separated: "1,234,567.89".
    static func money(_ v: Double) -> String {
        guard let fen = Money.fen(readBack: v) else { return "–" }
        return Money.grouped(fen)
    }

    /// A horizontal stacked bar of shares with a legend; `swatch` gives each label the same look in
    /// every bar (and distinct looks within a bar, see `Palette.assign`). `id` makes the bar's
    /// pattern IDs unique in the page.
    static func stackedBar(_ parts: [(label: String, share: Double)], id: String, width: Double = 640,
                           swatch: (String) -> Palette.Swatch) -> String {
        var x = 0.0
        var defs = ""
        var bars = ""
        for (k, part) in parts.enumerated() where part.share > 0 {
            let w = part.share * width
            let look = swatch(part.label)
            var fill = look.colour
            if look.pattern > 0 {
                let pid = "\(id)-p\(k)"
                let mark = look.pattern == 1 ? "<path d=\"M0 6 L6 0\" stroke=\"#fff\" stroke-width=\"1.6\"/>" : "<circle cx=\"3\" cy=\"3\" r=\"1.2\" fill=\"#fff\"/>"
                defs += "<pattern id=\"\(pid)\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\"><rect width=\"6\" height=\"6\" fill=\"\(look.colour)\"/>\(mark)</pattern>"
                fill = "url(#\(pid))"
            }
            bars += "<rect x=\"\(fmt2(x))\" y=\"2\" width=\"\(fmt2(w))\" height=\"24\" fill=\"\(fill)\" stroke=\"#fff\" stroke-width=\"0.5\"><title>\(escape(part.label)) \(ReportNumber.percent(part.share))</title></rect>"
            if w > 40 {
                let text = Palette.textColour(on: look.colour)
                bars += "<text x=\"\(fmt2(x + 4))\" y=\"19\" font-size=\"11\" fill=\"\(text)\">\(String(format: "%.0f", part.share * 100))%</text>"
            }
            x += w
        }
        let svg = "<svg class=\"bar\" viewBox=\"0 0 \(Int(width)) 28\" width=\"\(Int(width))\" height=\"28\" role=\"img\">"
            + (defs.isEmpty ? "" : "<defs>\(defs)</defs>") + bars + "</svg>"
        let legend = parts.filter { $0.share > 0 }.map { p in
            "<span class=\"key\"><i style=\"\(swatch(p.label).css)\"></i>\(escape(p.label)) \(ReportNumber.percent(p.share))</span>"
        }.joined(separator: " ")
        return svg + "<div class=\"legend\">\(legend)</div>"
    }

    /// Bars centred on zero for net balances (right: receives; left: pays), each with its value
    /// written beside it and a labelled axis, so the chart reads on paper and touch screens. With
    /// `intervals` (lower, upper per item), each bar gets a whisker over its interval.
    static func balanceBars(_ items: [(String, Double)], currency: String, intervals: [(Double, Double)?] = []) -> String {
        let whiskers = items.indices.map { $0 < intervals.count ? intervals[$0] : nil }
        let maxAbs = max((items.map { abs($0.1) } + whiskers.compactMap { $0.map { max(abs($0.0), abs($0.1)) } }).max() ?? 1, 1e-9)
        let rowHeight = 24, labelWidth = 210.0, half = 300.0, valueRoom = 110.0
        let mid = labelWidth + valueRoom + half
        let width = Int(mid + half + valueRoom)
        let height = items.count * rowHeight + 46
        var svg = "<svg viewBox=\"0 0 \(width) \(height)\" width=\"\(width)\" height=\"\(height)\" role=\"img\" aria-label=\"net balances\">"
        // Axis with ticks at -max, 0, +max.
        let axisY = items.count * rowHeight + 8
        svg += "<line x1=\"\(fmt2(mid - half))\" y1=\"\(axisY)\" x2=\"\(fmt2(mid + half))\" y2=\"\(axisY)\" stroke=\"#444\"/>"
        for (t, anchor) in [(-1.0, "middle"), (0, "middle"), (1.0, "middle")] {
            let x = mid + t * half
            svg += "<line x1=\"\(fmt2(x))\" y1=\"\(axisY)\" x2=\"\(fmt2(x))\" y2=\"\(axisY + 4)\" stroke=\"#444\"/>"
            svg += "<text x=\"\(fmt2(x))\" y=\"\(axisY + 16)\" font-size=\"11\" text-anchor=\"\(anchor)\" fill=\"#333\">\(ReportNumber.whole(t * maxAbs))</text>"
        }
        svg += "<text x=\"\(fmt2(mid - half))\" y=\"\(axisY + 26)\" font-size=\"10\" fill=\"#555\">← 付 pays</text>"
        svg += "<text x=\"\(fmt2(mid + half))\" y=\"\(axisY + 26)\" font-size=\"10\" fill=\"#555\" text-anchor=\"end\">收 receives → (\(escape(currency)))</text>"
        svg += "<line x1=\"\(fmt2(mid))\" y1=\"0\" x2=\"\(fmt2(mid))\" y2=\"\(axisY)\" stroke=\"#444\"/>"
        for (i, item) in items.enumerated() {
            let y = i * rowHeight + 4
            let w = abs(item.1) / maxAbs * half
            let x = item.1 >= 0 ? mid : mid - w
            svg += "<text x=\"\(fmt2(labelWidth - 5))\" y=\"\(y + 14)\" text-anchor=\"end\" font-size=\"12\">\(escape(item.0))</text>"
            svg += "<rect x=\"\(fmt2(x))\" y=\"\(y)\" width=\"\(fmt2(w))\" height=\"18\" fill=\"\(item.1 >= 0 ? "#0072B2" : "#D55E00")\"><title>\(escape(item.0)): \(ReportNumber.whole(item.1)) \(escape(currency))</title></rect>"
            var reach = w
            if let (lo, hi) = whiskers[i], lo != hi {
                let x1 = mid + lo / maxAbs * half, x2 = mid + hi / maxAbs * half, c = Double(y) + 9
                svg += "<line x1=\"\(fmt2(x1))\" y1=\"\(fmt2(c))\" x2=\"\(fmt2(x2))\" y2=\"\(fmt2(c))\" stroke=\"#222\" stroke-width=\"1.5\"/>"
                for x in [x1, x2] { svg += "<line x1=\"\(fmt2(x))\" y1=\"\(fmt2(c - 5))\" x2=\"\(fmt2(x))\" y2=\"\(fmt2(c + 5))\" stroke=\"#222\" stroke-width=\"1.5\"/>" }
                reach = max(w, abs((item.1 >= 0 ? hi : lo) / maxAbs * half))
            }
            let valueX = item.1 >= 0 ? mid + reach + 4 : mid - reach - 4
            svg += "<text x=\"\(fmt2(valueX))\" y=\"\(y + 14)\" font-size=\"11\" text-anchor=\"\(item.1 >= 0 ? "start" : "end")\">\(ReportNumber.whole(item.1))</text>"
        }
        return svg + "</svg>"
    }

    static func fmt2(_ v: Double) -> String { String(format: "%.2f", v) }

    /// Fonts that carry Chinese: Noto Sans CJK (Debian's fonts-noto-cjk, installed by
    /// scripts/install-deps.sh), Source Han Sans (the same design), WenQuanYi (fonts-wqy-*),
    /// then the Windows and macOS system fonts, then whatever the system has.
    static let fontStack = "\"Noto Sans CJK SC\",\"Noto Sans SC\",\"Source Han Sans SC\",\"Source Han Sans CN\",\"WenQuanYi Micro Hei\",\"WenQuanYi Zen Hei\",\"Microsoft YaHei\",\"PingFang SC\",\"Hiragino Sans GB\",\"Noto Sans\",\"DejaVu Sans\",system-ui,sans-serif"

    /// The report's stylesheet: screen, narrow screens (tables scroll in their box, down to 420 px),
    /// and print (collapsed tables printed open, headings kept with their figures, a page per section).
    static let stylesheet = """
    body{font-family:\(fontStack);margin:24px auto;max-width:1100px;color:#222;line-height:1.4;padding:0 16px}
    svg text{font-family:\(fontStack)}
    h1 small{display:block;font-size:60%;line-height:1.3;margin-top:6px;color:#555;font-weight:normal} h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:36px}
    nav{margin:12px 0;padding:8px;background:#f3f6fa;border-radius:4px} .meta{color:#666;font-size:90%}
    .scroll{overflow-x:auto;max-width:100%} table{border-collapse:collapse;margin:8px 0;font-size:90%}
    th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top} th{background:#eef3f8}
    td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap} figure{margin:12px 0} figcaption{font-size:90%;color:#555}
    table.matrix td.n,table.balances td.n{min-width:6em} .note{font-size:88%;color:#555} .checks{font-size:90%}
    .summary{background:#f7f9fc;border:1px solid #d5deea;border-radius:4px;padding:4px 14px 10px} .summary h2{margin-top:10px}
    table.ledger td:nth-child(6){min-width:12em} table.ledger.intervals td:nth-child(6){min-width:0} table.ledger.intervals td:nth-child(7){min-width:12em} table.ledger td:nth-child(3),table.ledger td:nth-child(4){min-width:5.5em} table.matrix td:first-child,table.matrix th:first-child,table.flux td:nth-child(-n+2),table.shares td:first-child{white-space:nowrap}
    .legend{font-size:85%;margin:4px 0 12px} .key{margin-right:12px;white-space:nowrap;display:inline-block} .keynote{display:block}
    .key i{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:-1px;border:1px solid #fff;outline:1px solid #bbb}
    svg{max-width:100%;height:auto} .pair svg.errorbars{display:inline-block;vertical-align:top;margin:0 12px 8px 0} details{margin:6px 0 14px} summary{cursor:pointer}
    .maplegend{font-size:85%;margin:4px 0;line-height:1.9} .maplegend .lt{font-weight:bold;margin-right:6px} svg.sym{vertical-align:middle;margin-right:3px}
    *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
    @media (max-width:600px){
    body{margin:8px auto;padding:0 8px;font-size:15px} h1{font-size:1.35em} h2{font-size:1.2em;margin-top:24px}
    table{font-size:80%} th,td{padding:2px 4px} nav a{display:inline-block;margin:2px 0} .wide svg{min-width:620px}
    }
    @media print{
    @page{size:A4;margin:14mm 12mm}
    body{max-width:none;margin:0;padding:0;font-size:10pt} nav{display:none}
    section{break-before:page} section.first{break-before:auto}
    h1,h2,h3,h4{break-after:avoid;page-break-after:avoid} .keep,figure,svg,tr{break-inside:avoid;page-break-inside:avoid}
    .scroll{overflow:visible} table{font-size:8.5pt} table.ledger{font-size:7pt} table.ledger td{overflow-wrap:anywhere}
    table.ledger td:nth-child(3),table.ledger td:nth-child(4){overflow-wrap:normal;word-break:keep-all} details::details-content{content-visibility:visible;display:contents}
    details>summary{list-style:none;font-weight:bold} details>summary::-webkit-details-marker{display:none}
    }
    """

    /// Opens every collapsed table before printing, for browsers without `::details-content`.
    static let printScript = "window.addEventListener(\"beforeprint\",function(){document.querySelectorAll(\"details\").forEach(function(d){d.setAttribute(\"open\",\"open\")})});"

    /// A whole page around `body`.
    static func document(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/>
        <title>\(escape(title))</title>
        <style>
        \(stylesheet)
        </style>
        <script>\(printScript)</script></head><body>
        \(body)
        </body></html>
        """
    }
}
