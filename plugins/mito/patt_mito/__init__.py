"""Mito's corner: quotes and titles officers curate, shown to everyone (``plugins/mito``)."""
