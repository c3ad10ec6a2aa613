"""Reading and writing ballots in the BLT format (OpenSTV, Droop, ERS and most STV tools).

::

    # comment lines and trailing "# ..." comments are ignored
    4 1                 candidates, seats
    -2                  optional: withdrawn candidates as negative numbers
    3 1 3 4 0           weight, then candidate numbers (1-based) best first, then 0
    (b7) 1 2 0          an optional ballot id in parentheses is ignored
    2 1 - 3 0           "-" is a skipped rank: the ranks below move up
    1 5=6 2 0           "=" joins candidates marked at one rank (an overvote)
    1 -=- 3 0           an overvote whose candidates the file does not name
    0                   end of ballots
    "Adam"              one quoted name per candidate, in order
    "Basil"
    "Charlotte"
    "Donald"
    "Title"             the election's title

Equal rankings (``2=3``, an overvote in published election files) are kept as groups on
``Election.tied_ballots``; how they count is the caller's choice (``resolve_equal_rankings``
in :mod:`patt_voting.services.counting`: exhaust, skip or split). Names may contain ``\\"`` and ``\\\\`` escapes (written by :func:`write_blt`), so
export -> import is lossless.
"""

from __future__ import annotations

import re

from patt_voting.services.counting import Election, Groups

_QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


class BLTError(ValueError):
    """The file is not valid BLT; the message names the line."""


def _strip_comment(line: str) -> str:
    # A '#' inside a quoted name is part of the name.
    if "#" not in line:
        return line.strip()
    out, quoted, escaped = [], False, False
    for ch in line:
        if ch == "#" and not quoted:
            break
        out.append(ch)
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
    return "".join(out).strip()


def _int(token: str, line_no: int, what: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise BLTError(f"line {line_no}: {what} must be a whole number, not {token!r}") from None


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def parse_blt(text: str) -> Election:
    """Parse BLT text into an :class:`Election` (candidate indices are 0-based)."""
    lines = [(n, _strip_comment(raw)) for n, raw in enumerate(text.splitlines(), start=1)]
    lines = [(n, line) for n, line in lines if line]
    if not lines:
        raise BLTError("the file is empty")
    it = iter(lines)
    line_no, header = next(it)
    parts = header.split()
    if len(parts) != 2:
        raise BLTError(f"line {line_no}: the first line must be '<candidates> <seats>'")
    n = _int(parts[0], line_no, "the number of candidates")
    seats = _int(parts[1], line_no, "the number of seats")
    if not 1 <= n <= 10_000 or not 1 <= seats <= n:
        raise BLTError(f"line {line_no}: need 1..10000 candidates and 1..candidates seats")

    withdrawn: set[int] = set()
    ballots: list[tuple[tuple[int, ...], int]] = []
    tied: list[tuple[Groups, int]] = []
    ended = False
    for line_no, line in it:
        if line.startswith('"'):
            raise BLTError(f"line {line_no}: the ballots must end with a line holding only 0")
        tokens = line.split()
        if tokens[0].startswith("(") and tokens[0].endswith(")"):
            tokens = tokens[1:]
            if not tokens:
                raise BLTError(f"line {line_no}: a ballot id without a ballot")
        if (
            not ballots
            and not tied
            and tokens
            and tokens[0].startswith("-")
            and "=" not in tokens[0]
            and tokens[0] != "-"
        ):
            for token in tokens:
                number = -_int(token, line_no, "a withdrawn candidate")
                if not 1 <= number <= n:
                    raise BLTError(f"line {line_no}: withdrawn candidate {token} is not between -1 and -{n}")
                withdrawn.add(number - 1)
            continue
        if tokens == ["0"]:
            ended = True
            break
        weight = _int(tokens[0], line_no, "a ballot weight")
        if weight < 0 or tokens[-1] != "0":
            raise BLTError(f"line {line_no}: a ballot is '<weight> <candidates...> 0'")
        groups: list[tuple[int, ...]] = []
        seen: set[int] = set()
        for token in tokens[1:-1]:
            if token == "-":
                continue
            group: list[int] = []
            for part in token.split("="):
                if part == "-":
                    continue  # a mark the file does not name
                number = _int(part, line_no, "a candidate number")
                if not 1 <= number <= n:
                    raise BLTError(f"line {line_no}: candidate {number} is not between 1 and {n}")
                if number - 1 in seen:
                    raise BLTError(f"line {line_no}: candidate {number} is ranked twice")
                seen.add(number - 1)
                group.append(number - 1)
            if "=" in token and "-" in token.split("="):
                group = []  # an overvote with unnamed marks: who was marked is unknown
            groups.append(tuple(group))
        if all(len(g) == 1 for g in groups):
            ballots.append((tuple(g[0] for g in groups), weight))
        else:
            tied.append((tuple(groups), weight))
    if not ended:
        raise BLTError("the ballots must end with a line holding only 0")

    rest = "\n".join(line for _, line in it)
    names = [_unescape(m) for m in _QUOTED.findall(rest)]
    if len(names) < n:
        raise BLTError(f"expected {n} quoted candidate names after the ballots, found {len(names)}")
    title = names[n] if len(names) > n else ""
    return Election(
        candidates=names[:n],
        ballots=ballots,
        title=title,
        withdrawn=frozenset(withdrawn),
        seats=seats,
        tied_ballots=tied,
    )


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_blt(election: Election) -> str:
    """BLT text for ``election``; identical ballots are written once with their weight."""
    lines = [f"{len(election.candidates)} {election.seats}"]
    if election.withdrawn:
        lines.append(" ".join(f"-{c + 1}" for c in sorted(election.withdrawn)))
    grouped: dict[tuple[int, ...], int] = {}
    for ranking, weight in election.ballots:
        grouped[ranking] = grouped.get(ranking, 0) + weight
    for ranking, weight in sorted(grouped.items()):
        lines.append(" ".join([str(weight), *(str(c + 1) for c in ranking), "0"]))
    lines.append("0")
    lines.extend(_quote(name) for name in election.candidates)
    lines.append(_quote(election.title))
    return "\n".join(lines) + "\n"
