import Foundation

/// Checks, before a grid is allocated, that the machine can hold it: an allocation that fails
/// aborts the process, so a raster that declares more cells than memory holds must be refused first.
public enum MemoryBudget {
    /// Bytes this process can still use: the kernel's MemAvailable, lowered by a cgroup limit and by
    /// the address-space limit when they are smaller. Nil when none of them can be read.
    public static var availableBytes: Int? {
        var limits: [Int] = []
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kb = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            limits.append(kb.multipliedReportingOverflow(by: 1024).overflow ? Int.max : kb * 1024)
        }
        if let maxText = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
           let limit = Int(maxText.trimmingWhitespace()) {
            let used = (try? String(contentsOfFile: "/sys/fs/cgroup/memory.current", encoding: .utf8)).flatMap { Int($0.trimmingWhitespace()) } ?? 0
            limits.append(max(limit - used, 0))
        }
        var address = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &address) == 0, address.rlim_cur < UInt64(Int.max) {
            limits.append(Int(address.rlim_cur))
        }
        return limits.min()
    }

    /// Throws, naming `subject`, when `cells` cells of `bytesPerCell` bytes would not fit in the memory
    /// available now. `purpose` says what the memory is for ("to read it", "for filling").
    public static func require(cells: Int, bytesPerCell: Int, subject: String, purpose: String) throws {
        let (bytes, overflow) = max(cells, 0).multipliedReportingOverflow(by: max(bytesPerCell, 1))
        guard !overflow else {
            throw HydroError(.invalidInput, subject, "has \(cells) cells, too many to hold in memory \(purpose)")
        }
        guard let available = availableBytes, bytes > available else { return }
        throw HydroError(.invalidInput, subject,
                         "has \(cells) cells; \(purpose) needs about \(format(bytes)) of memory (\(bytesPerCell) bytes per cell) but \(format(available)) is available")
    }

    static func format(_ bytes: Int) -> String {
        let gib = Double(bytes) / Double(1 << 30)
        if gib >= 1 { return String(format: "%.1f GiB", gib) }
        return String(format: "%.0f MiB", Double(bytes) / Double(1 << 20))
    }
}
