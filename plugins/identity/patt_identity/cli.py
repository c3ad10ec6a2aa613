"""``patt identity create-officer``: the first officer of a real site (no demo data, no invite yet).

Everyone else gets an account from an officer's invite; the first officer has nobody to invite
them, so an operator with shell access creates that account here (docs/operators/README.md,
"First run").
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from patt_identity.services import officers

if TYPE_CHECKING:
    from patt_host import HostAPI


def build_group(host: HostAPI) -> click.Group:
    @click.group(name="identity")
    def group() -> None:
        """Accounts and players."""

    @group.command("create-officer")
    @click.option("--username", required=True, help="The login name.")
    @click.option(
        "--name", "display_name", required=True, help="The player's display name (e.g. the main's name)."
    )
    @click.option(
        "--rank",
        default=None,
        help="Rank name (default: the highest rank, the guild leader). Must be at least the officer rank.",
    )
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input (scripts).")
    async def create_officer(
        username: str, display_name: str, rank: str | None, password_stdin: bool
    ) -> None:
        """Create a player holding an officer rank, with a login: the site's first officer."""
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        async with host.db.session() as session:
            created = await officers.create_officer(
                session,
                username=username,
                display_name=display_name,
                password=password,
                rank_name=rank,
                officer_level=host.officer_level,
            )
        click.echo(
            f"created officer {created.username!r}: player {created.display_name!r} (id {created.player_id}), "
            f"rank {created.rank_name}; log in at {host.settings.public_base_url}/login"
        )

    return group
