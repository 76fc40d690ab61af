"""Shared set-up of the provider's tests: a headless QGIS with Processing, the hydrotool executable
(HYDROTOOL, else the package's debug build) on PATH, and the demo's inputs in a scratch folder."""

import os
import shutil
import subprocess
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(REPO, "qgis"))
sys.path.append("/usr/share/qgis/python/plugins")

from qgis.core import (QgsApplication, QgsProcessingContext, QgsProcessingFeedback,  # noqa: E402
                       QgsProcessingOutputLayerDefinition, QgsProject)

EXECUTABLE = os.path.abspath(os.environ.get("HYDROTOOL") or os.path.join(REPO, ".build", "debug", "hydrotool"))
os.environ["PATH"] = os.path.dirname(EXECUTABLE) + os.pathsep + os.environ.get("PATH", "")

_app = None
PROVIDER = None
SCRATCH = None
DEMO = None


def start():
    """Starts QGIS and Processing once, registers the provider and writes the demo's inputs."""
    global _app, SCRATCH, DEMO
    if _app is not None:
        return
    if not os.access(EXECUTABLE, os.X_OK):
        raise SystemExit("hydrotool not found at {} (run swift build, or set HYDROTOOL)".format(EXECUTABLE))
    SCRATCH = tempfile.mkdtemp(prefix="hydrotool-qgis-")
    # A profile of its own in the scratch folder: the tests change Processing settings.
    _app = QgsApplication([], False, os.path.join(SCRATCH, "profile"))
    _app.initQgis()
    from processing.core.Processing import Processing
    Processing.initialize()
    DEMO = os.path.join(SCRATCH, "demo")
    subprocess.run([EXECUTABLE, "demo", "--output", DEMO, "-q"], check=True, stdout=subprocess.DEVNULL)
    register_provider()


def register_provider():
    from hydrotool_provider.provider import HydrotoolProvider
    registry = QgsApplication.processingRegistry()
    old = registry.providerById("hydrotool")
    if old is not None:
        registry.removeProvider(old)
    global PROVIDER
    PROVIDER = HydrotoolProvider()   # kept here: the registry does not keep the Python object alive
    registry.addProvider(PROVIDER)
    return PROVIDER


def finish():
    if SCRATCH:
        shutil.rmtree(SCRATCH, ignore_errors=True)


def folder(name):
    path = os.path.join(SCRATCH, name)
    os.makedirs(path, exist_ok=True)
    return path


class RecordingFeedback(QgsProcessingFeedback):
    """Keeps what an algorithm reports: its command line, messages, warnings and progress."""

    def __init__(self, cancel_at=None):
        super().__init__()
        self.commands, self.infos, self.warnings, self.errors, self.progress = [], [], [], [], []
        self.cancel_at = cancel_at
        self.cancel_time = None
        self.progressChanged.connect(self._on_progress)

    def _on_progress(self, value):
        self.progress.append(value)
        if self.cancel_at is not None and value >= self.cancel_at and not self.isCanceled():
            import time
            self.cancel_time = time.monotonic()
            self.cancel()

    def cancel_now(self):
        import time
        self.cancel_time = time.monotonic()
        self.cancel()

    def pushCommandInfo(self, text):
        self.commands.append(text)

    def pushInfo(self, text):
        self.infos.append(text)

    def pushWarning(self, text):
        self.warnings.append(text)

    def reportError(self, text, fatal=False):
        self.errors.append(text)

    def setProgressText(self, text):
        pass

    def pushConsoleInfo(self, text):
        pass

    def pushDebugInfo(self, text):
        pass

    def command(self):
        """The logged command line with the executable's path replaced by its name."""
        assert len(self.commands) == 1, self.commands
        line = self.commands[0]
        assert line.startswith(EXECUTABLE + " "), line
        return "hydrotool" + line[len(EXECUTABLE):]


def run_algorithm(name, parameters, feedback=None, load=()):
    """processing.run of hydrotool:NAME; the outputs named in ``load`` are added to the project and
    styled as the Processing dialog does (handleAlgorithmResults)."""
    import processing
    from processing.gui.Postprocessing import handleAlgorithmResults
    feedback = feedback or RecordingFeedback()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    parameters = dict(parameters)
    for key in load:
        parameters[key] = QgsProcessingOutputLayerDefinition(parameters[key], QgsProject.instance())
    result = processing.run("hydrotool:" + name, parameters, context=context, feedback=feedback)
    if load or name in ("run", "loads", "attribute", "spill"):
        algorithm = QgsApplication.processingRegistry().algorithmById("hydrotool:" + name)
        handleAlgorithmResults(algorithm, context, feedback, parameters=parameters)
    return result, feedback


def log(message):
    """A line for the test log (measurements), printed after the test's dot."""
    sys.stdout.write("\n  " + message + "\n")


def run_as_dialog(name, parameters, feedback=None):
    """Runs hydrotool:NAME as the algorithm dialog does: errors are caught and reported to the
    feedback, and the run says whether it succeeded."""
    from processing.gui.AlgorithmExecutor import execute
    feedback = feedback or RecordingFeedback()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    context.setFeedback(feedback)
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("hydrotool:" + name)
    ok, _ = execute(algorithm, parameters, context, feedback)
    return ok, feedback
