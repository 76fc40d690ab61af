"""Writes the plugin's default QML styles (hydrotool_provider/styles/) with QGIS's own classes, so
the files are what this QGIS version reads. Run with /usr/bin/python3 (Debian's python3-qgis);
the rasters' colour stops are placed on each layer's own range when the style is applied."""

import os
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_HASH_SEED", "0")   # attributes in a fixed order, so a rerun changes no file
from qgis.core import (QgsApplication, QgsColorRampShader, QgsFeatureRenderer, QgsField, QgsFields,
                       QgsGraduatedSymbolRenderer, QgsLineSymbol, QgsProperty, QgsRasterShader,
                       QgsRendererRange, QgsSingleBandPseudoColorRenderer, QgsSingleSymbolRenderer,
                       QgsStyle, QgsSymbolLayer, QgsVectorLayer, QgsRasterLayer, QgsMapLayer)
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtXml import QDomDocument

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "hydrotool_provider", "styles")


def save_vector(renderer, geometry, name):
    layer = QgsVectorLayer(geometry + "?crs=EPSG:4326&field=strahler:integer", name, "memory")
    layer.setRenderer(renderer)
    layer.saveNamedStyle(os.path.join(OUT, name + ".qml"), QgsMapLayer.Symbology)


def streams():
    blues = ["#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"]
    ranges = []
    for order, colour in enumerate(blues, start=1):
        symbol = QgsLineSymbol.createSimple({"line_color": colour, "line_width": str(0.25 + 0.35 * (order - 1)),
                                             "line_width_unit": "MM", "capstyle": "round"})
        upper = order if order < len(blues) else 99
        label = "Strahler {}".format(order) if order < len(blues) else "Strahler {}+".format(order)
        ranges.append(QgsRendererRange(order - 0.5, upper + 0.5, symbol, label))
    save_vector(QgsGraduatedSymbolRenderer("strahler", ranges), "LineString", "streams")


def stream_loads():
    # @LOAD_FIELD@ is replaced by the layer's first routed-load field (e.g. CODMn_kg_yr) when applied.
    symbol = QgsLineSymbol.createSimple({"line_color": "#b30000", "line_width": "0.5", "capstyle": "round"})
    layer = symbol.symbolLayer(0)
    scaled = 'scale_exp("@LOAD_FIELD@", 0, maximum("@LOAD_FIELD@"), {}, {}, 0.4)'
    layer.setDataDefinedProperty(QgsSymbolLayer.PropertyStrokeWidth, QgsProperty.fromExpression(scaled.format(0.2, 2.6)))
    layer.setDataDefinedProperty(QgsSymbolLayer.PropertyStrokeColor,
                                 QgsProperty.fromExpression("ramp_color('Reds', " + scaled.format(0.25, 1) + ")"))
    save_vector(QgsSingleSymbolRenderer(symbol), "LineString", "stream_loads")


def pseudocolor(name, colours, band_name):
    shader_function = QgsColorRampShader(0, 1)
    shader_function.setColorRampType(QgsColorRampShader.Interpolated)
    n = len(colours)
    shader_function.setColorRampItemList([QgsColorRampShader.ColorRampItem(i / (n - 1), QColor(c), "") for i, c in enumerate(colours)])
    shader = QgsRasterShader()
    shader.setRasterShaderFunction(shader_function)
    path = os.path.join(OUT, name + ".qml")
    source = sys.argv[1]   # any single-band GeoTIFF, only to have a raster layer to save from
    layer = QgsRasterLayer(source, name, "gdal")
    renderer = QgsSingleBandPseudoColorRenderer(layer.dataProvider(), 1, shader)
    renderer.setClassificationMin(0)
    renderer.setClassificationMax(1)
    layer.setRenderer(renderer)
    layer.saveNamedStyle(path, QgsMapLayer.Symbology)


app = QgsApplication([], False)
app.initQgis()
os.makedirs(OUT, exist_ok=True)
streams()
stream_loads()
pseudocolor("accumulation", ["#ffffe5", "#d9f0a3", "#78c679", "#238443", "#004529"], "upstream")
pseudocolor("loads", ["#ffffcc", "#fed976", "#fd8d3c", "#e31a1c", "#800026"], "load")
print("styles written to", os.path.normpath(OUT))
