import Foundation

/// Names of the parties a report speaks of, by code: every jurisdiction at every level, and the
/// pooled fund. Ledgers and tables show "赤水市 520381" rather than a bare code.
public struct PartyDirectory: Sendable, Equatable {
    public private(set) var names: [String: String]

    public init(names: [String: String] = [:]) {
        self.names = names
        if self.names[Settlement.fund] == nil { self.names[Settlement.fund] = PartyNames.fundName }
    }

    /// Every unit of `map` and of its coarser levels.
    public init(map: JurisdictionMap?) {
        var names: [String: String] = [:]
        if let map {
            for level in JurisdictionMap.Level.allCases {
                let m = level == map.level ? map : map.aggregated(to: level)
                for unit in m.units where names[unit.id] == nil { names[unit.id] = unit.name }
            }
        }
        self.init(names: names)
    }

    /// Takes the names the ledger was written with (`PartyNames`: the scheme's own names first), so
    /// the report names every party as ledger.csv and balances.csv do.
    public mutating func adopt(_ entries: [LedgerEntry]) {
        for e in entries {
            if !e.payerName.isEmpty { names[e.payer] = e.payerName }
            if !e.payeeName.isEmpty { names[e.payee] = e.payeeName }
        }
    }

    /// The party's name, or its code when it has none.
    public func name(_ code: String) -> String { names[code] ?? code }

    /// "name code", or the code alone when the name is the code.
    public func label(_ code: String) -> String {
        guard let name = names[code], name != code else { return code }
        return code == Settlement.fund ? name : "\(name) \(code)"
    }

    /// `text` with every known party code that stands as a word (e.g. in "530627 0.42; 520502 0.58"
    /// or "530000:1 520000:5") followed by the party's name in brackets.
    public func annotate(_ text: String) -> String {
        var out = ""
        var word = ""
        func flush() {
            if let name = names[word], name != word, word != Settlement.fund { out += "\(word) (\(name))" } else { out += word }
            word = ""
        }
        for ch in text {
            if ch.isLetter || ch.isNumber || ch == "_" { word.append(ch) } else { flush(); out.append(ch) }
        }
        flush()
        return out
    }
}
