"""Site bundles: which plugins a site enables, its branding and its own hooks.

A site package (``packages/<site>``) exposes a :class:`Site` through the entry-point
group ``patt.sites``. Everything guild-specific (names, links, texts, targets) lives
there or in the database, never in plugins.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib.metadata import EntryPoints, entry_points
from pathlib import Path
from typing import Any

SITE_GROUP = "patt.sites"


@dataclass
class Site:
    name: str
    title: str
    plugins: list[str]
    tagline: str = ""
    # Rank level from which a player counts as an officer (admin pages, job triggers).
    officer_rank_level: int = 4
    # Free-form texts and settings the site's templates and plugins read (links, targets...).
    texts: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] = field(default_factory=dict)
    # Site-only hook implementations (landing page, personality...); registered last.
    hooks: object | None = None
    # Folder whose `<plugin>/x.html` files override plugin templates (and `core/...`).
    templates_dir: Path | None = None
    static_dir: Path | None = None
    # Values officers edit on /admin/settings (patt_host.SiteSetting); read with host.site_settings().
    settings: list[Any] = field(default_factory=list)


class SiteNotFound(LookupError):
    pass


@functools.cache
def _installed_entry_points() -> EntryPoints:
    # One scan of the installed distributions per process serves both groups start-up reads
    # (patt.sites here, patt.plugins in patt_host.plugins): each scan opens every
    # distribution's entry_points.txt, a few ms with ~100 of them installed.
    return entry_points()


def group_entry_points(group: str) -> EntryPoints:
    """The installed entry points of ``group`` (distributions are scanned once per process)."""
    return _installed_entry_points().select(group=group)


def available_sites() -> dict[str, Any]:
    return {ep.name: ep for ep in group_entry_points(SITE_GROUP)}


def load_site(name: str) -> Site:
    sites = available_sites()
    if name not in sites:
        known = ", ".join(sorted(sites)) or "none installed"
        raise SiteNotFound(f"unknown site {name!r} (PATT_SITE); installed sites: {known}")
    site = sites[name].load()
    if not isinstance(site, Site):
        raise SiteNotFound(f"entry point {name!r} in {SITE_GROUP} is not a patt_host.Site")
    return site
