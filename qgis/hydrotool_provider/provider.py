"""The hydrotool Processing provider: one algorithm per command the executable lists."""

import os

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import executable as tool
from .algorithm import HydrotoolAlgorithm
from .commands import BY_NAME, NOT_ALGORITHMS, Command
from .generic import generic_command, parameters_from_help

try:    # the Processing plugin's settings; absent when the provider is used on its own
    from processing.core.ProcessingConfig import ProcessingConfig, Setting
except ImportError:  # pragma: no cover
    ProcessingConfig = Setting = None

PROVIDER_ID = "hydrotool"
EXECUTABLE_SETTING = "HYDROTOOL_EXECUTABLE"
LOG_TAG = "hydrotool"


class HydrotoolProvider(QgsProcessingProvider):
    def __init__(self):
        super().__init__()
        self._help = {}
        self.problem = None
        self.commands = []
        self.version = None

    def id(self):
        return PROVIDER_ID

    def name(self):
        return "hydrotool"

    def longName(self):
        return "hydrotool {}".format(".".join(map(str, self.version))) if self.version else "hydrotool"

    def icon(self):
        return QIcon(os.path.join(os.path.dirname(__file__), "icon.svg"))

    def svgIconPath(self):
        return os.path.join(os.path.dirname(__file__), "icon.svg")

    def load(self):
        if ProcessingConfig is not None:
            ProcessingConfig.settingIcons[self.name()] = self.icon()
            ProcessingConfig.addSetting(Setting(self.name(), EXECUTABLE_SETTING,
                                                "hydrotool executable (empty: found on PATH)", "",
                                                valuetype=Setting.FILE))
            ProcessingConfig.readSettings()
        self.refreshAlgorithms()
        return True

    def unload(self):
        if ProcessingConfig is not None:
            ProcessingConfig.removeSetting(EXECUTABLE_SETTING)

    def configured_path(self):
        if ProcessingConfig is None:
            return os.environ.get(EXECUTABLE_SETTING, "")
        return ProcessingConfig.getSetting(EXECUTABLE_SETTING) or ""

    def executable(self):
        return tool.find_executable(self.configured_path())

    def warningMessage(self):
        return self.problem or ""

    def cache_file(self):
        return os.path.join(QgsApplication.qgisSettingsDirPath(), "cache", "hydrotool_provider.json")

    def help_text(self, command):
        if command not in self._help:
            try:
                self._help[command] = tool.command_help(self.executable(), command)
            except tool.HydrotoolError as error:
                self._help[command] = error.message
        return self._help[command]

    def loadAlgorithms(self):
        """Checks the executable's version, then adds an algorithm for every command it lists:
        the typed one from the table (without options the executable lacks), or one read from the
        command's --help if the table lacks the command."""
        self._help = {}
        self.commands = []
        self.version = None
        path = self.executable()
        try:
            info = tool.describe(path, self.cache_file()) if path else None
        except (tool.HydrotoolError, OSError) as error:
            info = None
            self.problem = str(error)
        else:
            self.problem = tool.version_problem(path, info["version"] if info else None)
        if self.problem:
            QgsMessageLog.logMessage(self.problem, LOG_TAG, Qgis.Warning)
            return
        self._help = dict(info["help"])
        self.version = tuple(info["version"])
        listed = info["commands"]
        for name in listed:
            if name in NOT_ALGORITHMS:
                continue
            command = BY_NAME.get(name)
            if command is None:
                command = generic_command(name, self.help_text(name))
                QgsMessageLog.logMessage("{}: not in the provider's table; parameters read from its --help".format(name),
                                         LOG_TAG, Qgis.Info)
            else:
                command = self._checked(command)
            self.commands.append(command)
            self.addAlgorithm(HydrotoolAlgorithm(command, self))

    def _checked(self, command):
        """The table's command without the options this executable's --help does not list (an older
        hydrotool, or one whose options changed), each dropped with a warning in the log."""
        listed = {p.flag for p in parameters_from_help(self.help_text(command.name)) if p.flag}
        kept = []
        for param in command.params:
            missing = [flag for flag in param.cli_flags() if flag not in listed]
            if missing:
                QgsMessageLog.logMessage("{}: this hydrotool has no {}; the parameter '{}' is left out".format(
                    command.name, ", ".join(missing), param.description), LOG_TAG, Qgis.Warning)
            else:
                kept.append(param)
        if len(kept) == len(command.params):
            return command
        return Command(command.name, command.title, command.group, kept, command.raster_outputs, command.folder_layers)

    def supportedOutputRasterLayerExtensions(self):
        return ["tif", "tiff", "img", "asc"]

    def supportedOutputVectorLayerExtensions(self):
        return ["gpkg", "geojson", "shp", "fgb"]

    def defaultRasterFileExtension(self):
        return "tif"

    def defaultVectorFileExtension(self, hasGeometry=True):
        return "gpkg"
