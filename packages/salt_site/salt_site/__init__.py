"""The Salt All The Things site bundle: a sister site that reuses sv_common and a subset of the plugins."""

from patt_host import LandingPage, Site
from salt_site.voting_texts import VOTING_TEXTS

site = Site(
    name="salt",
    title="Salt All The Things",
    tagline="A podcast from the Pull All The Things guild",
    plugins=["identity", "voting"],
    texts={
        "hero_text": "Guild stories, raid banter and listener polls from the people behind Pull All The Things.",
        "voting": VOTING_TEXTS,
    },
    hooks=LandingPage(),
)
