"""Typed parameters of the hydrotool algorithms, each knowing its Processing parameter and the
hydrotool arguments it becomes.

``flag`` is the command-line option (``--band``) or None for a positional argument. An option whose
value equals hydrotool's own default is left out of the command line, so the command shown in the
log is the one a person would type; ``default`` must therefore be the default ``--help`` states
(a test checks every one against the help).
"""

import os

from qgis.core import (QgsCoordinateReferenceSystem, QgsProcessing, QgsProcessingException,
                       QgsProcessingParameterBand, QgsProcessingParameterBoolean,
                       QgsProcessingParameterDateTime, QgsProcessingParameterDefinition,
                       QgsProcessingParameterEnum, QgsProcessingParameterField,
                       QgsProcessingParameterFile, QgsProcessingParameterFolderDestination,
                       QgsProcessingParameterNumber, QgsProcessingParameterPoint,
                       QgsProcessingParameterRasterDestination, QgsProcessingParameterRasterLayer,
                       QgsProcessingParameterString, QgsProcessingParameterVectorDestination,
                       QgsProcessingParameterVectorLayer)


class Param:
    """One parameter: ``name`` in Processing, ``flag`` on the command line, ``description`` shown."""

    advanced = False

    def __init__(self, name, flag, description, optional=False, advanced=False):
        self.name = name
        self.flag = flag
        self.description = description
        self.optional = optional
        self.advanced = advanced

    def definitions(self):
        definition = self.definition()
        if self.optional:
            definition.setFlags(definition.flags() | QgsProcessingParameterDefinition.FlagOptional)
        if self.advanced:
            definition.setFlags(definition.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        return [definition]

    def args(self, alg, parameters, context):
        """The command-line words for this parameter's value (an empty list leaves it out)."""
        value = self.value(alg, parameters, context)
        if value is None or value == "":
            return []
        return [self.flag, value] if self.flag else [value]

    def cli_default(self):
        """The value hydrotool uses when the option is left out, as ``--help`` prints it, or None."""
        return None

    def cli_flags(self):
        """Every option this parameter may put on the command line."""
        return [self.flag] if self.flag else []


class Raster(Param):
    def definition(self):
        return QgsProcessingParameterRasterLayer(self.name, self.description, optional=self.optional)

    def value(self, alg, parameters, context):
        layer = alg.parameterAsRasterLayer(parameters, self.name, context)
        if layer is None:
            if self.optional:
                return None
            raise QgsProcessingException("{}: no raster layer given".format(self.description))
        if layer.providerType() != "gdal":
            raise QgsProcessingException("{}: {} is not a GDAL raster (provider {})".format(
                self.description, layer.name(), layer.providerType()))
        return layer.source()


class Band(Param):
    def __init__(self, name, flag, description, parent, default=1):
        super().__init__(name, flag, description)
        self.parent = parent
        self.default = default

    def definition(self):
        # Optional so that a run leaving it out takes the default (a required band must be given).
        return QgsProcessingParameterBand(self.name, self.description, defaultValue=self.default,
                                          parentLayerParameterName=self.parent, optional=True)

    def value(self, alg, parameters, context):
        band = alg.parameterAsInt(parameters, self.name, context) if parameters.get(self.name) is not None else self.default
        return None if band == self.default else str(band)

    def cli_default(self):
        return str(self.default)


class Vector(Param):
    """A vector layer, handed to hydrotool as a file GDAL reads. Layers that are not a plain file
    (memory layers, selections, filters, databases) are written to a temporary GeoPackage first.
    The layer of a multi-layer file is named with ``layer_flag`` (burn's ``--layer``) when the
    command has one, else as QGIS names it, ``file.gpkg|layername=NAME``, which hydrotool reads."""

    def __init__(self, name, flag, description, types, optional=False, layer_flag=None):
        super().__init__(name, flag, description, optional)
        self.types = types
        self.layer_flag = layer_flag

    def definition(self):
        return QgsProcessingParameterVectorLayer(self.name, self.description, types=self.types, optional=self.optional)

    def args(self, alg, parameters, context):
        if alg.parameterAsVectorLayer(parameters, self.name, context) is None:
            if self.optional:
                return []
            raise QgsProcessingException("{}: no vector layer given".format(self.description))
        formats = ["gpkg", "geojson", "shp", "fgb"]
        path, layer_name = alg.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, self.name, context, formats, "gpkg", alg.feedback)
        if layer_name and not self.layer_flag:
            path = "{}|layername={}".format(path, layer_name)
        words = [self.flag, path] if self.flag else [path]
        if layer_name and self.layer_flag:
            words += [self.layer_flag, layer_name]
        return words

    def cli_flags(self):
        return super().cli_flags() + ([self.layer_flag] if self.layer_flag else [])


class Field(Param):
    def __init__(self, name, flag, description, parent, default=None, optional=True):
        super().__init__(name, flag, description, optional)
        self.parent = parent
        self.default = default

    def definition(self):
        return QgsProcessingParameterField(self.name, self.description, defaultValue=self.default,
                                           parentLayerParameterName=self.parent, optional=self.optional)

    def value(self, alg, parameters, context):
        fields = alg.parameterAsFields(parameters, self.name, context)
        if not fields or fields[0] == self.default:
            return None
        return fields[0]

    def cli_default(self):
        return self.default


class File(Param):
    def __init__(self, name, flag, description, extensions, optional=False):
        super().__init__(name, flag, description, optional)
        self.extensions = extensions

    def definition(self):
        filter_text = "{} ({})".format(self.description, " ".join("*." + e for e in self.extensions))
        return QgsProcessingParameterFile(self.name, self.description, fileFilter=filter_text, optional=self.optional)

    def value(self, alg, parameters, context):
        path = alg.parameterAsFile(parameters, self.name, context)
        return path or None


class Number(Param):
    """An integer or a real; None as default makes it optional (left out when not given)."""

    def __init__(self, name, flag, description, default=None, minimum=None, integer=False, advanced=False, required=False):
        super().__init__(name, flag, description, optional=default is None and not required, advanced=advanced)
        self.default = default
        self.minimum = minimum
        self.integer = integer

    def definition(self):
        kind = QgsProcessingParameterNumber.Integer if self.integer else QgsProcessingParameterNumber.Double
        definition = QgsProcessingParameterNumber(self.name, self.description, kind, defaultValue=self.default,
                                                  optional=self.optional)
        if self.minimum is not None:
            definition.setMinimum(self.minimum)
        return definition

    def value(self, alg, parameters, context):
        if parameters.get(self.name) is None and self.optional:
            return None
        if self.integer:
            number = alg.parameterAsInt(parameters, self.name, context)
        else:
            number = alg.parameterAsDouble(parameters, self.name, context)
        if self.default is not None and number == self.default:
            return None
        return self.format(number)

    def format(self, number):
        return str(int(number)) if self.integer else repr(float(number))

    def cli_default(self):
        return None if self.default is None else self.format(self.default)


class Flag(Param):
    def definition(self):
        return QgsProcessingParameterBoolean(self.name, self.description, defaultValue=False)

    def args(self, alg, parameters, context):
        return [self.flag] if alg.parameterAsBoolean(parameters, self.name, context) else []


class Choice(Param):
    """One of the tool's named values (an encoding, a method). With ``default=None`` the first entry
    means "leave it to hydrotool" (e.g. the encoding a direction raster records)."""

    def __init__(self, name, flag, description, values, default=None, labels=None, unset_label=None, advanced=False):
        super().__init__(name, flag, description, advanced=advanced)
        self.values = list(values)
        self.default = default
        self.labels = labels or self.values
        self.unset_label = unset_label

    def options(self):
        return ([self.unset_label] if self.unset_label else []) + list(self.labels)

    def definition(self):
        if self.unset_label:
            default_index = 0
        else:
            default_index = self.values.index(self.default)
        return QgsProcessingParameterEnum(self.name, self.description, options=self.options(), defaultValue=default_index)

    def value(self, alg, parameters, context):
        index = alg.parameterAsEnum(parameters, self.name, context)
        if self.unset_label:
            index -= 1
            if index < 0:
                return None
        chosen = self.values[index]
        return None if chosen == self.default else chosen

    def cli_default(self):
        return self.default


class Text(Param):
    def __init__(self, name, flag, description, default=None, optional=True, advanced=False):
        super().__init__(name, flag, description, optional, advanced)
        self.default = default

    def definition(self):
        return QgsProcessingParameterString(self.name, self.description, defaultValue=self.default, optional=self.optional)

    def value(self, alg, parameters, context):
        text = alg.parameterAsString(parameters, self.name, context).strip()
        return None if text == (self.default or "") else text

    def cli_default(self):
        return self.default


class Repeated(Param):
    """A repeatable option (``--set KEY=VALUE``), one value per line."""

    def definition(self):
        return QgsProcessingParameterString(self.name, self.description, multiLine=True, optional=True)

    def args(self, alg, parameters, context):
        words = []
        for line in alg.parameterAsString(parameters, self.name, context).splitlines():
            if line.strip():
                words += [self.flag, line.strip()]
        return words


class ReleasePoint(Param):
    """A point in any CRS; hydrotool gets it as longitude,latitude (``--at LON,LAT --lonlat``),
    so it need not know the map's CRS."""

    def definition(self):
        return QgsProcessingParameterPoint(self.name, self.description)

    def args(self, alg, parameters, context):
        wgs84 = QgsCoordinateReferenceSystem("EPSG:4326")
        point = alg.parameterAsPoint(parameters, self.name, context, wgs84)
        return [self.flag, "{:.9f},{:.9f}".format(point.x(), point.y()), "--lonlat"]

    def cli_flags(self):
        return [self.flag, "--lonlat"]


class Time(Param):
    """A date and time, written as ISO 8601 with its offset from UTC."""

    def definition(self):
        return QgsProcessingParameterDateTime(self.name, self.description)

    def args(self, alg, parameters, context):
        moment = alg.parameterAsDateTime(parameters, self.name, context)
        if not moment.isValid():
            raise QgsProcessingException("{}: not a valid date and time".format(self.description))
        offset = moment.offsetFromUtc()
        sign = "+" if offset >= 0 else "-"
        offset = abs(offset) // 60
        return [self.flag, "{}{}{:02d}:{:02d}".format(moment.toString("yyyy-MM-ddTHH:mm:ss"), sign, offset // 60, offset % 60)]


class RasterOutput(Param):
    """A raster hydrotool writes; ``style`` names the plugin's default QML for it."""

    def __init__(self, name, flag, description, optional=False, style=None):
        super().__init__(name, flag, description, optional)
        self.style = style

    def definition(self):
        return QgsProcessingParameterRasterDestination(self.name, self.description, optional=self.optional,
                                                       createByDefault=not self.optional)

    def value(self, alg, parameters, context):
        # Resolved once a run: a temporary output gets a new name each time it is asked for.
        if self.name not in alg.resolved:
            alg.resolved[self.name] = alg.parameterAsOutputLayer(parameters, self.name, context) or None
        return alg.resolved[self.name]


class VectorOutput(Param):
    """A vector layer hydrotool writes; ``by_default`` makes an optional one ticked in the dialog
    (e.g. the stream lines, the usual output of streams)."""

    def __init__(self, name, flag, description, geometry, optional=False, style=None, by_default=False):
        super().__init__(name, flag, description, optional)
        self.geometry = geometry
        self.style = style
        self.by_default = by_default

    def definition(self):
        return QgsProcessingParameterVectorDestination(self.name, self.description, type=self.geometry,
                                                       optional=self.optional,
                                                       createByDefault=self.by_default or not self.optional)

    def value(self, alg, parameters, context):
        if self.name not in alg.resolved:
            alg.resolved[self.name] = alg.parameterAsOutputLayer(parameters, self.name, context) or None
        path = alg.resolved[self.name]
        if path and (path.startswith("ogr:") or path.startswith("memory:")):
            raise QgsProcessingException("{}: hydrotool writes files; choose a .gpkg, .geojson, .shp or .fgb file".format(self.description))
        return path or None


class FolderOutput(Param):
    """The project's output folder; left empty, hydrotool writes to the folder the project file names."""

    def definition(self):
        return QgsProcessingParameterFolderDestination(self.name, self.description, optional=True, createByDefault=False)

    def value(self, alg, parameters, context):
        if self.name not in alg.resolved:
            path = alg.parameterAsFileOutput(parameters, self.name, context) or None
            if path:
                os.makedirs(path, exist_ok=True)
            alg.resolved[self.name] = path
        return alg.resolved[self.name]


POINT = [QgsProcessing.TypeVectorPoint]
LINE = [QgsProcessing.TypeVectorLine]
