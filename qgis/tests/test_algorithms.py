"""Every algorithm run through processing.run on the demo's inputs: the command line it logs is the
one written here by hand from the command's --help, and its outputs are those the command line
writes (rasters and tables byte for byte, vector layers feature by feature, attributes included)."""

import os
import re
import subprocess
import unittest

from osgeo import gdal
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, Qt

import compare
import support


def demo(*parts):
    return os.path.join(support.DEMO, *parts)


class AlgorithmsMatchCommandLine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        support.start()
        cls.out = support.folder("algorithms")
        # Inputs the later algorithms need, written by the command line itself.
        cls.filled = os.path.join(cls.out, "base_filled.tif")
        cls.flowdir = os.path.join(cls.out, "base_flowdir.tif")
        for args in (["fill", demo("inputs", "dem.tif"), cls.filled, "-q"],
                     ["flowdir", cls.filled, cls.flowdir, "-q"]):
            subprocess.run([support.EXECUTABLE] + args, check=True)
        # A GeoPackage of two layers, the rivers second, so burn must name its layer.
        cls.layers = os.path.join(cls.out, "two_layers.gpkg")
        subprocess.run(["ogr2ogr", "-f", "GPKG", cls.layers, demo("inputs", "counties.gpkg")], check=True)
        subprocess.run(["ogr2ogr", "-update", "-nln", "rivers", cls.layers, demo("output", "streams.gpkg"), "streams"], check=True)
        subprocess.run(["ogr2ogr", "-update", "-nln", "outlets", cls.layers, demo("inputs", "sections.gpkg")], check=True)

    def path(self, name):
        return os.path.join(self.out, name)

    def check(self, algorithm, parameters, expected_command, outputs):
        result, feedback = support.run_algorithm(algorithm, parameters)
        self.assertEqual(feedback.command(), expected_command)
        for output in outputs:
            self.assertTrue(os.path.exists(output), output)
        rasters = [o for o in outputs if o.endswith(".tif")]
        for raster in rasters:
            # hydrotool records its command without --threads, which never changes a result.
            self.assertEqual(compare.recorded_command(raster), re.sub(r" --threads \d+", "", expected_command))
        compare.rerun_on_command_line(self, expected_command, outputs)
        return result, feedback

    def test_fill(self):
        out = self.path("fill.tif")
        _, feedback = self.check("fill", {"DEM": demo("inputs", "dem.tif"), "OUTPUT": out},
                                 "hydrotool fill {} {} --overwrite".format(demo("inputs", "dem.tif"), out), [out])
        self.assertTrue(any(line.startswith("filled ") for line in feedback.infos), feedback.infos)

    def test_fill_with_options(self):
        out = self.path("fill_options.tif")
        self.check("fill", {"DEM": demo("inputs", "dem.tif"), "OUTPUT": out, "EPSILON": True, "MAX_DEPTH": 5,
                            "NODATA_SINK": True, "THREADS": 1, "CREATION_OPTIONS": "COMPRESS=LZW|TILED=YES"},
                   "hydrotool fill {} {} --epsilon --max-depth 5.0 --nodata-sink --threads 1 --co COMPRESS=LZW --co TILED=YES --overwrite"
                   .format(demo("inputs", "dem.tif"), out), [out])
        self.assertEqual(gdal.Info(out, format="json")["metadata"]["IMAGE_STRUCTURE"]["COMPRESSION"], "LZW")

    def test_fill_other_format(self):
        out = self.path("fill.img")
        self.check("fill", {"DEM": demo("inputs", "dem.tif"), "OUTPUT": out},
                   "hydrotool fill {} {} --of HFA --overwrite".format(demo("inputs", "dem.tif"), out), [out])

    def test_breach(self):
        out = self.path("breach.tif")
        self.check("breach", {"DEM": demo("inputs", "dem.tif"), "OUTPUT": out, "MAX_LENGTH": 50, "MAX_DEPTH": 20},
                   "hydrotool breach {} {} --max-length 50 --max-depth 20.0 --overwrite".format(demo("inputs", "dem.tif"), out), [out])

    def test_burn(self):
        out = self.path("burn.tif")
        rivers = demo("output", "streams.gpkg")     # a file of one layer: no --layer
        self.check("burn", {"DEM": demo("inputs", "dem.tif"), "RIVERS": rivers, "OUTPUT": out, "DEPTH": 5, "BUFFER": 1},
                   "hydrotool burn {} {} {} --depth 5.0 --buffer 1 --overwrite".format(demo("inputs", "dem.tif"), rivers, out), [out])

    def test_burn_layer_of_a_geopackage(self):
        out = self.path("burn_layer.tif")
        self.check("burn", {"DEM": demo("inputs", "dem.tif"), "RIVERS": self.layers + "|layername=rivers", "OUTPUT": out},
                   "hydrotool burn {} {} --layer rivers {} --overwrite".format(demo("inputs", "dem.tif"), self.layers, out), [out])

    def test_flowdir(self):
        out = self.path("flowdir.tif")
        self.check("flowdir", {"DEM": self.filled, "OUTPUT": out, "ENCODING": 2},
                   "hydrotool flowdir {} {} --encoding taudem --overwrite".format(self.filled, out), [out])

    def test_flowdir_mfd(self):
        out = self.path("flowdir_mfd.tif")
        self.check("flowdir", {"DEM": self.filled, "OUTPUT": out, "METHOD": 2, "EXPONENT": 1.5},
                   "hydrotool flowdir {} {} --method mfd --exponent 1.5 --overwrite".format(self.filled, out), [out])
        self.assertEqual(gdal.Open(out).RasterCount, 8)

    def test_accumulate(self):
        out, mask = self.path("accumulation.tif"), self.path("incomplete.tif")
        self.check("accumulate", {"FLOWDIR": self.flowdir, "OUTPUT": out, "UNITS": 1, "INCOMPLETE_MASK": mask},
                   "hydrotool accumulate {} {} --units km2 --incomplete-mask {} --overwrite".format(self.flowdir, out, mask),
                   [out, mask])

    def test_accumulate_weighted(self):
        out = self.path("accumulation_weight.tif")
        weight = demo("inputs", "landuse.tif")
        self.check("accumulate", {"FLOWDIR": self.flowdir, "OUTPUT": out, "ENCODING": 1, "WEIGHT": weight, "NEGATIVE": True},
                   "hydrotool accumulate {} {} --encoding esri --weight {} --negative --overwrite".format(self.flowdir, out, weight),
                   [out])

    def test_streams(self):
        raster, vector = self.path("streams.tif"), self.path("streams.gpkg")
        self.check("streams", {"FLOWDIR": self.flowdir, "THRESHOLD": 5, "DEM": self.filled, "RASTER": raster, "VECTOR": vector},
                   "hydrotool streams --flowdir {} --threshold 5.0 --dem {} --raster {} --vector {} --overwrite"
                   .format(self.flowdir, self.filled, raster, vector), [raster, vector])

    def test_streams_in_cells(self):
        vector = self.path("streams_cells.geojson")
        self.check("streams", {"FLOWDIR": self.flowdir, "THRESHOLD": 500, "CELLS": True, "VECTOR": vector},
                   "hydrotool streams --flowdir {} --threshold 500.0 --cells --vector {} --overwrite".format(self.flowdir, vector),
                   [vector])

    def test_snap(self):
        out = self.path("snapped.gpkg")
        sections = demo("inputs", "sections.gpkg")
        self.check("snap", {"POINTS": sections, "OUTPUT": out, "FLOWDIR": self.flowdir, "THRESHOLD": 5,
                            "ID_FIELD": "id", "NAME_FIELD": "name", "RADIUS": 500, "TOLERANCE": 300},
                   "hydrotool snap {} {} --flowdir {} --threshold 5.0 --id-field id --name-field name --radius 500.0 --tolerance 300.0 --overwrite"
                   .format(sections, out, self.flowdir), [out])

    def test_snap_layer_of_a_geopackage(self):
        out = self.path("snapped_layer.geojson")
        _, feedback = self.check("snap", {"POINTS": self.layers + "|layername=outlets", "OUTPUT": out, "FLOWDIR": self.flowdir, "RADIUS": 300,
                            "RIVERS": self.layers + "|layername=rivers", "RIVER_FIELD": "name", "RIVERS_NAME_FIELD": "us_ids"},
                   "hydrotool snap '{0}|layername=outlets' {1} --flowdir {2} --radius 300.0 --rivers '{0}|layername=rivers' "
                   "--river-field name --rivers-name-field us_ids --overwrite".format(self.layers, out, self.flowdir), [out])
        # The river check's warnings (section names are not link lists) reach the log as warnings.
        self.assertTrue(feedback.warnings)
        self.assertTrue(all("should be on" in w for w in feedback.warnings), feedback.warnings)

    def test_a_memory_layer_is_written_to_a_file_first(self):
        """A layer hydrotool cannot open (here a memory copy of the sections) goes to it as a
        temporary GeoPackage; the result is that of the command line on the same points in a file."""
        from qgis.core import QgsFeatureRequest, QgsVectorLayer
        sections = QgsVectorLayer(demo("inputs", "sections.gpkg"), "sections", "ogr")
        memory = sections.materialize(QgsFeatureRequest())
        self.assertEqual(memory.providerType(), "memory")
        out = self.path("snapped_memory.gpkg")
        _, feedback = support.run_algorithm("snap", {"POINTS": memory, "OUTPUT": out, "FLOWDIR": self.flowdir, "RADIUS": 500})
        words = feedback.command().split()
        self.assertTrue(words[2].endswith(".gpkg") and words[2] != demo("inputs", "sections.gpkg"), words)
        reference = self.path("snapped_file.gpkg")
        subprocess.run([support.EXECUTABLE, "snap", demo("inputs", "sections.gpkg"), reference, "--flowdir", self.flowdir,
                        "--radius", "500"], check=True, stderr=subprocess.DEVNULL)
        self.assertEqual(compare.features(out)[0][1:], compare.features(reference)[0][1:])
        self.assertEqual(len(compare.features(out)[0][2]), sections.featureCount())

    def test_watershed(self):
        raster, vector = self.path("catchments.tif"), self.path("catchments.gpkg")
        sections = demo("inputs", "sections.gpkg")
        self.check("watershed", {"POINTS": sections, "FLOWDIR": self.flowdir, "THRESHOLD": 5, "ID_FIELD": "id",
                                 "RADIUS": 500, "TO_STREAM": True, "RASTER": raster, "VECTOR": vector},
                   "hydrotool watershed {} --flowdir {} --threshold 5.0 --id-field id --radius 500.0 --to-stream --raster {} --vector {} --overwrite"
                   .format(sections, self.flowdir, raster, vector), [raster, vector])

    def test_watershed_all_links(self):
        vector = self.path("subbasins.gpkg")
        self.check("watershed", {"FLOWDIR": self.flowdir, "THRESHOLD": 20, "ALL_LINKS": True, "VECTOR": vector},
                   "hydrotool watershed --flowdir {} --threshold 20.0 --all-links --vector {} --overwrite".format(self.flowdir, vector),
                   [vector])

    def project_check(self, command, extra=None, extra_args=""):
        out = self.path("project_" + command)
        parameters = {"PROJECT": demo("project.toml"), "OUTPUT": out, "SET": "decay.TP=0.06\n\ntransport.velocity_b=0.25"}
        parameters.update(extra or {})
        result, feedback = self.check(command, parameters,
                                      "hydrotool {} {} --output {} --set decay.TP=0.06 --set transport.velocity_b=0.25{}"
                                      .format(command, demo("project.toml"), out, extra_args), [out])
        self.assertEqual(result["FOLDER"], out)
        return result, feedback

    def test_run(self):
        self.project_check("run", {"SCALE_SOURCE": "520300:TP:0.7"}, " --scale-source 520300:TP:0.7")

    def test_loads(self):
        self.project_check("loads")

    def test_attribute(self):
        self.project_check("attribute")

    def test_compensate(self):
        self.project_check("compensate")

    def test_a_project_without_output_folder_writes_where_the_project_says(self):
        import shutil
        copy = os.path.join(self.out, "project_copy")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(demo("inputs"), os.path.join(copy, "inputs"))
        shutil.copy(demo("project.toml"), copy)
        result, feedback = support.run_algorithm("loads", {"PROJECT": os.path.join(copy, "project.toml")})
        self.assertEqual(feedback.command(), "hydrotool loads {}".format(os.path.join(copy, "project.toml")))
        self.assertEqual(result["FOLDER"], os.path.join(copy, "output"))
        self.assertTrue(os.path.isfile(os.path.join(copy, "output", "loads.tif")))

    def test_spill(self):
        # A point on the demo's river (a section), given in longitude/latitude.
        _, feedback = self.project_check("spill", {"AT": "104.3,28.1 [EPSG:4326]", "MASS": 1000,
                                                   "TIME": QDateTime(QDate(2024, 7, 1), QTime(8, 0), Qt.OffsetFromUTC, 8 * 3600),
                                                   "POLLUTANT": 2},
                                         " --at 104.300000000,28.100000000 --lonlat --mass 1000.0 --time 2024-07-01T08:00:00+08:00 --pollutant TP")
        self.assertTrue(any(line.startswith("Spill of 1000 kg TP") for line in feedback.infos), feedback.infos)

    def test_spill_point_in_another_crs(self):
        """The same release point given in the DEM's UTM zone traces the same path as in lon/lat."""
        from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform, QgsPointXY, QgsProject
        utm = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:4326"), QgsCoordinateReferenceSystem("EPSG:32648"),
                                     QgsProject.instance()).transform(QgsPointXY(104.3, 28.1))
        outputs = {}
        for name, at in (("lonlat", "104.3,28.1 [EPSG:4326]"), ("utm", "{!r},{!r} [EPSG:32648]".format(utm.x(), utm.y()))):
            out = self.path("spill_" + name)
            support.run_algorithm("spill", {"PROJECT": demo("project.toml"), "OUTPUT": out, "AT": at, "MASS": 500,
                                            "TIME": "2024-07-01T08:00:00+08:00"})
            with open(os.path.join(out, "spill.csv"), encoding="utf-8") as f:
                outputs[name] = f.read()
        self.assertIn("section", outputs["lonlat"])
        self.assertEqual(outputs["utm"], outputs["lonlat"])


class AlgorithmsInAModel(unittest.TestCase):
    """fill → flowdir → accumulate chained in a Processing model, as the graphical modeler builds it."""

    @classmethod
    def setUpClass(cls):
        support.start()
        cls.out = support.folder("model")

    def test_a_chain_gives_the_command_lines_cells(self):
        from qgis.core import (QgsProcessingModelAlgorithm, QgsProcessingModelChildAlgorithm,
                               QgsProcessingModelChildParameterSource as Source, QgsProcessingModelOutput,
                               QgsProcessingModelParameter, QgsProcessingParameterRasterLayer)
        import processing
        model = QgsProcessingModelAlgorithm("terrain chain", "hydrotool")
        model.addModelParameter(QgsProcessingParameterRasterLayer("dem", "DEM"), QgsProcessingModelParameter("dem"))
        steps = [("fill", "DEM", Source.fromModelParameter("dem")),
                 ("flowdir", "DEM", Source.fromChildOutput("fill", "OUTPUT")),
                 ("accumulate", "FLOWDIR", Source.fromChildOutput("flowdir", "OUTPUT"))]
        for name, input_name, source in steps:
            child = QgsProcessingModelChildAlgorithm("hydrotool:" + name)
            child.setChildId(name)
            child.addParameterSources(input_name, [source])
            if name == "accumulate":
                child.addParameterSources("UNITS", [Source.fromStaticValue(1)])
                output = QgsProcessingModelOutput("upstream_area", "Upstream area")
                output.setChildId(name)
                output.setChildOutputName("OUTPUT")
                child.setModelOutputs({"upstream_area": output})
            model.addChildAlgorithm(child)
        result = self.path_of_model_run(model, processing)
        dem = demo("inputs", "dem.tif")
        filled, flowdir, area = (os.path.join(self.out, n) for n in ("filled.tif", "flowdir.tif", "area.tif"))
        for args in (["fill", dem, filled], ["flowdir", filled, flowdir], ["accumulate", flowdir, area, "--units", "km2"]):
            subprocess.run([support.EXECUTABLE] + args + ["-q"], check=True)
        compare.same_raster_but_command(self, result, area)

    def path_of_model_run(self, model, processing):
        target = os.path.join(self.out, "model_area.tif")
        feedback = support.RecordingFeedback()
        result = processing.run(model, {"dem": demo("inputs", "dem.tif"), "accumulate:upstream_area": target}, feedback=feedback)
        self.assertEqual(result["accumulate:upstream_area"], target)
        self.assertEqual([c.split()[1] for c in feedback.commands], ["fill", "flowdir", "accumulate"])
        return target
