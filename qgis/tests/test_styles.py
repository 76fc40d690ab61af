"""Outputs added to the map get the tool's style when it wrote one (a .qml beside the file, a
GeoPackage's layer_styles) and the plugin's defaults otherwise, checked on the loaded layer's renderer."""

import os
import shutil
import subprocess
import unittest

from osgeo import gdal
from qgis.core import (QgsCategorizedSymbolRenderer, QgsGraduatedSymbolRenderer, QgsProject, QgsRasterLayer,
                       QgsRendererCategory, QgsSingleBandGrayRenderer, QgsSingleBandPseudoColorRenderer,
                       QgsSingleSymbolRenderer, QgsSymbol, QgsVectorLayer, QgsWkbTypes)

import support
from hydrotool_provider import styles


def loaded(path):
    """The project's layer whose source is ``path``."""
    matches = [l for l in QgsProject.instance().mapLayers().values() if l.source().split("|")[0] == path]
    assert len(matches) == 1, [l.source() for l in QgsProject.instance().mapLayers().values()]
    return matches[0]


class StyleTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        support.start()
        cls.out = support.folder("styles")
        cls.flowdir = os.path.join(cls.out, "flowdir.tif")
        dem = os.path.join(support.DEMO, "inputs", "dem.tif")
        filled = os.path.join(cls.out, "filled.tif")
        subprocess.run([support.EXECUTABLE, "fill", dem, filled, "-q"], check=True)
        subprocess.run([support.EXECUTABLE, "flowdir", filled, cls.flowdir, "-q"], check=True)

    def setUp(self):
        QgsProject.instance().clear()

    def test_streams_by_strahler_order(self):
        vector = os.path.join(self.out, "streams.gpkg")
        _, feedback = support.run_algorithm("streams", {"FLOWDIR": self.flowdir, "THRESHOLD": 2, "VECTOR": vector}, load=["VECTOR"])
        layer = loaded(vector)
        renderer = layer.renderer()
        self.assertIsInstance(renderer, QgsGraduatedSymbolRenderer)
        self.assertEqual(renderer.classAttribute(), "strahler")
        self.assertEqual([r.label() for r in renderer.ranges()][:2], ["Strahler 1", "Strahler 2"])
        widths = [r.symbol().width() for r in renderer.ranges()]
        self.assertEqual(widths, sorted(widths))
        self.assertLess(widths[0], widths[-1])
        # Every link falls in a class: orders 1 … 6, then 6+.
        orders = {f["strahler"] for f in layer.getFeatures()}
        self.assertTrue(orders)
        for order in orders:
            self.assertTrue(any(r.lowerValue() < order < r.upperValue() for r in renderer.ranges()), order)
        self.assertIn("Stream lines: style from the plugin's default (streams.qml)", feedback.infos)

    def test_accumulation_colours_span_the_layers_range(self):
        out = os.path.join(self.out, "accumulation.tif")
        support.run_algorithm("accumulate", {"FLOWDIR": self.flowdir, "OUTPUT": out, "UNITS": 1}, load=["OUTPUT"])
        renderer = loaded(out).renderer()
        self.assertIsInstance(renderer, QgsSingleBandPseudoColorRenderer)
        dataset = gdal.Open(out)      # kept while its band is used
        low, high = dataset.GetRasterBand(1).ComputeRasterMinMax(False)
        items = renderer.shader().rasterShaderFunction().colorRampItemList()
        self.assertEqual(len(items), 5)
        self.assertAlmostEqual(items[-1].value, high, places=6)
        self.assertAlmostEqual(items[0].value, max(low, high * 1e-6), places=9)
        # Stops on a logarithmic scale: equal ratios between neighbours.
        ratios = [b.value / a.value for a, b in zip(items, items[1:])]
        for r in ratios:
            self.assertAlmostEqual(r, ratios[0], places=6)
        self.assertAlmostEqual(renderer.classificationMax(), high, places=6)

    def test_a_qml_beside_the_raster_wins(self):
        out = os.path.join(self.out, "accumulation_own.tif")
        # The tool (or a person) wrote a style beside the output: a grey ramp.
        layer = QgsRasterLayer(self.flowdir, "x", "gdal")
        layer.setRenderer(QgsSingleBandGrayRenderer(layer.dataProvider(), 1))
        layer.saveNamedStyle(os.path.join(self.out, "accumulation_own.qml"))
        _, feedback = support.run_algorithm("accumulate", {"FLOWDIR": self.flowdir, "OUTPUT": out}, load=["OUTPUT"])
        self.assertIsInstance(loaded(out).renderer(), QgsSingleBandGrayRenderer)
        self.assertTrue(any("style from the .qml beside it" in line for line in feedback.infos), feedback.infos)

    def test_a_geopackages_layer_styles_win(self):
        vector = os.path.join(self.out, "streams_styled.gpkg")
        subprocess.run([support.EXECUTABLE, "streams", "--flowdir", self.flowdir, "--threshold", "2", "--vector", vector], check=True,
                       stderr=subprocess.DEVNULL)
        # A default style kept in the GeoPackage itself: categories of Shreve magnitude.
        layer = QgsVectorLayer(vector, "streams", "ogr")
        symbol = QgsSymbol.defaultSymbol(QgsWkbTypes.LineGeometry)
        layer.setRenderer(QgsCategorizedSymbolRenderer("shreve", [QgsRendererCategory(1, symbol, "1")]))
        layer.saveStyleToDatabase("hydrotool", "streams", True, "")
        del layer
        fresh = QgsVectorLayer(vector, "streams", "ogr")
        fresh.setRenderer(QgsSingleSymbolRenderer(QgsSymbol.defaultSymbol(QgsWkbTypes.LineGeometry)))
        self.assertEqual(styles.apply_style(fresh, "streams"), "layer_styles")
        self.assertIsInstance(fresh.renderer(), QgsCategorizedSymbolRenderer)
        self.assertEqual(fresh.renderer().classAttribute(), "shreve")
        # The same layers without it get the plugin's default.
        plain = os.path.join(self.out, "streams_plain.gpkg")
        subprocess.run([support.EXECUTABLE, "streams", "--flowdir", self.flowdir, "--threshold", "2", "--vector", plain], check=True,
                       stderr=subprocess.DEVNULL)
        other = QgsVectorLayer(plain, "streams", "ogr")
        self.assertEqual(styles.apply_style(other, "streams"), "plugin")
        self.assertIsInstance(other.renderer(), QgsGraduatedSymbolRenderer)

    def test_a_projects_outputs_are_added_with_their_styles(self):
        out = os.path.join(self.out, "project")
        support.run_algorithm("run", {"PROJECT": os.path.join(support.DEMO, "project.toml"), "OUTPUT": out})
        names = {l.name(): l for l in QgsProject.instance().mapLayers().values()}
        self.assertEqual(sorted(names), ["crossings", "loads", "stream_loads", "streams", "upstream_area_km2"])
        self.assertIsInstance(names["loads"].renderer(), QgsSingleBandPseudoColorRenderer)
        self.assertIsInstance(names["upstream_area_km2"].renderer(), QgsSingleBandPseudoColorRenderer)
        self.assertIsInstance(names["streams"].renderer(), QgsGraduatedSymbolRenderer)
        # Loads: the run's stream_loads.gpkg carries its own default style (load classes of the
        # first pollutant) in layer_styles, and a GeoPackage's style wins over the plugin's.
        self.assertIsInstance(names["stream_loads"].renderer(), QgsGraduatedSymbolRenderer)
        self.assertEqual(names["stream_loads"].renderer().classAttribute(), "CODMn_kg_yr")
        self.assertEqual(loaded(os.path.join(out, "loads.tif")).name(), "loads")
