/// Catchments ready to write: incremental and whole, with IDs, names and true areas.
public struct CatchmentSet {
    public var watersheds: Watersheds
    public var ids: [String]
    public var names: [String]

    /// Catchments of placed points (unplaced points are skipped; their warnings say why).
    public init(points: [PlacedPoint], graph: FlowGraph, source: String = "points") throws {
        let usable = points.filter { $0.cell != nil }
        guard !usable.isEmpty else { throw HydroError(.invalidInput, source, "no point could be placed on the grid (each point's warning says why)") }
        watersheds = try Watersheds(graph: graph, outlets: usable.compactMap(\.cell))
        ids = usable.map(\.id)
        names = usable.map(\.name)
    }

    /// One subbasin per stream link: the area draining to the link's last cell, less the links above.
    public init(links network: StreamNetwork, graph: FlowGraph) throws {
        guard !network.links.isEmpty else { throw HydroError(.invalidParameter, "--threshold", "the network has no links; lower the threshold") }
        var ws = try Watersheds(graph: graph, outlets: network.links.map { $0.cells[$0.cells.count - 1] })
        // Cells of a link belong to its own subbasin even above its last cell.
        for link in network.links { for c in link.cells { ws.incrementalLabel[c] = Int32(link.id - 1) } }
        watersheds = ws
        ids = network.links.map { String($0.id) }
        names = ids.map { "link \($0)" }
    }

    /// Incremental catchment number per cell (1-based, 0 = none).
    public var labelRaster: Grid<Int32> {
        Grid(geometry: watersheds.geometry, trustedCells: watersheds.incrementalLabel.map { $0 + 1 }, nodata: 0)
    }

    /// Incremental and whole catchments as polygons with `kind`, ID, name, area and downstream ID.
    public func polygonLayer() throws -> VectorLayer {
        let incremental = try Polygonizer.polygons(labelRaster)
        let incrementalArea = try watersheds.incrementalAreas()
        let wholeArea = try watersheds.wholeAreas()
        var features: [Feature] = []
        for k in 0..<ids.count {
            let downstream = watersheds.downstreamOutlet[k].map { FieldValue.string(ids[$0]) } ?? .null
            if let g = incremental[Int32(k + 1)] {
                features.append(Feature(geometry: g, attributes: ["kind": .string("incremental"), "cid": .string(ids[k]),
                                                                  "name": .string(names[k]), "area_km2": .real(incrementalArea[k]),
                                                                  "ds_id": downstream]))
            }
        }
        // Whole catchments: only where a point has others upstream (otherwise identical to the incremental one).
        for k in 0..<ids.count where wholeArea[k] > incrementalArea[k] * (1 + 1e-12) {
            let mask = watersheds.wholeCatchmentMask(k)
            let grid = Grid(geometry: watersheds.geometry, trustedCells: mask.map { $0 ? Int32(1) : 0 }, nodata: 0)
            if let g = try Polygonizer.polygons(grid)[1] {
                features.append(Feature(geometry: g, attributes: ["kind": .string("whole"), "cid": .string(ids[k]),
                                                                  "name": .string(names[k]), "area_km2": .real(wholeArea[k]),
                                                                  "ds_id": watersheds.downstreamOutlet[k].map { .string(ids[$0]) } ?? .null]))
            }
        }
        let fields = [FieldDefinition("kind", .string), FieldDefinition("cid", .string), FieldDefinition("name", .string),
                      FieldDefinition("area_km2", .real), FieldDefinition("ds_id", .string)]
        return VectorLayer(name: "catchments", fields: fields, features: features, crs: watersheds.geometry.crs)
    }
}
