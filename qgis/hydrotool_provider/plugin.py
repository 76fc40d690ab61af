"""The QGIS plugin: registers the hydrotool Processing provider (no menus or toolbars of its own)."""

from qgis.core import QgsApplication

from .provider import HydrotoolProvider


class HydrotoolPlugin:
    def __init__(self, iface=None):
        self.iface = iface
        self.provider = None

    def initProcessing(self):
        self.provider = HydrotoolProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()

    def unload(self):
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
