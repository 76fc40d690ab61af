"""Comparing what the provider wrote with what the command line writes."""

import filecmp
import json
import os
import shlex
import shutil
import subprocess

from osgeo import gdal, ogr

import support

gdal.UseExceptions()
ogr.UseExceptions()

ASIDE = ".provider"


def features(path):
    """Every layer's features as (attributes, geometry WKT), in order."""
    source = ogr.Open(path)
    layers = []
    for i in range(source.GetLayerCount()):
        layer = source.GetLayerByIndex(i)
        names = [layer.GetLayerDefn().GetFieldDefn(k).GetName() for k in range(layer.GetLayerDefn().GetFieldCount())]
        rows = []
        for feature in layer:
            geometry = feature.GetGeometryRef()
            rows.append(({n: feature.GetField(n) for n in names}, geometry.ExportToIsoWkt() if geometry else None))
        layers.append((layer.GetName(), names, rows))
    return layers


def recorded_command(raster):
    return gdal.Info(raster, format="json").get("metadata", {}).get("", {}).get("HYDROTOOL_COMMAND")


def rerun_on_command_line(test, command, outputs):
    """Moves the provider's ``outputs`` aside, runs ``command`` (the one the provider logged, which the
    test has checked) with the real executable, and checks each output against the provider's:
    rasters and text files byte for byte, vector layers feature by feature."""
    aside = {}
    for path in outputs:
        # Into a folder of its own under the same name, since GeoJSON names its layer after the file.
        folder = os.path.join(os.path.dirname(path), ASIDE + "-" + os.path.basename(path))
        shutil.rmtree(folder, ignore_errors=True)
        os.makedirs(folder)
        aside[path] = os.path.join(folder, os.path.basename(path))
        os.rename(path, aside[path])
    args = shlex.split(command)[1:]
    done = subprocess.run([support.EXECUTABLE] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    test.assertEqual(done.returncode, 0, done.stderr.decode())
    for path in outputs:
        compare(test, aside[path], path)


def compare(test, provider_path, cli_path):
    if os.path.isdir(cli_path):
        names = sorted(os.listdir(cli_path))
        test.assertEqual(sorted(os.listdir(provider_path)), names, cli_path)
        test.assertTrue(names, "empty output folder " + cli_path)
        for name in names:
            compare(test, os.path.join(provider_path, name), os.path.join(cli_path, name))
        return
    extension = os.path.splitext(cli_path)[1].lower()
    if extension in (".gpkg", ".geojson", ".shp", ".fgb"):
        expected = features(cli_path)
        test.assertEqual(features(provider_path), expected, cli_path)
        test.assertTrue(any(rows for _, _, rows in expected), "no features in " + cli_path)
    elif os.path.basename(cli_path) == "manifest.json":
        # The manifest records when the run started and finished and how long each step took;
        # everything else in it must match.
        def timeless(path):
            with open(path, encoding="utf-8") as f:
                manifest = json.load(f)
            for key in ("started", "finished"):
                test.assertIn(key, manifest)
                manifest.pop(key)
            for step in manifest.get("steps", []):
                step.pop("seconds", None)
            return manifest
        test.assertEqual(timeless(provider_path), timeless(cli_path), cli_path)
    else:
        test.assertTrue(filecmp.cmp(provider_path, cli_path, shallow=False), "{} differs from {}".format(provider_path, cli_path))


def same_raster_but_command(test, a, b):
    """Same cells, georeferencing, nodata, band descriptions and metadata, the recorded command line
    aside: for outputs of a chain whose intermediate files have other names than the command line's."""
    first, second = gdal.Open(a), gdal.Open(b)
    test.assertEqual((first.RasterXSize, first.RasterYSize, first.RasterCount),
                     (second.RasterXSize, second.RasterYSize, second.RasterCount))
    test.assertEqual(first.GetGeoTransform(), second.GetGeoTransform())
    test.assertEqual(first.GetProjection(), second.GetProjection())
    for i in range(1, first.RasterCount + 1):
        x, y = first.GetRasterBand(i), second.GetRasterBand(i)
        test.assertEqual(x.DataType, y.DataType)
        test.assertEqual(repr(x.GetNoDataValue()), repr(y.GetNoDataValue()))     # repr: NaN equals NaN
        test.assertEqual(x.GetDescription(), y.GetDescription())
        test.assertEqual(x.ReadRaster(), y.ReadRaster(), "band {} of {}".format(i, a))
    metadata = [dict(d.GetMetadata()) for d in (first, second)]
    commands = [m.pop("HYDROTOOL_COMMAND", None) for m in metadata]
    test.assertNotEqual(commands[0], commands[1])
    test.assertEqual(metadata[0], metadata[1])
