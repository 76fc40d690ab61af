"""One Processing algorithm per hydrotool command: it builds the command line from the typed
parameters, runs the executable and hands its outputs to QGIS with their styles."""

import os
import re

from qgis.core import (QgsProcessingAlgorithm, QgsProcessingContext, QgsProcessingException,
                       QgsProcessingOutputFolder, QgsProcessingParameterString, QgsRasterFileWriter,
                       QgsProcessingParameterDefinition)

from . import executable as tool
from . import helptext, styles
from .parameters import FolderOutput, RasterOutput, VectorOutput


class HydrotoolAlgorithm(QgsProcessingAlgorithm):
    CREATION_OPTIONS = "CREATION_OPTIONS"

    def __init__(self, command, provider_settings):
        super().__init__()
        self.command = command
        #: Gives the executable's path and caches each command's help text.
        self.settings = provider_settings
        self.feedback = None
        self.resolved = {}

    def createInstance(self):
        return HydrotoolAlgorithm(self.command, self.settings)

    def name(self):
        return self.command.name

    def displayName(self):
        return "{} ({})".format(self.command.title, self.command.name)

    def group(self):
        return self.command.group

    def groupId(self):
        return self.command.group.lower()

    def tags(self):
        return ["hydrotool", "hydrology", self.command.name]

    def shortHelpString(self):
        text = self.settings.help_text(self.command.name)
        return helptext.help_html(text) if text else ""

    def initAlgorithm(self, config=None):
        for param in self.command.params:
            for definition in param.definitions():
                self.addParameter(definition)
        if self.command.raster_outputs:
            options = QgsProcessingParameterString(self.CREATION_OPTIONS, "GDAL creation options, NAME=VALUE separated by |",
                                                   optional=True)
            options.setFlags(options.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
            self.addParameter(options)
        if any(isinstance(p, FolderOutput) for p in self.command.params):
            self.addOutput(QgsProcessingOutputFolder("FOLDER", "Folder written"))

    def arguments(self, parameters, context):
        """The hydrotool arguments (without the executable) for these parameter values."""
        args = [self.command.name]
        for param in self.command.params:
            args += param.args(self, parameters, context)
        if self.command.raster_outputs:
            args += self._format_args(parameters, context)
            for option in self.parameterAsString(parameters, self.CREATION_OPTIONS, context).split("|"):
                if option.strip():
                    args += ["--co", option.strip()]
            args.append("--overwrite")
        return args

    def _format_args(self, parameters, context):
        """--of from the raster outputs' extensions (hydrotool writes all of a command's rasters in one format)."""
        drivers = set()
        for param in self.command.params:
            if isinstance(param, RasterOutput):
                path = param.value(self, parameters, context)
                if path:
                    extension = os.path.splitext(path)[1].lstrip(".")
                    driver = QgsRasterFileWriter.driverForExtension(extension) if extension else "GTiff"
                    if not driver:
                        raise QgsProcessingException("{}: no GDAL raster format writes .{} files".format(param.description, extension))
                    drivers.add(driver)
        if len(drivers) > 1:
            raise QgsProcessingException("the raster outputs must share one format, got {}".format(", ".join(sorted(drivers))))
        driver = drivers.pop() if drivers else "GTiff"
        return [] if driver == "GTiff" else ["--of", driver]

    def processAlgorithm(self, parameters, context, feedback):
        self.feedback = feedback
        self.resolved = {}
        path = self.settings.executable()
        problem = tool.version_problem(path)
        if problem:
            raise QgsProcessingException(problem)
        args = self.arguments(parameters, context)
        feedback.pushCommandInfo(tool.command_line(path, args))
        try:
            stdout = tool.run(path, args, on_percent=feedback.setProgress, on_info=feedback.pushInfo,
                              on_warning=feedback.pushWarning, is_cancelled=feedback.isCanceled)
        except tool.HydrotoolError as error:
            raise QgsProcessingException("hydrotool {}: {}".format(self.command.name, error.message))
        for line in stdout.splitlines():
            if line.strip():
                feedback.pushInfo(line)

        results = {}
        for param in self.command.params:
            if isinstance(param, (RasterOutput, VectorOutput)):
                output = param.value(self, parameters, context)
                results[param.name] = output
                if output and context.willLoadLayerOnCompletion(output):
                    details = context.layerToLoadOnCompletionDetails(output)
                    details.setPostProcessor(styles.processor(param.style))
            elif isinstance(param, FolderOutput):
                folder = param.value(self, parameters, context) or self._folder_from(stdout)
                results[param.name] = folder
                results["FOLDER"] = folder
                if folder:
                    self._load_folder_layers(folder, context)
        return results

    @staticmethod
    def _folder_from(stdout):
        """The folder a project command wrote to, from the first file path it printed
        (e.g. `report: /data/basin/output/report.html`)."""
        match = re.search(r"(?:^|\s)(/[^\s,]+\.\w+)(?=[\s,]|$)", stdout, re.M)
        return os.path.dirname(match.group(1)) if match else None

    def _load_folder_layers(self, folder, context):
        for name, style in self.command.folder_layers:
            path = os.path.join(folder, name)
            if not os.path.exists(path):
                continue
            layer_name = os.path.splitext(name)[0]
            details = QgsProcessingContext.LayerDetails(layer_name, context.project(), layer_name)
            details.setPostProcessor(styles.processor(style))
            context.addLayerToLoadOnCompletion(path, details)
