"""hydrotool for QGIS Processing: every hydrotool command as a Processing algorithm."""


def classFactory(iface):
    from .plugin import HydrotoolPlugin
    return HydrotoolPlugin(iface)
