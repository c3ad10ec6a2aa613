"""The cached roster snapshot (loaded through the plugin state's cache) and what is derived from it."""

from __future__ import annotations

from patt_identity.roster.services.cache import RosterSnapshot
from patt_identity.roster.services.query import ArmoryLinks, load_roster, roster_version
from patt_identity.state import IdentityState


def armory_links(state: IdentityState) -> ArmoryLinks:
    config = state.host.site.config
    return ArmoryLinks(
        state.settings.armory_url_template,
        region=str(config.get("armory_region", "us")),
        locale=str(config.get("armory_locale", "en-us")),
    )


async def roster_snapshot(state: IdentityState) -> RosterSnapshot:
    links = armory_links(state)

    async def load():
        async with state.host.db.session() as session:
            return await load_roster(session, links)

    async def version():
        async with state.host.db.session() as session:
            roster = await roster_version(session)
        # The page's role cards hold the officers' targets: a save through another process
        # (whose site.settings_changed event never reaches this one) must show here too.
        return (*roster, await state.host.site_settings_changed_at())

    return await state.roster.get(load, version)


def class_colours(data: dict) -> list[dict[str, str]]:
    """Each class on the roster once, with its colour (for one CSS rule per class)."""
    seen: dict[str, str] = {}
    for player in data["players"]:
        for character in (player["main"], player["offspec"], *player["alts"]):
            if character and character["class_name"] and character["class_name"] not in seen:
                seen[character["class_name"]] = character["class_colour"]
    return [{"name": name, "colour": colour} for name, colour in sorted(seen.items())]
