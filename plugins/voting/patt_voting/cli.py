"""``patt voting ...``: commands that need no database (counting a BLT file)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from patt_host import standalone
from patt_voting.services.blt import BLTError, parse_blt
from patt_voting.services.counting import EQUAL_RANKINGS, METHODS, Tally, tally


def _print_tally(result: Tally, equal_rankings: str, overvotes: int) -> None:
    data = result.to_dict()
    click.echo(f"{data['title'] or 'Election'}: {data['total_ballots']} ballots, method {data['method']}")
    if overvotes:
        click.echo(f"  {overvotes} ballots with equal rankings, counted by the rule '{equal_rankings}'")
    for round_ in data["rounds"]:
        counts = ", ".join(f"{name} {votes}" for name, votes in round_["counts"].items())
        line = f"  round {round_['round']}: {counts}"
        if round_["exhausted"]:
            line += f"; exhausted {round_['exhausted']}"
        if round_["eliminated"]:
            line += f"; eliminated {', '.join(round_['eliminated'])}"
            if round_["tie_break"]:
                line += f" (tie broken by {round_['tie_break'].replace('_', ' ')})"
        click.echo(line)
    for standing in data["standings"]:
        click.echo(f"  {standing['rank']:>3}. {standing['candidate']} ({standing['score']})")
    if data["winner"] is not None:
        click.echo(f"Winner: {data['winner']}")
    elif data["tied"]:
        click.echo(f"Tie for first place: {', '.join(data['tied'])}")
    else:
        click.echo("No winner (no ballots).")


def build_cli() -> click.Group:
    @click.group(name="voting")
    def voting() -> None:
        """Voting: count ballots (no database needed)."""

    @voting.command(name="tally")
    @click.argument("blt_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--method", type=click.Choice(METHODS), default="instant_runoff", show_default=True)
    @click.option("--picks", type=click.IntRange(1, 10_000), default=None, help="points: picks per voter")
    @click.option(
        "--equal-rankings",
        type=click.Choice(EQUAL_RANKINGS),
        default="exhaust",
        show_default=True,
        help="How an overvote (5=6 on a ballot line) counts; see docs/operators/voting.md.",
    )
    @click.option("--json", "as_json", is_flag=True, help="Print the full result as JSON.")
    @standalone  # a file count: no database, no embedded PostgreSQL
    def tally_command(
        blt_file: Path, method: str, picks: int | None, equal_rankings: str, as_json: bool
    ) -> None:
        """Count the ballots of a BLT file with METHOD."""
        try:
            election = parse_blt(blt_file.read_text(encoding="utf-8-sig"))
        except (BLTError, UnicodeDecodeError) as exc:
            raise click.ClickException(f"{blt_file}: {exc}") from None
        result = tally(election, method, picks=picks, equal_rankings=equal_rankings)
        if as_json:
            data = result.to_dict() | {"equal_rankings": equal_rankings}
            click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        else:
            _print_tally(result, equal_rankings, sum(w for _, w in election.tied_ballots))

    return voting
