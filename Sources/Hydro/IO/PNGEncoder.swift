import CGDAL
import CPROJ
import Foundation

/// Encodes small images as PNG through GDAL's PNG driver, in memory (for the self-contained report).
public enum PNGEncoder {
    /// PNG bytes of an RGB image given as three byte planes of width × height.
    public static func encode(red: [UInt8], green: [UInt8], blue: [UInt8], width: Int, height: Int) throws -> Data {
        GDALRuntime.ensureReady()
        guard let memory = GDALGetDriverByName("MEM"), let png = GDALGetDriverByName("PNG"),
              let dataset = GDALCreate(memory, "", Int32(width), Int32(height), 3, GDT_Byte, nil) else {
            throw HydroError(.io, "png", "GDAL's MEM or PNG driver is missing")
        }
        defer { GDALClose(dataset) }
        for (index, plane) in [red, green, blue].enumerated() {
            guard let band = GDALGetRasterBand(dataset, Int32(index + 1)) else { continue }
            var copy = plane
            let result = copy.withUnsafeMutableBufferPointer { buffer in
                GDALRasterIO(band, GF_Write, 0, 0, Int32(width), Int32(height), buffer.baseAddress, Int32(width), Int32(height), GDT_Byte, 0, 0)
            }
            guard result == CE_None else { throw HydroError(.io, "png", GDALRuntime.lastError(or: "write failed")) }
        }
        let name = "/vsimem/hydrotool-\(UUID().uuidString).png"
        guard let out = GDALCreateCopy(png, name, dataset, 0, nil, nil, nil) else {
            throw HydroError(.io, "png", GDALRuntime.lastError(or: "PNG encoding failed"))
        }
        GDALClose(out)
        defer { VSIUnlink(name) }
        var length: vsi_l_offset = 0
        guard let bytes = VSIGetMemFileBuffer(name, &length, 0) else { throw HydroError(.io, "png", "no PNG produced") }
        return Data(bytes: bytes, count: Int(length))
    }
}
