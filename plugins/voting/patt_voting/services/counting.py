"""The counting core: points, instant runoff and Schulze on plain data. No database, no I/O.

Candidates are indices ``0..n-1`` (the ballot-paper order: a campaign's entry order, a BLT
file's candidate order); a ballot is a ranking (a tuple of distinct indices, most
preferred first) with an integer weight. Identical ballots are grouped first, so the
work grows with the number of *different* rankings, not with the number of voters.

Rules written down (docs/plugins/voting.md repeats them for officers):

- Withdrawn candidates are removed from every ballot before counting; the ranks below
  them move up.
- ``points``: with ``k`` picks a ballot gives its 1st choice ``k`` points, its 2nd ``k-1``
  ... and its ``k``-th 1. Order: points, then the number of 1st places, then 2nd places
  and so on. Candidates equal on all of these share a rank.
- ``instant_runoff`` (single winner): each round, every ballot counts for its highest
  ranked continuing candidate; a ballot with none left is *exhausted* and leaves the
  count. A candidate with more than half of the non-exhausted votes wins; otherwise
  the candidate with the fewest votes is eliminated (one per round). A tie for fewest
  is broken backwards: the tied candidate with fewer votes in the latest earlier round
  where they differ goes; if they were equal in every round, the one listed last on the
  ballot paper goes. Each round records whether and how a tie was broken. When *every*
  continuing candidate is tied and was equal in every earlier round, the count stops:
  they share first place and there is no single winner (as with the other methods).
- ``condorcet`` (Schulze, winning votes): ``pairwise[a][b]`` is the weight of ballots
  ranking ``a`` above ``b`` (a ranked candidate is above every unranked one; unranked
  candidates are equal). Strongest paths are widest paths over the pairwise defeats.
  Candidates are ordered by how many others they beat on strongest paths; equal
  counts share a rank, and several undefeated candidates mean no single winner.

Equal rankings (an *overvote*: two or more candidates marked at one rank, ``5=6`` in a BLT
file) come only from files; campaign ballots cannot hold them. One of :data:`EQUAL_RANKINGS`
decides how they count:

- ``exhaust`` (the default): a ballot whose next preference is an overvote is exhausted at
  that point; candidates already out of the count are passed over first, as on any ballot,
  so an overvote that names only one continuing candidate counts for that candidate. This is
  how Burlington (Vermont) counted its IRV elections, and RCTab's "exhaust if multiple
  continuing". A ballot whose first preference is an overvote is exhausted from round 1.
- ``exhaust_immediately``: the ballot is exhausted when the count reaches the overvote, even
  if some of its candidates are out already (Maine's rule; RCTab's "exhaust immediately").
- ``skip``: the overvoted rank is ignored and the ranks below move up (Minneapolis).
- ``split``: the ballot's vote is divided equally between the tied candidates still in the
  count (exact fractions; shown rounded to 4 places); a share moves on when its candidate
  is eliminated. Points gives each tied candidate the average points of the places the
  group covers; Condorcet treats them as equal (neither preferred to the other).

Only instant runoff eliminates candidates, so for points and Condorcet ``exhaust`` is the
same as ``exhaust_immediately``. An overvote whose candidates the file does not name (``-=-``)
is skipped under ``skip`` and ends the ballot under the other rules. Withdrawn candidates
leave a group first: ``2=3`` with 3 withdrawn is an ordinary preference for 2.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

METHODS = ("points", "instant_runoff", "condorcet")
EQUAL_RANKINGS = ("exhaust", "exhaust_immediately", "skip", "split")

Ranking = tuple[int, ...]
# A ballot with equal rankings: one group per rank, best first; () is an overvote of unnamed candidates.
Groups = tuple[tuple[int, ...], ...]
Votes = int | Fraction


@dataclass
class Election:
    """Candidates (names in ballot-paper order) and weighted ballots."""

    candidates: list[str]
    ballots: list[tuple[Ranking, int]]
    title: str = ""
    withdrawn: frozenset[int] = frozenset()
    seats: int = 1
    # Ballots holding an equal ranking (files only), as groups. Instant runoff counts them
    # itself under ``exhaust`` and ``split``; resolve_equal_rankings makes plain ballots of them
    # for the other rules and methods.
    tied_ballots: list[tuple[Groups, int]] = field(default_factory=list)
    # Weight of ballots resolved to no preference by an overvote: they count
    # in the total and sit in the exhausted pile from round 1 (as official reports show them).
    exhausted_at_start: int = 0

    def effective_ballots(self) -> list[tuple[Ranking, int]]:
        """Grouped ballots with withdrawn candidates removed; empty rankings dropped."""
        withdrawn = self.withdrawn
        ballots = self.ballots
        if withdrawn:
            ballots = [(tuple(c for c in r if c not in withdrawn), w) for r, w in ballots]
        # Unit weights (one row per voter) are counted by Counter's C loop; the rest one by one.
        grouped: Counter[Ranking] = Counter([r for r, w in ballots if w == 1 and r])
        for ranking, weight in ballots:
            if weight != 1 and weight > 0 and ranking:
                grouped[ranking] += weight
        return list(grouped.items())

    def continuing(self) -> list[int]:
        return [c for c in range(len(self.candidates)) if c not in self.withdrawn]

    def effective_tied(self) -> list[tuple[Groups, int]]:
        """Tied ballots with withdrawn candidates removed from every group."""
        out = []
        for groups, weight in self.tied_ballots:
            kept: list[tuple[int, ...]] = []
            for group in groups:
                named = tuple(c for c in group if c not in self.withdrawn)
                if named or not group:  # a rank whose candidates all withdrew is empty
                    kept.append(named)
            if kept and weight > 0:
                out.append((tuple(kept), weight))
        return out


def resolve_equal_rankings(election: Election, rule: str = "exhaust", *, keep: bool = False) -> Election:
    """``election`` with plain ballots for its tied ones, by ``rule`` (see the module docstring).

    ``keep`` leaves the tied ballots to a count that applies ``rule`` itself (instant runoff
    under ``exhaust`` and ``split``); ``split`` always keeps them.
    """
    if rule not in EQUAL_RANKINGS:
        raise ValueError(f"unknown equal-rankings rule {rule!r}; use one of {', '.join(EQUAL_RANKINGS)}")
    if not election.tied_ballots or keep or rule == "split":
        return election
    ballots = list(election.ballots)
    exhausted = election.exhausted_at_start
    for groups, weight in election.effective_tied():
        ranking: list[int] = []
        overvoted = False
        for group in groups:
            if len(group) == 1:
                ranking.append(group[0])
            elif rule == "skip":
                continue  # an overvoted rank counts for nobody; the ranks below move up
            else:
                overvoted = True  # exhaust(_immediately): the ballot ends here
                break
        if ranking:
            ballots.append((tuple(ranking), weight))
        elif overvoted:
            exhausted += weight
    return replace(election, ballots=ballots, tied_ballots=[], exhausted_at_start=exhausted)


def _json_number(value: Votes) -> int | float:
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else round(float(value), 4)
    return value


def group_ballots(rankings: Iterable[Sequence[int]]) -> list[tuple[Ranking, int]]:
    """Identical rankings become one ballot with a weight."""
    return list(Counter(tuple(r) for r in rankings).items())


@dataclass
class Round:
    counts: dict[int, Votes]
    eliminated: list[int] = field(default_factory=list)
    exhausted: Votes = 0
    tie_break: str | None = None  # None: no tie for last place; else which rule decided


@dataclass
class Standing:
    candidate: int
    rank: int  # 1-based; true ties share it
    score: Votes  # the method's headline number (points, last-round votes, pairwise wins)
    positions: list[Votes] | None = None  # points: how often ranked 1st, 2nd, ...


@dataclass
class Tally:
    method: str
    candidates: list[str]
    total_ballots: int
    winner: int | None  # None when nobody voted or several candidates share first place
    standings: list[Standing]
    rounds: list[Round]
    withdrawn: list[int] = field(default_factory=list)
    pairwise: list[list[int]] | None = None
    strongest_paths: list[list[int]] | None = None
    title: str = ""

    @property
    def tied_first(self) -> list[int]:
        return [s.candidate for s in self.standings if s.rank == 1]

    def to_dict(self) -> dict[str, Any]:
        """JSON-able, keyed by candidate name (the CLI's ``--json`` and the stored result)."""
        name = self.candidates.__getitem__
        data: dict[str, Any] = {
            "method": self.method,
            "title": self.title,
            "winner": None if self.winner is None else name(self.winner),
            "tied": [name(c) for c in self.tied_first] if len(self.tied_first) > 1 else [],
            "total_ballots": self.total_ballots,
            "candidates": list(self.candidates),
            "withdrawn": [name(c) for c in self.withdrawn],
            "standings": [
                {"candidate": name(s.candidate), "rank": s.rank, "score": _json_number(s.score)}
                | ({"positions": [_json_number(p) for p in s.positions]} if s.positions is not None else {})
                for s in self.standings
            ],
            "rounds": [
                {
                    "round": number,
                    "counts": {name(c): _json_number(v) for c, v in r.counts.items()},
                    "eliminated": [name(c) for c in r.eliminated],
                    "exhausted": _json_number(r.exhausted),
                    "tie_break": r.tie_break,
                }
                for number, r in enumerate(self.rounds, start=1)
            ],
        }
        if self.pairwise is not None:
            data["pairwise"] = self.pairwise
            data["strongest_paths"] = self.strongest_paths
        return data


def _competition_ranks(order: list[int], key) -> list[tuple[int, int]]:
    """``(candidate, rank)`` for candidates already sorted best first; equal keys share a rank."""
    ranked: list[tuple[int, int]] = []
    previous = object()
    rank = 0
    for index, candidate in enumerate(order, start=1):
        value = key(candidate)
        if value != previous:
            rank, previous = index, value
        ranked.append((candidate, rank))
    return ranked


def _total(election: Election, ballots: list[tuple[Ranking, int]], tied: list[tuple[Groups, int]]) -> int:
    return sum(w for _, w in ballots) + sum(w for _, w in tied) + election.exhausted_at_start


def _unique_first(standings: list[Standing]) -> int | None:
    firsts = [s.candidate for s in standings if s.rank == 1]
    return firsts[0] if len(firsts) == 1 else None


# --- points --------------------------------------------------------------------------------


def count_points(election: Election, picks: int | None = None) -> Tally:
    """Positional count: ``picks`` (default: the longest ballot) points for a 1st choice, down to 1."""
    ballots = election.effective_ballots()
    tied = election.effective_tied()
    longest = max(
        [len(r) for r, _ in ballots] + [sum(len(g) for g in groups) for groups, _ in tied], default=1
    )
    k = picks or longest
    candidates = election.continuing()
    positions: dict[int, list[Votes]] = {c: [0] * k for c in candidates}
    scores: dict[int, Votes] = dict.fromkeys(candidates, 0)
    for ranking, weight in ballots:
        for place, candidate in enumerate(ranking[:k]):
            positions[candidate][place] += weight
    for c in candidates:
        scores[c] = sum(n * (k - place) for place, n in enumerate(positions[c]))
    for groups, weight in tied:
        # split: a group covering places p..p+n-1 shares their points (and each place) equally.
        place = 0
        for group in groups:
            if not group or place >= k:
                break  # an overvote of unnamed candidates ends the ballot
            covered = range(place, min(place + len(group), k))
            share = Fraction(weight, len(group))
            for candidate in group:
                for p in covered:
                    positions[candidate][p] += share
                scores[candidate] += share * sum(k - p for p in covered)
            place += len(group)

    def key(c: int) -> tuple[int, ...]:
        return (scores[c], *positions[c])

    order = sorted(candidates, key=lambda c: (tuple(-v for v in key(c)), c))
    standings = [Standing(c, rank, scores[c], positions[c]) for c, rank in _competition_ranks(order, key)]
    total = _total(election, ballots, tied)
    return Tally(
        method="points",
        candidates=list(election.candidates),
        total_ballots=total,
        winner=_unique_first(standings) if total else None,
        standings=standings,
        rounds=[Round(counts={c: scores[c] for c in order})],
        withdrawn=sorted(election.withdrawn),
        title=election.title,
    )


# --- instant runoff ------------------------------------------------------------------------


def _break_last_place_tie(tied: list[int], history: list[dict[int, int]]) -> tuple[int, str]:
    """Which of the candidates tied for fewest votes is eliminated, and by which rule."""
    remaining = tied
    for earlier in reversed(history):
        fewest = min(earlier[c] for c in remaining)
        remaining = [c for c in remaining if earlier[c] == fewest]
        if len(remaining) == 1:
            return remaining[0], "earlier_round"
    return max(remaining), "ballot_order"


def count_instant_runoff(election: Election, equal_rankings: str = "exhaust") -> Tally:
    """Single-winner instant runoff (rules in the module docstring); tied ballots left on
    ``election`` count by ``equal_rankings`` (``exhaust`` or ``split``)."""
    ballots = election.effective_ballots()
    rankings = [r for r, _ in ballots]
    weights = [w for _, w in ballots]
    tied_ballots = election.effective_tied()
    split = equal_rankings == "split"
    continuing = set(election.continuing())
    alive = [c in continuing for c in range(len(election.candidates))]
    # Ballots sit in the pile of their current candidate; eliminating a candidate only
    # re-reads that pile, so the whole count reads each ballot once per position.
    # (effective_ballots dropped withdrawn entries, so every first choice is continuing.)
    # A tied ballot (index len(ballots) + j) sits on its current group: under ``exhaust`` in
    # the pile of its one continuing candidate, under ``split`` in the pile of each continuing
    # candidate of the group, each holding an equal share.
    piles: list[list[int]] = [[] for _ in alive]
    counts: list[Votes] = [0] * len(alive)
    for i, ranking in enumerate(rankings):
        piles[ranking[0]].append(i)
        counts[ranking[0]] += weights[i]
    position = [0] * len(ballots)
    exhausted: Votes = election.exhausted_at_start
    base = len(ballots)
    tied_position = [-1] * len(tied_ballots)

    def enter_group(j: int, start: int) -> None:
        """Put tied ballot ``j`` on its first group from ``start`` with a continuing candidate."""
        nonlocal exhausted
        groups, weight = tied_ballots[j]
        for p in range(start, len(groups)):
            group = groups[p]
            if not group:
                break  # an overvote of unnamed candidates ends the ballot
            members = [c for c in group if alive[c]]
            if len(members) > 1 and not split:
                break  # exhaust: an overvote of continuing candidates ends the ballot here
            if members:
                tied_position[j] = p
                share = Fraction(weight, len(members))
                for c in members:
                    piles[c].append(base + j)
                    counts[c] += share
                return
        tied_position[j] = len(groups)
        exhausted += weight

    for j in range(len(tied_ballots)):
        enter_group(j, 0)

    def transfer(loser: int) -> None:
        """Move every ballot of ``loser`` to its next continuing choice, or exhaust it."""
        nonlocal exhausted
        alive[loser] = False
        for i in piles[loser]:
            if i >= base:
                j = i - base
                groups, weight = tied_ballots[j]
                group = groups[tied_position[j]]
                members = [c for c in group if alive[c]]
                old_share = Fraction(weight, len(members) + 1)  # the loser held a share too
                for c in members:
                    counts[c] += Fraction(weight, len(members)) - old_share
                if not members:
                    enter_group(j, tied_position[j] + 1)
                continue
            ranking, p = rankings[i], position[i] + 1
            length = len(ranking)
            while p < length and not alive[ranking[p]]:
                p += 1
            if p < length:
                position[i] = p
                piles[ranking[p]].append(i)
                counts[ranking[p]] += weights[i]
            else:
                exhausted += weights[i]
        piles[loser] = []

    total = _total(election, ballots, tied_ballots)
    rounds: list[Round] = []
    history: list[dict[int, int]] = []
    eliminated_order: list[tuple[int, int]] = []  # (candidate, votes when eliminated)
    winner: int | None = None
    while continuing:
        snapshot = {c: counts[c] for c in sorted(continuing, key=lambda c: (-counts[c], c))}
        active = sum(snapshot.values())
        leader = next(iter(snapshot))
        if total == 0:
            rounds.append(Round(counts=snapshot, exhausted=exhausted))
            break
        if len(continuing) == 1 or 2 * snapshot[leader] > active:
            winner = leader
            rounds.append(Round(counts=snapshot, exhausted=exhausted))
            break
        fewest = min(snapshot.values())
        tied = [c for c in snapshot if snapshot[c] == fewest]
        rule = None
        loser = tied[0]
        if len(tied) > 1:
            loser, rule = _break_last_place_tie(tied, history)
            if len(tied) == len(snapshot) and all(len({r[c] for c in tied}) == 1 for r in history):
                # Every continuing candidate is equal now and was in every earlier round: a true
                # tie for first, not one for the ballot-paper order to decide.
                rounds.append(Round(counts=snapshot, exhausted=exhausted))
                break
        rounds.append(Round(counts=snapshot, eliminated=[loser], exhausted=exhausted, tie_break=rule))
        history.append(snapshot)
        eliminated_order.append((loser, fewest))
        continuing.discard(loser)
        transfer(loser)

    final = rounds[-1].counts if rounds else {}  # no rounds: every candidate was withdrawn
    # Winner first, then the rest of the last round by votes, then the eliminated, last out first.
    standings = [Standing(winner, 1, final[winner])] if winner is not None else []
    offset = len(standings)
    others = [c for c in final if c != winner]
    standings += [Standing(c, rank + offset, final[c]) for c, rank in _competition_ranks(others, final.get)]
    for c, votes in reversed(eliminated_order):
        standings.append(Standing(c, len(standings) + 1, votes))
    return Tally(
        method="instant_runoff",
        candidates=list(election.candidates),
        total_ballots=total,
        winner=winner,
        standings=standings,
        rounds=rounds,
        withdrawn=sorted(election.withdrawn),
        title=election.title,
    )


# --- Schulze -------------------------------------------------------------------------------


def pairwise_matrix(election: Election) -> list[list[int]]:
    """``m[a][b]``: the weight of ballots preferring ``a`` to ``b`` (withdrawn rows stay 0)."""
    n = len(election.candidates)
    matrix = [[0] * n for _ in range(n)]
    everyone = election.continuing()
    for ranking, weight in election.effective_ballots():
        below = set(everyone)
        for candidate in ranking:
            below.discard(candidate)
            row = matrix[candidate]
            for other in below:
                row[other] += weight
    for groups, weight in election.effective_tied():
        # split: candidates of one group are equal (neither preferred), above everyone below.
        below = set(everyone)
        for group in groups:
            if not group:
                break  # an overvote of unnamed candidates ends the ballot
            below.difference_update(group)
            for candidate in group:
                row = matrix[candidate]
                for other in below:
                    row[other] += weight
    return matrix


def count_condorcet(election: Election) -> Tally:
    """Schulze method (winning votes) with the pairwise matrix and strongest paths."""
    n = len(election.candidates)
    candidates = election.continuing()
    d = pairwise_matrix(election)
    p = [[d[i][j] if d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for k in candidates:
        pk = p[k]
        for i in candidates:
            if i == k:
                continue
            pi, pik = p[i], p[i][k]
            if not pik:
                continue
            for j in candidates:
                if j != i and j != k:
                    via = pik if pik < pk[j] else pk[j]
                    if via > pi[j]:
                        pi[j] = via
    wins = {i: sum(1 for j in candidates if j != i and p[i][j] > p[j][i]) for i in candidates}
    order = sorted(candidates, key=lambda c: (-wins[c], c))
    standings = [Standing(c, rank, wins[c]) for c, rank in _competition_ranks(order, wins.__getitem__)]
    undefeated = [i for i in candidates if all(p[i][j] >= p[j][i] for j in candidates if j != i)]
    total = _total(election, election.effective_ballots(), election.effective_tied())
    return Tally(
        method="condorcet",
        candidates=list(election.candidates),
        total_ballots=total,
        winner=undefeated[0] if total and len(undefeated) == 1 else None,
        standings=standings,
        rounds=[Round(counts={c: wins[c] for c in order})],
        withdrawn=sorted(election.withdrawn),
        pairwise=d,
        strongest_paths=p,
        title=election.title,
    )


def tally(
    election: Election, method: str, *, picks: int | None = None, equal_rankings: str = "exhaust"
) -> Tally:
    """Count ``election`` with one of :data:`METHODS`, equal rankings resolved by ``equal_rankings``."""
    counts_ties = method == "instant_runoff" and equal_rankings in ("exhaust", "split")
    election = resolve_equal_rankings(election, equal_rankings, keep=counts_ties)
    if method == "points":
        return count_points(election, picks)
    if method == "instant_runoff":
        return count_instant_runoff(election, equal_rankings)
    if method == "condorcet":
        return count_condorcet(election)
    raise ValueError(f"unknown counting method {method!r}; use one of {', '.join(METHODS)}")
