"""Run in a fresh interpreter by test_sister_sites.py: boot one site on its own database and
report (as JSON) what it serves, what it imported and what its migrations created."""

import asyncio
import json
import sys


def main(site_name: str, url: str) -> None:
    from patt_host import dbmigrate
    from patt_host.app import _walk_routes, create_app
    from patt_host.config import HostSettings
    from patt_host.host import Host
    from sv_common.auth import Actor

    settings = HostSettings(_env_file=None, database_url=url, jwt_secret_key="x" * 48, discord_bot_token=None)
    host = Host(settings=settings, site=site_name)
    dbmigrate.upgrade(host, url)
    app = create_app(host, start_services=False)
    officer = Actor(
        user_id=1, player_id=1, display_name="O", rank_level=99, rank_name="GM", auth_method="system"
    )

    async def links():
        menu = await host.hooks.menu_links(None, officer)
        admin = await host.hooks.admin_menu_links(None, officer)
        return [link.href for link in [*menu, *admin]]

    print(
        json.dumps(
            {
                "plugins": [p.name for p in host.plugins],
                "routes": sorted(
                    {getattr(r, "name", "") for r in _walk_routes(app.router) if getattr(r, "name", "")}
                ),
                "jobs": sorted(host.jobs.jobs),
                "cog_plugins": sorted({p.name for p, _cogs in asyncio.run(host.hooks.discord_cogs(None))}),
                "links": asyncio.run(links()),
                "modules": sorted(m for m in sys.modules if m.startswith("patt_")),
                "lineages": [lineage.name for lineage in dbmigrate.enabled_lineages(host)],
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
