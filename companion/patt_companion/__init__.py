"""PATT companion: uploads the PATTSync addon's exports to the PATT site."""

__version__ = "2.0.0"
