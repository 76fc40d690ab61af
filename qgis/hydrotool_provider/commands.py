"""The table of hydrotool commands the provider offers, with their parameters in the order the
command line takes them. Defaults are hydrotool's own (``--help`` states them; a test compares).

A command the executable lists that is not in this table (a newer one) still gets an algorithm,
built from its ``--help`` (see generic.py); a command in the table that the executable does not
list is left out.
"""

from qgis.core import QgsProcessing

from .parameters import (LINE, POINT, Band, Choice, File, Flag, FolderOutput, Field, Number, Raster,
                         RasterOutput, ReleasePoint, Repeated, Text, Time, Vector, VectorOutput)

ENCODINGS = ["esri", "whitebox", "taudem", "grass"]
ENCODING_LABELS = ["ESRI (1=E … 128=NE)", "WhiteboxTools", "TauDEM (1…8 from east)", "GRASS"]
POLLUTANTS = ["CODMn", "NH3-N", "TP", "TN", "COD", "BOD5", "DO"]

#: Commands that are not Processing algorithms: they write no layer (info prints a summary),
#: build a whole demonstration (demo), measure speed (bench) or run the shared web platform (serve).
NOT_ALGORITHMS = {"info", "demo", "bench", "serve", "help"}


class Command:
    def __init__(self, name, title, group, params, raster_outputs=False, folder_layers=()):
        self.name = name
        self.title = title
        self.group = group
        self.params = params
        #: Whether the command takes GDAL's output options (--of, --co, --overwrite).
        self.raster_outputs = raster_outputs
        #: For project commands: files of the output folder added to the map, with their style.
        self.folder_layers = folder_layers


def _encoding(name="ENCODING"):
    return Choice(name, "--encoding", "Direction encoding", ENCODINGS, labels=ENCODING_LABELS,
                  unset_label="As the raster's metadata says")


def _network():
    return [Raster("FLOWDIR", "--flowdir", "D8 flow directions (from flowdir)"),
            _encoding(),
            Number("THRESHOLD", "--threshold", "Channel threshold (km², or cells)", default=10.0, minimum=0),
            Flag("CELLS", "--cells", "The threshold counts cells instead of km²")]


def _placement(points):
    return [Field("ID_FIELD", "--id-field", "Field holding each point's ID (default: feature number)", points),
            Field("NAME_FIELD", "--name-field", "Field holding each point's name", points),
            Number("RADIUS", "--radius", "Snapping radius (m; 0: no snapping)", default=0.0, minimum=0),
            Flag("TO_STREAM", "--to-stream", "Snap to the nearest stream cell instead of the highest accumulation"),
            Number("MIN_AREA", "--min-area", "With a stream snap: only streams draining at least (km²)", minimum=0),
            Number("TOLERANCE", "--tolerance", "Warn for points moved farther than (m)", minimum=0)]


def _project():
    return [File("PROJECT", None, "Project file", ["toml", "json"]),
            FolderOutput("OUTPUT", "--output", "Output folder (empty: the project file's)"),
            Repeated("SET", "--set", "Override project parameters, KEY=VALUE in TOML, one a line (e.g. decay.TP=0.05)"),
            Choice("CSV_BOM", "--csv-bom", "CSV files start with a UTF-8 byte order mark (for Excel)", ["true", "false"],
                   default="true", advanced=True)]


def _tiles():
    return [Flag("TILES", "--tiles", "Fill, route and attribute by tiles (the same figures)", advanced=True),
            Text("TILE_SIZE", "--tile-size", "Tile size for --tiles in cells: N or WxH (default 4096)", advanced=True)]


def _scenario():
    return Repeated("SCALE_SOURCE", "--scale-source", "Scenario: PARTY:POLLUTANT:FACTOR, one a line (e.g. 520300:TP:0.7)")


PROJECT_LAYERS = {
    "run": [("streams.gpkg", "streams"), ("stream_loads.gpkg", "stream_loads"), ("loads.tif", "loads"),
            ("upstream_area_km2.tif", "accumulation"), ("crossings.geojson", None)],
    "loads": [("stream_loads.gpkg", "stream_loads"), ("loads.tif", "loads")],
    "attribute": [("crossings.geojson", None), ("flux.geojson", None)],
    "compensate": [],
    "spill": [("spill.geojson", None)],
}

COMMANDS = [
    Command("fill", "Fill depressions", "Terrain", [
        Raster("DEM", None, "DEM"),
        RasterOutput("OUTPUT", None, "Filled DEM"),
        Band("BAND", "--band", "Band", "DEM"),
        Flag("EPSILON", "--epsilon", "Strictly increasing surface (no flats)"),
        Number("MAX_DEPTH", "--max-depth", "Keep depressions deeper than this as real sinks (DEM units)", minimum=0),
        Flag("NODATA_SINK", "--nodata-sink", "Interior nodata holes are sinks instead of outlets"),
        Number("THREADS", "--threads", "Threads", default=2, minimum=1, integer=True, advanced=True),
    ], raster_outputs=True),
    Command("breach", "Breach depressions", "Terrain", [
        Raster("DEM", None, "DEM"),
        RasterOutput("OUTPUT", None, "Breached DEM"),
        Band("BAND", "--band", "Band", "DEM"),
        Number("MAX_LENGTH", "--max-length", "Longest breach channel (cells)", default=1000, minimum=1, integer=True),
        Number("MAX_DEPTH", "--max-depth", "Deepest cut (DEM units; empty: no limit)", minimum=0),
    ], raster_outputs=True),
    Command("burn", "Burn rivers into a DEM", "Terrain", [
        Raster("DEM", None, "DEM"),
        Vector("RIVERS", None, "River lines", LINE, layer_flag="--layer"),
        RasterOutput("OUTPUT", None, "Burned DEM"),
        Band("BAND", "--band", "Band", "DEM"),
        Number("DEPTH", "--depth", "Burn depth (DEM units)", default=10.0),
        Number("BUFFER", "--buffer", "Trench width (cells)", default=0, minimum=0, integer=True),
    ], raster_outputs=True),
    Command("flowdir", "Flow directions", "Flow", [
        Raster("DEM", None, "Depression-filled DEM"),
        RasterOutput("OUTPUT", None, "Flow directions"),
        Band("BAND", "--band", "Band", "DEM"),
        Choice("ENCODING", "--encoding", "D8 encoding", ENCODINGS, default="esri", labels=ENCODING_LABELS),
        Choice("METHOD", "--method", "Method", ["d8", "dinf", "mfd"], default="d8",
               labels=["D8 (UInt8 directions)", "D-infinity (Float32 angles)", "MFD (8 bands of shares)"]),
        Number("EXPONENT", "--exponent", "MFD exponent p", default=1.1, minimum=0),
        Number("THREADS", "--threads", "Threads", default=2, minimum=1, integer=True, advanced=True),
    ], raster_outputs=True),
    Command("accumulate", "Flow accumulation", "Flow", [
        Raster("FLOWDIR", None, "Flow directions (D8, D-infinity or MFD from flowdir)"),
        RasterOutput("OUTPUT", None, "Flow accumulation", style="accumulation"),
        _encoding(),
        Choice("UNITS", "--units", "Units", ["cells", "km2"], default="cells", labels=["cells", "km²"]),
        Raster("WEIGHT", "--weight", "Accumulate this raster's values instead", optional=True),
        RasterOutput("INCOMPLETE_MASK", "--incomplete-mask", "Mask of possibly incomplete upstream areas", optional=True),
        Flag("NEGATIVE", "--negative", "Write incomplete cells as negative values"),
        Flag("NODATA_SINK", "--nodata-sink", "Interior nodata holes are sinks"),
    ], raster_outputs=True),
    Command("streams", "Stream network", "Network", _network() + [
        Raster("DEM", "--dem", "Conditioned DEM (for drops and slopes)", optional=True),
        RasterOutput("RASTER", "--raster", "Stream links raster", optional=True),
        VectorOutput("VECTOR", "--vector", "Stream lines", QgsProcessing.TypeVectorLine, optional=True, style="streams",
                     by_default=True),
    ], raster_outputs=True),
    Command("snap", "Snap points to streams", "Network", [
        Vector("POINTS", None, "Points", POINT),
        VectorOutput("OUTPUT", None, "Snapped points", QgsProcessing.TypeVectorPoint),
    ] + _network() + _placement("POINTS") + [
        Vector("RIVERS", "--rivers", "Mapped rivers to check the points against", LINE, optional=True),
        Field("RIVER_FIELD", "--river-field", "Field of the points naming their river", "POINTS"),
        Field("RIVERS_NAME_FIELD", "--rivers-name-field", "Field of the rivers holding their name", "RIVERS", default="name"),
    ], raster_outputs=True),
    Command("watershed", "Watersheds", "Network", [
        Vector("POINTS", None, "Outlet points (not needed for every link)", POINT, optional=True),
    ] + _network() + _placement("POINTS") + [
        Flag("ALL_LINKS", "--all-links", "A subbasin for every stream link instead of for points"),
        RasterOutput("RASTER", "--raster", "Catchment raster", optional=True),
        VectorOutput("VECTOR", "--vector", "Catchment polygons", QgsProcessing.TypeVectorPolygon, optional=True,
                     by_default=True),
    ], raster_outputs=True),
    Command("run", "Run a project", "Project", _project() + _tiles() + [_scenario()], folder_layers=PROJECT_LAYERS["run"]),
    Command("loads", "Route loads", "Project", _project() + _tiles(), folder_layers=PROJECT_LAYERS["loads"]),
    Command("attribute", "Attribute loads to jurisdictions", "Project", _project() + _tiles(), folder_layers=PROJECT_LAYERS["attribute"]),
    Command("compensate", "Settle compensation", "Project", _project() + [_scenario()], folder_layers=PROJECT_LAYERS["compensate"]),
    Command("spill", "Spill response", "Project", _project() + [
        ReleasePoint("AT", "--at", "Release point"),
        Number("MASS", "--mass", "Released mass (kg)", minimum=0, required=True),
        Time("TIME", "--time", "Release time"),
        Choice("POLLUTANT", "--pollutant", "Pollutant whose decay applies", POLLUTANTS, default="CODMn"),
    ], folder_layers=PROJECT_LAYERS["spill"]),
]

BY_NAME = {command.name: command for command in COMMANDS}
