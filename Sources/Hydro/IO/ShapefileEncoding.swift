import Foundation

/// Guesses the text encoding of a shapefile's DBF when nothing says it: no `.cpg` beside it and no
/// language-driver byte in its header. GDAL then assumes ISO-8859-1, which turns Chinese names
/// saved as GBK (common for county layers made on Chinese Windows) into mojibake.
enum ShapefileEncoding {
    /// "UTF-8" or "CP936" when the DBF's text proves one of them, nil when GDAL's own choice stands
    /// (a .cpg or language-driver byte is present, or the text is plain ASCII).
    static func detect(shapefile path: String) -> String? {
        let base = (path as NSString).deletingPathExtension
        let ext = (path as NSString).pathExtension.lowercased()
        guard ext == "shp" || ext == "dbf" else { return nil }
        let fm = FileManager.default
        for cpg in [base + ".cpg", base + ".CPG"] where fm.fileExists(atPath: cpg) { return nil }
        guard let dbf = [base + ".dbf", base + ".DBF"].first(where: { fm.fileExists(atPath: $0) }),
              let handle = FileHandle(forReadingAtPath: dbf) else { return nil }
        defer { try? handle.close() }
        // The header and up to 4 MiB of records are enough to tell.
        guard let data = try? handle.read(upToCount: 4 << 20), data.count > 32 else { return nil }
        let bytes = [UInt8](data)
        guard bytes[29] == 0 else { return nil }
        let headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
        guard headerLength > 32, headerLength < bytes.count else { return nil }
        let text = bytes[headerLength...]
        guard text.contains(where: { $0 >= 0x80 }) else { return nil }
        if String(validating: text, as: UTF8.self) != nil { return "UTF-8" }
        return isGBK(text) ? "CP936" : nil
    }

    /// True when every byte above 0x7F is the lead of a GBK pair (0x81–0xFE, then 0x40–0xFE but not 0x7F).
    static func isGBK(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let next = i + 1
            guard b >= 0x81, b <= 0xFE, next < bytes.endIndex else { return next >= bytes.endIndex }
            let t = bytes[next]
            guard t >= 0x40, t <= 0xFE, t != 0x7F else { return false }
            i += 2
        }
        return true
    }
}
