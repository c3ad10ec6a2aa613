"""The PATT site bundle: which plugins run, the guild's texts, template overrides (templates/<plugin>/...)."""

from pathlib import Path

from patt_host import LandingPage, Site
from patt_site.voting_texts import VOTING_TEXTS

HERE = Path(__file__).parent

site = Site(
    name="patt",
    title="Pull All The Things",
    tagline="Casual heroic raiding · real life first · zero toxicity",
    plugins=["identity", "voting", "guild_sync", "mito"],
    officer_rank_level=4,
    texts={
        "hero_title": "Pull All The Things",
        "hero_text": "A World of Warcraft guild for casual heroic raiding, with a real-life-first philosophy "
        "and zero tolerance for toxicity.",
        "discord_invite_url": "",
        "voting": VOTING_TEXTS,
    },
    config={
        "login_path": "/login",
        # The original site's URLs (see docs/operators/README.md), answered with 301s.
        "legacy_redirects": {
            "/roster.html": "/roster",
            "/roster-view.html": "/roster",
            "/raid-admin": "/admin",
            "/raid-admin.html": "/admin",
            "/mitos-corner.html": "/",
            "/index.html": "/",
        },
    },
    hooks=LandingPage(),
    templates_dir=HERE / "templates",
    static_dir=HERE / "static",
)
