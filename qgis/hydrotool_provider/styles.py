"""Styles for the layers hydrotool writes, applied when Processing adds them to the map.

The tool's own style comes first: a ``.qml`` beside the file, or the default style a GeoPackage
keeps in its ``layer_styles`` table. Outputs without one get the plugin's default QML from
``styles/`` when it has one for that output: streams by Strahler order, flow accumulation, loads.
The rasters' colour stops are then spread over the layer's own range on a logarithmic scale
(upstream areas and loads span orders of magnitude).
"""

import os
import sqlite3

from qgis.core import (QgsMapLayer, QgsProcessingLayerPostProcessorInterface, QgsProviderRegistry, QgsRasterBandStats,
                       QgsSingleBandPseudoColorRenderer)
from qgis.PyQt.QtXml import QDomDocument

STYLE_FOLDER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "styles")


def default_style_path(key):
    path = os.path.join(STYLE_FOLDER, "{}.qml".format(key))
    return path if key and os.path.isfile(path) else None


def _file_of(layer):
    return layer.source().split("|")[0]


def _geopackage_has_default_style(path, layer_name):
    if not path.lower().endswith(".gpkg") or not os.path.isfile(path):
        return False
    try:
        with sqlite3.connect("file:{}?mode=ro".format(path), uri=True) as db:
            table = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='layer_styles'").fetchone()
            if not table:
                return False
            row = db.execute("SELECT 1 FROM layer_styles WHERE useAsDefault AND (f_table_name = ? OR ? = '')",
                             (layer_name, layer_name)).fetchone()
            return row is not None
    except sqlite3.Error:
        return False


def apply_style(layer, key):
    """Styles ``layer``; returns where the style came from: "qml" (beside the file), "layer_styles"
    (the GeoPackage's), "plugin" (the plugin's default for ``key``) or None (QGIS's default)."""
    path = _file_of(layer)
    beside = os.path.splitext(path)[0] + ".qml"
    if os.path.isfile(beside):
        _, ok = layer.loadNamedStyle(beside)
        if ok:
            return "qml"
    if layer.type() == QgsMapLayer.VectorLayer:
        layer_name = QgsProviderRegistry.instance().decodeUri(layer.providerType(), layer.source()).get("layerName") or ""
        if _geopackage_has_default_style(path, layer_name):
            _, ok = layer.loadDefaultStyle()
            if ok:
                return "layer_styles"
    style = default_style_path(key)
    if style is None:
        return None
    with open(style, encoding="utf-8") as f:
        text = f.read()
    if "@LOAD_FIELD@" in text:
        field = _load_field(layer)
        if field is None:
            return None
        text = text.replace("@LOAD_FIELD@", field)
    document = QDomDocument()
    document.setContent(text)
    ok, _ = _import(layer, document)
    if not ok:
        return None
    if isinstance(layer.renderer(), QgsSingleBandPseudoColorRenderer):
        _spread_stops(layer)
    layer.triggerRepaint()
    return "plugin"


def _import(layer, document):
    result = layer.importNamedStyle(document)
    # importNamedStyle gives (ok, message) in some QGIS versions and (message, ok) in others.
    if isinstance(result[0], bool):
        return result[0], result[1]
    return result[1], result[0]


def _load_field(layer):
    """The first routed load field (e.g. CODMn_kg_yr; not the local share)."""
    for field in layer.fields():
        name = field.name()
        if name.endswith("_kg_yr") and "_local_" not in name:
            return name
    return None


def _spread_stops(layer):
    # A new renderer is set (not the layer's changed in place) so that the legend redraws.
    renderer = layer.renderer().clone()
    band = renderer.band()
    stats = layer.dataProvider().bandStatistics(band, QgsRasterBandStats.Min | QgsRasterBandStats.Max)
    high = stats.maximumValue
    if not high > 0:
        return
    low = stats.minimumValue if stats.minimumValue > 0 else high * 1e-4
    low = max(low, high * 1e-6)
    function = renderer.shader().rasterShaderFunction()
    items = function.colorRampItemList()
    if len(items) < 2:
        return
    for i, item in enumerate(items):
        item.value = low * (high / low) ** (i / (len(items) - 1))
        item.label = "{:.4g}".format(item.value)
    function.setColorRampItemList(items)
    function.setMinimumValue(low)
    function.setMaximumValue(high)
    renderer.setClassificationMin(low)
    renderer.setClassificationMax(high)
    layer.setRenderer(renderer)


class StylePostProcessor(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, key):
        super().__init__()
        self.key = key

    def postProcessLayer(self, layer, context, feedback):
        source = apply_style(layer, self.key)
        if source:
            feedback.pushInfo("{}: style from {}".format(layer.name(), {
                "qml": "the .qml beside it", "layer_styles": "the GeoPackage's layer_styles",
                "plugin": "the plugin's default ({}.qml)".format(self.key)}[source]))


# Processing keeps only a pointer to a post-processor: the Python objects must outlive the run.
_alive = []


def processor(key):
    instance = StylePostProcessor(key)
    _alive.append(instance)
    return instance
