import Foundation

/// Server-rendered HTML: every text from data or uploads goes through `escape`.
enum Page {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }

    static let style = """
    body{font-family:system-ui,sans-serif;margin:0;color:#1b2631}header{background:#17415f;color:#fff;padding:.6em 1em}
    header a{color:#fff}main{padding:1em;max-width:70em}table{border-collapse:collapse;font-size:.9em}
    td,th{border:1px solid #ccd;padding:.2em .5em;text-align:left;vertical-align:top}th{background:#eef2f6}
    .n{text-align:right;font-variant-numeric:tabular-nums}.err{color:#a00}form.inline{display:inline}
    """

    static func layout(title: String, user: UserAccount?, body: String, head: String = "") -> String {
        let who = user.map { u in
            "signed in as \(escape(u.name))\(u.jurisdiction.map { " (\(escape($0)))" } ?? " (administrator)") · <a href=\"/map\">map</a>"
        } ?? "<a href=\"/login\">sign in</a>"
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
        <title>\(escape(title))</title><style>\(style)</style>\(head)</head>
        <body><header><a href="/">hydrotool</a> · \(escape(title)) <span style="float:right">\(who)</span></header>
        <main>\(body)</main></body></html>
        """
    }

    /// Any JSON value as nested HTML (objects as tables, arrays as lists).
    static func value(_ v: JSONValue) -> String {
        switch v {
        case .null: return "–"
        case .bool(let b): return b ? "true" : "false"
        case .number(let n):
            guard n.isFinite else { return "–" }
            if n == n.rounded() && abs(n) < 1e15 { return String(Int64(n)) }
            return abs(n) >= 1000 && abs(n) < 1e15 ? String(format: "%.2f", n) : String(format: "%.6g", n)
        case .string(let s): return escape(s)
        case .array(let a): return a.isEmpty ? "[]" : "<ol>" + a.map { "<li>\(value($0))</li>" }.joined() + "</ol>"
        case .object(let o):
            return "<table>" + o.keys.sorted().map { "<tr><th>\(escape($0))</th><td>\(value(o[$0] ?? .null))</td></tr>" }.joined() + "</table>"
        }
    }

    static func links(_ links: [JSONValue]) -> String {
        "<ul>" + links.compactMap { l -> String? in
            guard let href = l["href"]?.stringValue else { return nil }
            return "<li><a href=\"\(escape(href))\">\(escape(l["title"]?.stringValue ?? l["rel"]?.stringValue ?? href))</a> (\(escape(l["rel"]?.stringValue ?? "")), \(escape(l["type"]?.stringValue ?? "")))</li>"
        }.joined() + "</ul>"
    }

    static func login(csrf: String, message: String?, user: UserAccount?) -> String {
        layout(title: "Sign in", user: user, body: """
        <h1>Sign in</h1>
        \(message.map { "<p class=\"err\">\(escape($0))</p>" } ?? "")
        <form method="post" action="/login">
        <input type="hidden" name="csrf" value="\(escape(csrf))">
        <p><label>User <input name="username" id="username" autocomplete="username" required></label></p>
        <p><label>Password <input name="password" id="password" type="password" autocomplete="current-password" required></label></p>
        <p><button type="submit" id="signin">Sign in</button></p>
        </form>
        """)
    }
}
