import Foundation

/// The settlement's tables as a spreadsheet user wants them: one value per cell, each party's
/// name beside its code. Written as CSV and, through GDAL's XLSX driver, as one Excel workbook.
public enum SettlementTables {
    public static let ledgerHeader = ["period", "section", "payer", "payer_name", "payee", "payee_name", "amount", "currency",
                                      "rule", "measured_mg_l", "target", "excess", "shares"]

    public static func ledgerRows(_ entries: [LedgerEntry], currency: String, directory: PartyDirectory) -> [[String]] {
        entries.map { e in
            [e.period, e.section, e.payer, directory.name(e.payer), e.payee, directory.name(e.payee), fmt(e.amount), currency,
             directory.annotate(e.rule), e.measured, e.target, e.excess, directory.annotate(e.shares)]
        }
    }

    public static let detailsHeader = ["entry", "period", "section", "payer", "payee", "item", "subject", "subject_name", "value", "unit"]

    /// The figures packed into the ledger's text columns, one per row: each measured concentration
    /// ("CODMn 3.2; TP 0.11" → two rows, mg/L) and each party's share of a split payment
    /// ("530627 0.42; 520502 0.58" → two rows). `entry` is the ledger row (1-based).
    public static func detailRows(_ entries: [LedgerEntry], directory: PartyDirectory) -> [[String]] {
        func pairs(_ text: String) -> [(String, Double)] {
            text.components(separatedBy: "; ").compactMap { part in
                guard let space = part.lastIndex(of: " "), let value = Double(part[part.index(after: space)...]) else { return nil }
                return (String(part[..<space]), value)
            }
        }
        var rows: [[String]] = []
        for (k, e) in entries.enumerated() {
            let lead = [String(k + 1), e.period, e.section, e.payer, e.payee]
            for (subject, value) in pairs(e.measured) { rows.append(lead + ["measured", subject, subject, fmt(value), "mg/L"]) }
            for (party, value) in pairs(e.shares) { rows.append(lead + ["share", party, directory.name(party), fmt(value), "fraction"]) }
        }
        return rows
    }

    public static let balancesHeader = ["party", "party_name", "year", "paid", "received", "net", "currency"]

    public static func balanceRows(_ totals: [Settlement.PartyTotal], year: Int, currency: String, directory: PartyDirectory) -> [[String]] {
        totals.map { [$0.party, directory.name($0.party), String(year), fmt($0.paid), fmt($0.received), fmt($0.net), currency] }
    }

    public static let sharesHeader = ["level", "section_id", "section_name", "pollutant", "origin_id", "origin_name", "load_kg_yr", "share",
                                      "upstream_incomplete"]

    public static func shareRows(_ shares: [SectionShares]) -> [[String]] {
        shares.flatMap { s in
            s.origins.map { o in
                [s.level, s.sectionID, s.sectionName, s.pollutant, o.id, o.name, fmt(o.kgPerYear), fmt(s.share(of: o.id)), s.incomplete ? "yes" : "no"]
            }
        }
    }

    /// The workbook's sheets: ledger, balances and attribution, figures as numbers.
    public static func workbook(entries: [LedgerEntry], totals: [Settlement.PartyTotal], shares: [SectionShares], year: Int,
                                currency: String, directory: PartyDirectory) -> [VectorLayer] {
        func sheet(_ name: String, _ header: [String], _ rows: [[String]], numeric: Set<String>) -> VectorLayer {
            let fields = header.map { FieldDefinition($0, numeric.contains($0) ? .real : $0 == "year" ? .integer : .string) }
            let features = rows.map { row in
                Feature(geometry: nil, attributes: Dictionary(uniqueKeysWithValues: zip(header, row).map { name, value -> (String, FieldValue) in
                    if numeric.contains(name) { return (name, Double(value).map(FieldValue.real) ?? .null) }
                    if name == "year" { return (name, Int64(value).map(FieldValue.integer) ?? .null) }
                    return (name, .string(value))
                }))
            }
            return VectorLayer(name: name, fields: fields, features: features, crs: CoordinateSystem(wkt: "", name: "", isGeographic: false))
        }
        return [
            sheet("ledger", ledgerHeader, ledgerRows(entries, currency: currency, directory: directory), numeric: ["amount"]),
            sheet("balances", balancesHeader, balanceRows(totals, year: year, currency: currency, directory: directory),
                  numeric: ["paid", "received", "net"]),
            sheet("attribution", sharesHeader, shareRows(shares), numeric: ["load_kg_yr", "share"]),
        ]
    }
}
