"""Instant runoff agrees with an independent tabulator (pyrankvote) on random elections.

pyrankvote's rules differ from ours in three documented places, so the elections compared
are drawn where the rules coincide:

- ties: pyrankvote breaks a tie by later-preference counts and then at random; ours is
  backwards then ballot order. Elections with any equal counts in a round are redrawn.
- majority: pyrankvote elects at "at least half" of the continuing ballots, ours at "more
  than half"; elections where a leader holds exactly half are redrawn.
- bulk exclusion: pyrankvote drops several hopeless candidates in one round; ours one per
  round. The winner must still agree (asserted on every tie-free election); the full
  round-by-round comparison uses the elections where pyrankvote excludes one at a time.
"""

import random

import pyrankvote
from pyrankvote import Ballot, Candidate
from pyrankvote.helpers import CandidateStatus

from patt_voting.services.counting import Election, tally

WANTED = 200


def random_election(rng: random.Random) -> tuple[Election, list[tuple[int, ...]]]:
    n = rng.randint(3, 7)
    voters = rng.randint(30, 250)
    strength = [rng.uniform(0.2, 3.0) for _ in range(n)]
    rankings = []
    for _ in range(voters):
        pool = list(range(n))
        ranking = []
        for _ in range(rng.randint(1, n)):  # partial ballots exhaust
            pick = rng.choices(pool, weights=[strength[c] for c in pool])[0]
            pool.remove(pick)
            ranking.append(pick)
        rankings.append(tuple(ranking))
    names = [f"Entry {i}" for i in range(n)]
    return Election(names, [(r, 1) for r in rankings]), rankings


def has_tie_or_exact_half(result) -> bool:
    for round_ in result.rounds:
        votes = list(round_.counts.values())
        if len(set(votes)) != len(votes) or 2 * max(votes) == sum(votes):
            return True
    return False


def pyrankvote_count(election: Election, rankings):
    candidates = [Candidate(name) for name in election.candidates]
    ballots = [Ballot(ranked_candidates=[candidates[c] for c in r]) for r in rankings]
    result = pyrankvote.instant_runoff_voting(candidates, ballots)
    index = {c: i for i, c in enumerate(candidates)}
    rounds, rejected = [], set()
    for round_ in result.rounds:
        counts = {
            index[r.candidate]: round(r.number_of_votes)
            for r in round_.candidate_results
            if index[r.candidate] not in rejected
        }
        now_rejected = {
            index[r.candidate] for r in round_.candidate_results if r.status == CandidateStatus.Rejected
        }
        rounds.append((counts, now_rejected - rejected))
        rejected |= now_rejected
    return index[result.get_winners()[0]], rounds


def test_instant_runoff_matches_pyrankvote_on_random_elections():
    rng = random.Random(20261202)
    compared = winners_compared = 0
    for _ in range(5000):
        election, rankings = random_election(rng)
        ours = tally(election, "instant_runoff")
        if has_tie_or_exact_half(ours):
            continue
        their_winner, their_rounds = pyrankvote_count(election, rankings)
        assert ours.winner == their_winner, election
        winners_compared += 1
        *eliminating, final = their_rounds
        if any(len(out) != 1 for _, out in eliminating):
            continue  # bulk exclusion: winner compared above, rounds not comparable
        assert [r.eliminated for r in ours.rounds[:-1]] == [sorted(out) for _, out in eliminating]
        assert [r.counts for r in ours.rounds] == [counts for counts, _ in their_rounds]
        compared += 1
        if compared >= WANTED:
            break
    assert compared >= WANTED, (compared, winners_compared)
    assert winners_compared >= WANTED
