"""``patt mito import FILE``: add quotes (or titles) from a text file, one per line."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click

from patt_mito import service

if TYPE_CHECKING:
    from patt_host import HostAPI


def build_group(host: HostAPI) -> click.Group:
    @click.group(name="mito")
    def group() -> None:
        """Mito's corner."""

    @group.command("import")
    @click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--titles", is_flag=True, help="The lines are titles, not quotes.")
    async def import_file(file: Path, titles: bool) -> None:
        """Add every non-blank line of FILE (UTF-8); lines already present are skipped."""
        kind = "titles" if titles else "quotes"
        try:
            lines = (await asyncio.to_thread(file.read_text, encoding="utf-8")).splitlines()
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"{file} is not UTF-8 text") from exc
        async with host.db.session() as session:
            counts = await service.import_lines(session, kind, lines)
        click.echo(f"imported {counts['added']} {kind}, skipped {counts['duplicates']} already present")

    return group
