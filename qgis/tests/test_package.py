"""The plugin zip: what Plugins → Install from ZIP does with it (QGIS's own unzip into a plugins
folder), then QGIS's plugin loader starting it as a Processing plugin, in a fresh QGIS."""

import configparser
import filecmp
import os
import subprocess
import sys
import unittest
import zipfile

import support

LOAD = r"""
import os, sys
sys.path.insert(0, sys.argv[1])
sys.path.append("/usr/share/qgis/python/plugins")
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
from processing.core.Processing import Processing
Processing.initialize()
import qgis.utils
assert qgis.utils.loadPlugin("hydrotool_provider")
assert qgis.utils.startProcessingPlugin("hydrotool_provider")
import hydrotool_provider
print(os.path.dirname(hydrotool_provider.__file__))
print(" ".join(sorted(a.id() for a in QgsApplication.processingRegistry().providerById("hydrotool").algorithms())))
"""


class PackageTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        support.start()
        cls.out = support.folder("package")
        build = os.path.join(support.REPO, "scripts", "build-qgis-plugin.sh")
        cls.zip = subprocess.run(["bash", build, cls.out], stdout=subprocess.PIPE, check=True).stdout.decode().strip()
        again = support.folder("package_again")
        cls.zip_again = subprocess.run(["bash", build, again], stdout=subprocess.PIPE, check=True).stdout.decode().strip()

    def test_one_plugin_folder_with_its_metadata_and_styles(self):
        names = zipfile.ZipFile(self.zip).namelist()
        self.assertEqual({n.split("/")[0] for n in names}, {"hydrotool_provider"})
        for required in ("__init__.py", "metadata.txt", "provider.py", "styles/streams.qml", "styles/accumulation.qml",
                         "styles/loads.qml", "styles/stream_loads.qml", "icon.svg"):
            self.assertIn("hydrotool_provider/" + required, names)
        self.assertFalse([n for n in names if "__pycache__" in n or n.endswith(".pyc")])
        metadata = configparser.ConfigParser()
        metadata.read_string(zipfile.ZipFile(self.zip).read("hydrotool_provider/metadata.txt").decode())
        for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email"):
            self.assertTrue(metadata["general"].get(key), key)
        self.assertEqual(metadata["general"]["hasProcessingProvider"], "yes")
        self.assertTrue(self.zip.endswith("hydrotool_provider-{}.zip".format(metadata["general"]["version"])))

    def test_the_same_sources_give_the_same_zip(self):
        self.assertTrue(filecmp.cmp(self.zip, self.zip_again, shallow=False))

    def test_installed_from_the_zip_qgis_starts_the_provider(self):
        sys.path.append("/usr/share/qgis/python")       # QGIS's plugin installer
        from pyplugin_installer.unzip import unzip
        plugins = support.folder("package_plugins")
        unzip(self.zip, plugins)
        done = subprocess.run([sys.executable, "-c", LOAD, plugins], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
        self.assertEqual(done.returncode, 0, done.stderr.decode()[-2000:])
        folder, algorithms = done.stdout.decode().strip().splitlines()[-2:]
        self.assertEqual(folder, os.path.join(plugins, "hydrotool_provider"))
        self.assertIn("hydrotool:fill", algorithms.split())
        self.assertIn("hydrotool:spill", algorithms.split())
