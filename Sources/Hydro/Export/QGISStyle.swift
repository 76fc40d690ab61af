import Foundation

/// A QGIS style (QML) for one layer of a GeoPackage, stored in the `layer_styles` table that QGIS
/// reads when the layer is opened (QGIS's own "save style in database" layout), so streams, loads
/// and jurisdictions look right in QGIS without any styling by hand. `QGISStyle` builds the QML.
public struct LayerStyle: Sendable, Equatable {
    public var table: String
    public var name: String
    public var qml: String
    public var description: String
    /// OGR's geometry column name in a GeoPackage.
    public var geometryColumn: String
    /// The style QGIS applies when the layer is opened (one per layer).
    public var isDefault: Bool

    public init(table: String, name: String, qml: String, description: String, geometryColumn: String = "geom", isDefault: Bool = true) {
        self.table = table
        self.name = name
        self.qml = qml
        self.description = description
        self.geometryColumn = geometryColumn
        self.isDefault = isDefault
    }

    /// The `layer_styles` table holding `styles`, as QGIS creates it (a fixed update time keeps the
    /// file byte-identical between runs).
    static func table(_ styles: [LayerStyle]) -> VectorLayer {
        let fields = [FieldDefinition("f_table_catalog", .string), FieldDefinition("f_table_schema", .string),
                      FieldDefinition("f_table_name", .string), FieldDefinition("f_geometry_column", .string),
                      FieldDefinition("styleName", .string), FieldDefinition("styleQML", .string), FieldDefinition("styleSLD", .string),
                      FieldDefinition("useAsDefault", .integer), FieldDefinition("description", .string),
                      FieldDefinition("owner", .string), FieldDefinition("ui", .string), FieldDefinition("update_time", .string)]
        let features = styles.map { s in
            Feature(geometry: nil, attributes: [
                "f_table_catalog": .string(""), "f_table_schema": .string(""), "f_table_name": .string(s.table),
                "f_geometry_column": .string(s.geometryColumn), "styleName": .string(s.name), "styleQML": .string(s.qml),
                "styleSLD": .string(""), "useAsDefault": .integer(s.isDefault ? 1 : 0), "description": .string(s.description),
                "owner": .string(Provenance.toolName), "ui": .string(""), "update_time": .string("2000-01-01T00:00:00.000Z"),
            ])
        }
        return VectorLayer(name: "layer_styles", fields: fields, features: features, crs: CoordinateSystem(wkt: "", name: "", isGeographic: false))
    }
}

/// QML documents for QGIS 3 (read by 3.22 and later): graduated lines and a paletted raster.
public enum QGISStyle {
    /// One class of a graduated renderer: values in [lower, upper] drawn with `colour` at `width` mm.
    public struct LineClass: Sendable, Equatable {
        public var lower: Double
        public var upper: Double
        public var label: String
        public var colour: String
        public var width: Double
        public init(lower: Double, upper: Double, label: String, colour: String, width: Double) {
            self.lower = lower
            self.upper = upper
            self.label = label
            self.colour = colour
            self.width = width
        }
    }

    /// Streams by Strahler order: one class per order, wider and darker downstream.
    public static func streamsByOrder(maxOrder: Int) -> String {
        let top = max(maxOrder, 1)
        let classes = (1...top).map { order -> LineClass in
            let t = top == 1 ? 1 : Double(order - 1) / Double(top - 1)
            return LineClass(lower: Double(order) - 0.5, upper: Double(order) + 0.5, label: "Strahler \(order)",
                             colour: blend("#9ecae1", "#08306b", t), width: 0.2 + 1.6 * t)
        }
        return graduatedLines(field: "strahler", classes: classes)
    }

    /// Loads on links in classes with edges `breaks` (kg/yr, ascending), widths growing with load.
    public static func loads(field: String, breaks: [Double]) -> String {
        guard breaks.count >= 2 else { return graduatedLines(field: field, classes: []) }
        let n = breaks.count - 1
        let classes = (0..<n).map { k -> LineClass in
            let t = n == 1 ? 1 : Double(k) / Double(n - 1)
            return LineClass(lower: breaks[k], upper: breaks[k + 1],
                             label: "\(ReportNumber.plain(breaks[k])) – \(ReportNumber.plain(breaks[k + 1])) kg/yr",
                             colour: blend("#fdd49e", "#7f0000", t), width: 0.25 + 2 * t)
        }
        return graduatedLines(field: field, classes: classes)
    }

    public static func graduatedLines(field: String, classes: [LineClass]) -> String {
        var ranges = "", symbols = ""
        for (i, c) in classes.enumerated() {
            ranges += "      <range lower=\"\(c.lower)\" upper=\"\(c.upper)\" symbol=\"\(i)\" label=\"\(xml(c.label))\" render=\"true\"/>\n"
            symbols += """
                  <symbol type="line" name="\(i)" alpha="1" clip_to_extent="1" force_rhr="0">
                    <layer class="SimpleLine" enabled="1" locked="0" pass="0">
                      <prop k="line_color" v="\(rgba(c.colour))"/>
                      <prop k="line_width" v="\(String(format: "%.2f", c.width))"/>
                      <prop k="line_width_unit" v="MM"/>
                      <prop k="capstyle" v="round"/>
                      <prop k="joinstyle" v="round"/>
                      <prop k="line_style" v="solid"/>
                    </layer>
                  </symbol>

            """
        }
        return """
        <!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
        <qgis version="3.22.0" styleCategories="Symbology">
          <renderer-v2 type="graduatedSymbol" attr="\(xml(field))" graduatedMethod="GraduatedColor" symbollevels="0" forceraster="0" enableorderby="0">
            <ranges>
        \(ranges)    </ranges>
            <symbols>
        \(symbols)    </symbols>
            <mode name="manual"/>
          </renderer-v2>
        </qgis>

        """
    }

    /// A paletted (unique values) raster style: one colour and label per class value.
    public static func palettedRaster(_ entries: [(value: Int, colour: String, label: String)]) -> String {
        let palette = entries.map {
            "        <paletteEntry value=\"\($0.value)\" color=\"\($0.colour)\" alpha=\"255\" label=\"\(xml($0.label))\"/>"
        }.joined(separator: "\n")
        return """
        <!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>
        <qgis version="3.22.0" styleCategories="Symbology">
          <pipe>
            <rasterrenderer type="paletted" band="1" opacity="0.6" alphaBand="-1" nodataColor="">
              <colorPalette>
        \(palette)
              </colorPalette>
            </rasterrenderer>
          </pipe>
        </qgis>

        """
    }

    static func xml(_ s: String) -> String { HTML.escape(s).replacingOccurrences(of: "'", with: "&apos;") }

    /// "#rrggbb" → "r,g,b,255" as QGIS writes colours.
    static func rgba(_ hex: String) -> String {
        let (r, g, b) = Palette.components(hex)
        return "\(r),\(g),\(b),255"
    }

    static func blend(_ a: String, _ b: String, _ t: Double) -> String {
        let x = Palette.components(a), y = Palette.components(b)
        func mix(_ p: Int, _ q: Int) -> Int { Int((Double(p) + (Double(q) - Double(p)) * t).rounded()) }
        return Palette.hex(mix(x.0, y.0), mix(x.1, y.1), mix(x.2, y.2))
    }
}
