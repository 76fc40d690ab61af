/// Names of the parties a settlement moves money between.
public enum PartyNames {
    /// The pooled fund's name unless the scheme's [parties] table names "fund".
    public static let fundName = "共同补偿资金 pooled fund"

    /// A name for every party in the ledger: from the jurisdiction layer (`jurisdictions`, code →
    /// name, where the project has one), else from the scheme's [parties] table.
    /// - Throws: `HydroError` at the scheme line that first names a party known to neither.
    public static func resolve(_ settlement: Settlement, scheme: Scheme, jurisdictions: [String: String]) throws -> [String: String] {
        var names: [String: String] = [:]
        for e in settlement.entries {
            for code in [e.payer, e.payee] where names[code] == nil {
                if let name = jurisdictions[code] ?? scheme.parties[code] ?? (code == Settlement.fund ? fundName : nil) {
                    names[code] = name
                } else {
                    throw HydroError(.invalidInput, scheme.partyLines[code] ?? scheme.file,
                                     "party '\(code)' is paid or charged but has no name: it is not in the jurisdiction layer, and the scheme's [parties] table does not list it (add \"\(code)\" = \"…\")")
                }
            }
        }
        return names
    }
}
