"""The PATT site bundle: which plugins run, the guild's texts, template overrides (templates/<plugin>/...)."""

from pathlib import Path

from patt_host import Site
from patt_site.home import SETTINGS, PattHome
from patt_site.onboarding_texts import ONBOARDING_TEXTS
from patt_site.voting_texts import VOTING_TEXTS

HERE = Path(__file__).parent

site = Site(
    name="patt",
    title="Pull All The Things",
    tagline="Casual heroic raiding · real life first · zero toxicity",
    plugins=["identity", "voting", "guild_sync", "mito", "drift", "crafting", "onboarding", "raids"],
    officer_rank_level=4,
    texts={
        "hero_title": "Pull All The Things",
        "hero_text": "A World of Warcraft guild for casual heroic raiding, with a real-life-first philosophy "
        "and zero tolerance for toxicity.",
        "voting": VOTING_TEXTS,
        "onboarding": ONBOARDING_TEXTS,
    },
    # Officer-edited on /admin/settings: about text, links, schedule, recruiting targets.
    settings=SETTINGS,
    config={
        "login_path": "/login",
        # The original site's URLs (see docs/operators/README.md), answered with 301s.
        "legacy_redirects": {
            "/roster.html": "/roster",
            "/roster-view.html": "/roster",
            "/raid-admin": "/admin",
            "/raid-admin.html": "/admin",
            "/mitos-corner": "/mito",
            "/mitos-corner.html": "/mito",
            # The original's public read of Mito's quotes and titles; the same shape answers here.
            "/api/v1/guild/mito": "/api/v1/mito",
            "/index.html": "/",
        },
    },
    hooks=PattHome(),
    templates_dir=HERE / "templates",
    static_dir=HERE / "static",
)
