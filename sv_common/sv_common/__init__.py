"""Shared library of the PATT platform and its sister sites.

No web routes live here: only data, domain services and integrations that several
plugins (and other sites) reuse.
"""

__version__ = "0.1.0"
