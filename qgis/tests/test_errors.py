"""Bad inputs fail the algorithm with hydrotool's own one-line message; cancelling a long fill ends
the hydrotool process and leaves no output behind."""

import glob
import os
import subprocess
import threading
import time
import unittest

from osgeo import gdal
from qgis.core import QgsProcessingException

import support


def cli_error(args):
    """hydrotool's error line for ``args``, run on the command line (without the 'hydrotool: error: ')."""
    done = subprocess.run([support.EXECUTABLE] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert done.returncode != 0
    lines = [l for l in done.stderr.decode().splitlines() if l.startswith("hydrotool: error: ")]
    assert len(lines) == 1, done.stderr
    return lines[0][len("hydrotool: error: "):]


def hydrotool_processes_writing(path):
    found = []
    for cmdline in glob.glob("/proc/[0-9]*/cmdline"):
        try:
            with open(cmdline, "rb") as f:
                words = f.read().split(b"\0")
        except OSError:
            continue
        if words and words[0].endswith(b"hydrotool") and path.encode() in words:
            found.append(cmdline)
    return found


class ErrorTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        support.start()
        cls.out = support.folder("errors")

    def assert_fails_with(self, algorithm, parameters, cli_args):
        """processing.run raises the tool's message; the dialog's way of running (errors caught and
        reported to the log) reports it and fails."""
        expected = cli_error(cli_args)
        with self.assertRaises(QgsProcessingException) as raised:
            support.run_algorithm(algorithm, parameters)
        self.assertEqual(str(raised.exception), "hydrotool {}: {}".format(algorithm, expected))
        ok, feedback = support.run_as_dialog(algorithm, parameters)
        self.assertFalse(ok)
        self.assertIn("hydrotool {}: {}".format(algorithm, expected), feedback.errors)
        return expected

    def test_a_raster_that_is_not_flow_directions(self):
        dem = os.path.join(support.DEMO, "inputs", "dem.tif")
        out = os.path.join(self.out, "accumulation.tif")
        message = self.assert_fails_with("accumulate", {"FLOWDIR": dem, "OUTPUT": out},
                                         ["accumulate", dem, out, "--overwrite"])
        self.assertIn("dem.tif", message)
        self.assertIn("--encoding", message)
        self.assertFalse(os.path.exists(out))

    def test_a_project_whose_dem_is_missing(self):
        with open(os.path.join(support.DEMO, "project.toml"), encoding="utf-8") as f:
            text = f.read()
        project = os.path.join(support.DEMO, "project_missing_dem.toml")
        with open(project, "w", encoding="utf-8") as f:
            f.write(text.replace('dem = "inputs/dem.tif"', 'dem = "inputs/no_such_dem.tif"'))
        out = os.path.join(self.out, "project")
        message = self.assert_fails_with("run", {"PROJECT": project, "OUTPUT": out}, ["run", project, "--output", out])
        self.assertIn("no_such_dem.tif", message)

    def test_a_bad_project_override(self):
        project = os.path.join(support.DEMO, "project.toml")
        out = os.path.join(self.out, "project_override")
        message = self.assert_fails_with("run", {"PROJECT": project, "OUTPUT": out, "SET": "decay.TP=fast"},
                                         ["run", project, "--output", out, "--set", "decay.TP=fast"])
        self.assertIn("--set", message)

    def test_a_release_point_outside_the_dem(self):
        project = os.path.join(support.DEMO, "project.toml")
        out = os.path.join(self.out, "spill")
        self.assert_fails_with("spill", {"PROJECT": project, "OUTPUT": out, "AT": "110.0,30.0 [EPSG:4326]", "MASS": 10,
                                         "TIME": "2024-07-01T08:00:00+08:00"},
                               ["spill", project, "--output", out, "--at", "110.000000000,30.000000000", "--lonlat",
                                "--mass", "10.0", "--time", "2024-07-01T08:00:00+08:00"])

    def test_cancelling_a_long_fill_ends_the_process(self):
        dem = os.path.join(self.out, "large_dem.tif")
        if not os.path.exists(dem):
            # The demo's DEM resampled to 5400 × 3600 cells: a fill of about half a minute in a debug build.
            gdal.Translate(dem, os.path.join(support.DEMO, "inputs", "dem.tif"), width=5400, height=3600, resampleAlg="bilinear")
        out = os.path.join(self.out, "large_filled.tif")
        feedback = support.RecordingFeedback()
        started = time.monotonic()
        # Cancelled from another thread, as the dialog's Cancel button does, while the fill runs.
        timer = threading.Timer(3.0, feedback.cancel_now)
        timer.start()
        ok, _ = support.run_as_dialog("fill", {"DEM": dem, "OUTPUT": out}, feedback=feedback)
        ended = time.monotonic()
        self.assertFalse(ok)
        self.assertIsNotNone(feedback.cancel_time, feedback.progress)
        self.assertLess(ended - feedback.cancel_time, 6.0)       # SIGTERM, then SIGKILL after 5 s
        self.assertLess(max(feedback.progress), 100)
        self.assertTrue(any("cancelled" in e for e in feedback.errors), feedback.errors)
        self.assertEqual(hydrotool_processes_writing(out), [])
        self.assertFalse(os.path.exists(out))
        self.assertEqual(glob.glob(os.path.join(self.out, ".hydrotool-tmp-*")), [])
        self.assertGreaterEqual(max(feedback.progress), 10)     # the DEM was read: the fill had started
        support.log("cancelled fill: at {:.0f} %, {:.1f} s from start, {:.2f} s from the cancel to the end".format(
            max(feedback.progress), ended - started, ended - feedback.cancel_time))

    def test_progress_rises_to_100(self):
        out = os.path.join(self.out, "filled.tif")
        _, feedback = support.run_algorithm("fill", {"DEM": os.path.join(support.DEMO, "inputs", "dem.tif"), "OUTPUT": out})
        self.assertEqual(feedback.progress, sorted(feedback.progress))
        self.assertEqual(feedback.progress[-1], 100.0)
        self.assertGreaterEqual(len(feedback.progress), 30)
