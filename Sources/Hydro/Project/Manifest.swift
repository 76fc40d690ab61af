import Foundation

/// manifest.json: what a run was made of and what it wrote, with versions, checksums and times.
public struct Manifest: Codable, Sendable {
    public struct Step: Codable, Sendable {
        public var name: String
        public var ran: Bool
        public var seconds: Double
        public var outputs: [String]
    }

    public var tool: String
    public var version: String
    public var command: String
    public var gdal: String
    public var proj: String
    public var platform: String
    public var projectFile: String
    public var projectFileSha256: String
    /// The project file's text as run.
    public var project: String
    public var started: String
    public var finished: String
    public var steps: [Step]
    public var inputsSha256: [String: String]
    public var outputsSha256: [String: String]
    public var warnings: [String]
    /// Calibrated source coefficients the loads were computed with, per pollutant and source class.
    public var calibration: [String: [String: Double]]? = nil
    /// How the run went by tiles (`run --tiles`); absent for a run in one piece.
    public var tiling: Tiling? = nil

    public struct Tiling: Codable, Sendable {
        public var tileWidth: Int
        public var tileHeight: Int
        /// Processes taking part: 1 in one process, the rank count under MPI.
        public var ranks: Int
        /// The steps whose passes went by tiles in this run (a skipped step's did not).
        public var steps: [String]

        enum CodingKeys: String, CodingKey {
            case ranks, steps
            case tileWidth = "tile_width", tileHeight = "tile_height"
        }
    }

    enum CodingKeys: String, CodingKey {
        case tool, version, command, gdal, proj, platform, project, started, finished, steps, warnings, calibration, tiling
        case projectFile = "project_file", projectFileSha256 = "project_file_sha256"
        case inputsSha256 = "inputs_sha256", outputsSha256 = "outputs_sha256"
    }
}
