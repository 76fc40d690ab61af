import CGDAL
import CPROJ
import Foundation

/// Versions of the libraries the tool runs on, for the manifest.
public enum LibraryVersions {
    public static var gdal: String { GDALRuntime.version }
    public static var proj: String {
        let info = proj_info_release()
        return info
    }
}

/// PROJ's version number ("9.1.1"), as GDAL's `--version` prints its own.
private func proj_info_release() -> String {
    let info = proj_info()
    return info.version.map { String(cString: $0) } ?? "unknown"
}
