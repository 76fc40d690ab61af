import Foundation

/// The cell-level parameters of a project calibration (delivery on rasters, decay by velocity class,
/// reservoir settling) as the calibration estimates them and as later runs apply them: both go
/// through the same functions here and `LoadModel`'s transport, so that a calibrated run's loads are
/// the fitted predictions.
extension ProjectRun {
    static func deliveryName(_ d: CalibrationConfig.DeliverySetting) -> String { "delivery_\(d.name)" }
    static func decayName(_ d: CalibrationConfig.DecaySetting) -> String { "decay_\(d.name)" }
    static let settlingName = "settling"

    /// Each delivery variable of [calibration.delivery] on the DEM's grid, mean-centred: zₖ,c − z̄ₖ,
    /// z̄ₖ the mean over the cells with a flow direction and a value; 0 (the mean) at nodata.
    func deliveryVariables(_ settings: CalibrationConfig) throws -> [[Double]] {
        let geometry = try geometry
        let codes = try directions().codes
        return try settings.delivery.map { d in
            let grid: Grid<Double>
            do { grid = try RasterReader.read(d.raster, as: Double.self, onto: geometry, resampling: .average) } catch let e as HydroError {
                throw HydroError(e.kind, d.setting.location, "'calibration.delivery.\(d.name)' raster \(e.subject): \(e.message)")
            }
            var sum = 0.0, count = 0
            for c in 0..<grid.count where grid.isValid(at: c) && grid.cells[c].isFinite && c < codes.count && codes[c] != D8.noData {
                sum += grid.cells[c]
                count += 1
            }
            guard count > 0 else {
                throw HydroError(.invalidInput, d.setting.location, "'calibration.delivery.\(d.name)' raster \(d.raster) has no value on the basin's cells")
            }
            let mean = sum / Double(count)
            return (0..<grid.count).map { c in grid.isValid(at: c) && grid.cells[c].isFinite ? grid.cells[c] - mean : 0 }
        }
    }

    /// The transport model with the calibrated decay rates and settling velocity of each calibrated
    /// pollutant in `calibrated` (nil: the project's own).
    func loadModel(calibrated: [Pollutant: [String: Double]]?) throws -> LoadModel {
        let network = try network()
        let graph = try graph()
        var reservoirs = try ProjectInputs.reservoirs(config, graph: graph, network: network, run: self)
        var transport = config.transport
        if let calibrated, let settings = config.calibration {
            for (p, values) in calibrated.sorted(by: { $0.key < $1.key }) {
                if !settings.decay.isEmpty, settings.decay.allSatisfy({ values[Self.decayName($0)] != nil }) {
                    transport.decayClasses[p] = settings.decay.map { .init(maxVelocity: $0.maxVelocity, rate: values[Self.decayName($0)] ?? 0) }
                }
                if settings.settling != nil, let vs = values[Self.settlingName] {
                    for k in reservoirs.indices {
                        guard case .arealHydraulicLoad(var velocities, let qs) = reservoirs[k].retention else { continue }
                        velocities[p] = vs
                        reservoirs[k].retention = .arealHydraulicLoad(settlingVelocity: velocities, hydraulicLoad: qs)
                    }
                }
            }
        }
        return try LoadModel(graph: graph, upstreamAreaKm2: try upstream().values.cells, isChannel: network.linkOfCell.lazy.map { $0 != 0 },
                             parameters: transport, reservoirs: reservoirs, threads: config.threads)
    }

    /// The aggregation of one pollutant's classes with the project's own transport.
    func aggregation(for pollutant: Pollutant, classes: [SourceClass], delivery: [[Double]], settings: CalibrationConfig?) throws -> ProjectAggregation {
        let reaches = try reachGraph()
        let model = try loadModel(calibrated: nil)
        // Origin groups: the units of the finest level (counties), "outside" last, so that each
        // bootstrap draw can be summed to any coarser level or to any scheme party.
        let counties = try jurisdictionMap()
        let groupCount = (counties?.units.count ?? 0) + 1
        let outside = Int32(groupCount - 1)
        let origin = (0..<reaches.geometry.cellCount).map { c -> Int32 in
            guard let counties, counties.labels[c] >= 0 else { return outside }
            return counties.labels[c]
        }
        let zero = [Double](repeating: 0, count: reaches.geometry.cellCount)
        let settling = settings?.settling != nil
        if let s = settings?.settling {
            let hydraulic = model.reservoirs.contains { if case .arealHydraulicLoad = $0.retention { return true } else { return false } }
            guard hydraulic else {
                throw HydroError(.invalidInput, s.location, "'calibration.settling' needs [[reservoirs]] given with hydraulic_load_m_per_yr (the project's have retained fractions or there are none)")
            }
        }
        return ProjectAggregation(reaches: reaches, model: model, pollutant: pollutant, generated: classes.map { $0.sources.generated[pollutant] ?? zero },
                                  isDiffuse: classes.map(\.isDiffuse), delivery: delivery,
                                  decayClasses: settings?.decay.map { .init(maxVelocity: $0.maxVelocity, rate: 0) } ?? [], settling: settling,
                                  origin: origin, groupCount: groupCount, threads: config.threads)
    }

    /// The reach table at `values` and the cell-level model that re-aggregates it for the parameters
    /// `parameterIndices` (the model's positions of the aggregation's parameters, in its order); the
    /// table's sources are named by `classes`, which must be the model's source parameters in order.
    func reachTable(_ aggregation: ProjectAggregation, classes: [String], values: [Double], parameterIndices: [Int])
        throws -> (table: ReachTable, cellLevel: CellLevelModel)
    {
        let reaches = aggregation.reaches
        let initial = aggregation.aggregate(values)
        let upstreamEdges = aggregation.upstreamEdges()
        let tableEdges = upstreamEdges.flatMap { $0.map(\.edge) }
        let upstream = upstreamEdges.map { $0.map { (reach: $0.reach, weight: initial.edgeFactor[$0.edge]) } }
        let geometry = reaches.geometry
        let metrics = try CellMetrics(geometry)
        let incremental = reaches.incrementalSum { metrics.area[$0 / geometry.width] / 1e6 }
        let area = try self.upstream().values.cells
        let total = reaches.outlet.map { area[Int($0)] }
        var variables: [String: [Double]] = [:]
        for (k, name) in classes.enumerated() { variables[name] = initial.sources[k] }
        var table = try ReachTable(ids: (0..<reaches.count).map { "reach-\($0 + 1)" }, upstream: upstream, frac: initial.frac,
                                   incrementalArea: incremental, totalArea: total, variables: variables, source: config.file)
        table.groupNames = (try jurisdictionMap()?.units.map(\.id) ?? []) + ["outside"]
        let g = aggregation.groupCount
        var parts: [ReachTable.OriginPart] = []
        for r in 0..<reaches.count {
            for group in 0..<g {
                var shares: [String: Double] = [:]
                for (k, name) in classes.enumerated() {
                    let whole = initial.sources[k][r], v = initial.byGroup[k][r * g + group]
                    if whole > 0 && v > 0 { shares[name] = v / whole }
                }
                if !shares.isEmpty { parts.append(ReachTable.OriginPart(reach: r, group: group, sourceShares: shares)) }
            }
        }
        table.origins = parts
        let partList = parts.map { (reach: $0.reach, group: $0.group) }
        let cellLevel = CellLevelModel(parameters: parameterIndices) { values in
            let a = aggregation.aggregate(values)
            var shares: [Double] = []
            shares.reserveCapacity(partList.count * classes.count)
            for part in partList {
                for k in classes.indices {
                    let whole = a.sources[k][part.reach]
                    shares.append(whole > 0 ? a.byGroup[k][part.reach * g + part.group] / whole : 0)
                }
            }
            return CellLevelTerms(sources: a.sources, sourceDerivatives: a.sourceDerivatives, frac: a.frac, fracDerivatives: a.fracDerivatives,
                                  weight: tableEdges.map { a.edgeFactor[$0] }, weightDerivatives: a.edgeDerivatives.map { d in tableEdges.map { d[$0] } },
                                  originShares: shares)
        }
        return (table, cellLevel)
    }
}

/// A source class of a project: its loads and whether they are diffuse (delivery acts on them).
struct SourceClass {
    var name: String
    var sources: LoadSources
    var isDiffuse: Bool
    /// The [[diffuse]] entry (diffuse_K) a land-use class belongs to.
    var entry: String? = nil
}
