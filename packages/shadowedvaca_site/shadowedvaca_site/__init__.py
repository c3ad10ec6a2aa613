"""The shadowedvaca site bundle: a sister site that reuses sv_common and a subset of the plugins."""

from patt_host import LandingPage, Site

site = Site(
    name="shadowedvaca",
    title="shadowedvaca",
    tagline="Projects, guild tools and the occasional rant",
    plugins=[],
    hooks=LandingPage(),
)
