"""The counting core on hand-checked elections: points, instant runoff, Schulze."""

import pytest

from patt_voting.services.counting import Election, group_ballots, tally

NAMES = ["Alder", "Birch", "Cedar", "Dogwood"]
A, B, C, D = range(4)


def election(*ballots, withdrawn=(), names=NAMES):
    return Election(list(names), [(tuple(r), w) for r, w in ballots], withdrawn=frozenset(withdrawn))


# --- points ------------------------------------------------------------------------------------


def test_points_gives_k_down_to_one_and_orders_by_points_then_places():
    e = election(((A, B, C), 2), ((B, C, A), 1), ((C, B), 1))
    result = tally(e, "points")
    # A: 2*3 + 1 = 7; B: 2*2 + 3 + 2 = 9; C: 2*1 + 2 + 3 = 7; D: 0
    assert result.rounds[0].counts == {B: 9, A: 7, C: 7, D: 0}
    assert result.winner == B
    # A and C both have 7 points; A has 2 first places, C has 1.
    assert [(s.candidate, s.rank) for s in result.standings] == [(B, 1), (A, 2), (C, 3), (D, 4)]
    assert result.standings[1].positions == [2, 0, 1]


def test_points_true_tie_shares_a_rank_and_has_no_single_winner():
    e = election(((A, B), 1), ((B, A), 1))
    result = tally(e, "points")
    assert [(NAMES[s.candidate], s.rank) for s in result.standings] == [
        ("Alder", 1),
        ("Birch", 1),
        ("Cedar", 3),
        ("Dogwood", 3),
    ]
    assert result.winner is None
    assert result.to_dict()["tied"] == ["Alder", "Birch"]


def test_points_uses_the_campaigns_picks_not_the_longest_ballot():
    # Five picks per voter: a lone first choice is worth 5 (the seed's 3/2/1 capped at three).
    result = tally(election(((A,), 1), ((B, C, D, A), 1), names=NAMES), "points", picks=5)
    assert result.rounds[0].counts[A] == 5 + 2
    assert result.rounds[0].counts[D] == 3


# --- instant runoff ------------------------------------------------------------------------------


def test_instant_runoff_transfers_and_counts_exhausted_ballots():
    e = election(((A,), 4), ((B, C), 3), ((C, B), 2), ((D,), 1))
    result = tally(e, "instant_runoff")
    rounds = [(r.counts, r.eliminated, r.exhausted) for r in result.rounds]
    assert rounds == [
        ({A: 4, B: 3, C: 2, D: 1}, [D], 0),
        ({A: 4, B: 3, C: 2}, [C], 1),  # D's ballot is exhausted
        ({B: 5, A: 4}, [], 1),  # 5 of 9 continuing votes is a majority
    ]
    assert result.winner == B
    assert [(s.candidate, s.rank, s.score) for s in result.standings] == [
        (B, 1, 5),
        (A, 2, 4),
        (C, 3, 2),
        (D, 4, 1),
    ]


def test_instant_runoff_first_round_majority_needs_more_than_half():
    exactly_half = tally(election(((A,), 2), ((B,), 1), ((C,), 1)), "instant_runoff")
    assert len(exactly_half.rounds) > 1
    majority = tally(election(((A,), 3), ((B,), 1), ((C,), 1)), "instant_runoff")
    assert len(majority.rounds) == 1 and majority.winner == A


def test_last_place_tie_is_broken_by_the_latest_earlier_round():
    e = election(((A,), 5), ((B,), 3), ((C,), 2), ((D, C), 1))
    result = tally(e, "instant_runoff")
    # Round 1 eliminates D (1); round 2 has B 3, C 3 tied for last: C had fewer in round 1.
    assert result.rounds[1].counts == {A: 5, B: 3, C: 3}
    assert result.rounds[1].eliminated == [C]
    assert result.rounds[1].tie_break == "earlier_round"


def test_tie_equal_in_every_round_eliminates_the_later_ballot_paper_entry():
    e = election(((A,), 2), ((B,), 1), ((C,), 1), names=NAMES[:3])
    result = tally(e, "instant_runoff")
    assert result.rounds[0].eliminated == [C]
    assert result.rounds[0].tie_break == "ballot_order"
    assert result.winner == A


def test_withdrawn_candidates_are_skipped_on_every_ballot():
    e = election(((D, B), 3), ((A,), 2), withdrawn=[D])
    result = tally(e, "instant_runoff")
    assert result.rounds[0].counts == {B: 3, A: 2, C: 0}
    assert D not in [s.candidate for s in result.standings]
    assert result.to_dict()["withdrawn"] == ["Dogwood"]


def test_no_ballots_means_no_winner_for_every_method():
    for method in ("points", "instant_runoff", "condorcet"):
        result = tally(election(), method)
        assert result.winner is None, method
        assert result.total_ballots == 0


# --- Schulze -------------------------------------------------------------------------------------


def test_condorcet_winner_beats_everyone_pairwise():
    # Wikipedia-style: A is preferred to every other entry by a majority, though not the plurality.
    e = election(((B, A, C), 4), ((C, A, B), 3), ((A, C, B), 2), names=NAMES[:3])
    result = tally(e, "condorcet")
    assert result.pairwise[A][B] == 5 and result.pairwise[B][A] == 4
    assert result.pairwise[A][C] == 6 and result.pairwise[C][A] == 3
    assert result.winner == A
    # IRV on the same ballots eliminates A first (the centre squeeze).
    assert tally(e, "instant_runoff").rounds[0].eliminated == [A]


def test_schulze_resolves_a_cycle_by_strongest_paths():
    # The classic 45-voter example (Schulze 2011): E wins.
    names = ["A", "B", "C", "D", "E"]
    a, b, c, d, e_ = range(5)
    ballots = [
        ((a, c, b, e_, d), 5),
        ((a, d, e_, c, b), 5),
        ((b, e_, d, a, c), 8),
        ((c, a, b, e_, d), 3),
        ((c, a, e_, b, d), 7),
        ((c, b, a, d, e_), 2),
        ((d, c, e_, b, a), 7),
        ((e_, b, a, d, c), 8),
    ]
    result = tally(Election(names, ballots), "condorcet")
    assert result.pairwise[a][b] == 20 and result.pairwise[b][a] == 25
    assert result.strongest_paths[e_][a] == 25 and result.strongest_paths[a][e_] == 24
    assert [names[s.candidate] for s in result.standings] == ["E", "A", "C", "B", "D"]
    assert result.winner == e_


def test_condorcet_exact_tie_shares_first_place():
    result = tally(election(((A, B), 1), ((B, A), 1)), "condorcet")
    assert result.winner is None
    assert sorted(s.candidate for s in result.standings if s.rank == 1) == [A, B]


def test_group_ballots_weights_identical_rankings():
    assert sorted(group_ballots([[0, 1], (0, 1), [1]])) == [((0, 1), 2), ((1,), 1)]


def test_instant_runoff_final_tie_equal_in_every_round_is_shared_not_decided_by_ballot_order():
    # Alder and Birch end 2-2 and were equal in every round: a true tie, whatever the entry order.
    e = election(((A,), 2), ((B,), 2))
    result = tally(e, "instant_runoff")
    assert [r.eliminated for r in result.rounds] == [[D], [C], []]
    assert result.rounds[-1].counts == {A: 2, B: 2}
    assert result.winner is None
    assert result.to_dict()["tied"] == ["Alder", "Birch"]
    assert [(s.candidate, s.rank) for s in result.standings] == [(A, 1), (B, 1), (C, 3), (D, 4)]


def test_instant_runoff_final_tie_broken_by_an_earlier_round_still_has_a_winner():
    # 3-3 at the end, but Birch had fewer in round 1 (2 against 3): Birch goes, Alder wins.
    e = election(((A,), 3), ((B,), 2), ((C, B), 1), names=NAMES[:3])
    result = tally(e, "instant_runoff")
    assert result.rounds[1].counts == {A: 3, B: 3}
    assert result.rounds[1].tie_break == "earlier_round" and result.winner == A


def test_every_candidate_withdrawn_gives_no_winner_for_every_method():
    e = election(((A, B), 1), withdrawn=[A, B, C, D])
    for method in ("points", "instant_runoff", "condorcet"):
        result = tally(e, method)
        assert (result.winner, result.total_ballots, result.standings) == (None, 0, []), method


def test_instant_runoff_three_way_final_tie_with_one_ahead_earlier_is_not_shared():
    # Round 1: A 3, B 2, C 2, D 2 -> D out (ballot order), one ballot each to B and C.
    e = election(((A,), 3), ((B,), 2), ((C,), 2), ((D, B), 1), ((D, C), 1))
    result = tally(e, "instant_runoff")
    assert result.rounds[1].counts == {A: 3, B: 3, C: 3}
    # B and C were equal in every round, A was ahead in round 1: the tie for last is broken.
    assert result.rounds[1].eliminated == [C] and result.rounds[1].tie_break == "ballot_order"
    assert result.winner is not None


def test_condorcet_short_ballots_rank_listed_entries_above_unlisted_ones():
    # A x2; B > C x2; C x1. Unlisted entries are equal to each other and below listed ones.
    e = election(((A,), 2), ((B, C), 2), ((C,), 1), names=NAMES[:3])
    result = tally(e, "condorcet")
    assert result.pairwise == [[0, 2, 2], [2, 0, 2], [3, 1, 0]]
    # A-B is a 2-2 tie; B reaches A through C (B>C 2, C>A 3): strength 2.
    assert result.strongest_paths[B][A] == 2 and result.strongest_paths[A][B] == 0
    assert [(NAMES[s.candidate], s.rank, s.score) for s in result.standings] == [
        ("Birch", 1, 2),
        ("Cedar", 2, 1),
        ("Alder", 3, 0),
    ]
    assert result.winner == B


# --- equal rankings (overvotes in files) ----------------------------------------------------


def tied(candidates, plain, tied_ballots, **kw):
    return Election(candidates, plain, tied_ballots=tied_ballots, **kw)


def test_exhaust_passes_over_eliminated_candidates_of_an_overvote():
    # C is eliminated first; the ballot "C, A=C... " shape: A=C after B counts for A once C is out.
    e = tied(
        ["A", "B", "C"],
        [((0,), 4), ((1,), 4), ((2,), 1)],
        [(((2,), (0, 2), (1,)), 1), (((0, 1), (2,)), 2)],
    )
    result = tally(e, "instant_runoff").to_dict()
    # Round 1: C 2 (one plain + one "C, A=C, B"); the A=B ballots are overvoted first: exhausted.
    assert result["rounds"][0]["counts"] == {"A": 4, "B": 4, "C": 2}
    assert result["rounds"][0]["exhausted"] == 2
    # C goes: "C, A=C, B" reaches A=C whose only continuing candidate is A: it counts for A.
    assert result["rounds"][1]["counts"] == {"A": 5, "B": 4}
    assert result["winner"] == "A"
    maine = tally(e, "instant_runoff", equal_rankings="exhaust_immediately").to_dict()
    assert maine["rounds"][1]["counts"] == {"A": 4, "B": 4}
    assert maine["rounds"][1]["exhausted"] == 4


def test_split_moves_a_share_on_when_its_candidate_is_eliminated():
    e = tied(["A", "B", "C"], [((0,), 3), ((1,), 3)], [(((0, 2), (1,)), 2), (((2, 1, 0),), 3)])
    result = tally(e, "instant_runoff", equal_rankings="split").to_dict()
    # A=C: 1 each; A=B=C: 1 each.
    assert result["rounds"][0]["counts"] == {"A": 5, "B": 4, "C": 2}
    # C goes: A=C ballots are A's entirely (+1); A=B=C gives A and B 1.5 each (+0.5 each).
    assert result["rounds"][1]["counts"] == {"A": 6.5, "B": 4.5}
    assert result["total_ballots"] == 11
    assert result["winner"] == "A"


def test_skip_ignores_the_overvoted_rank_and_unnamed_overvotes():
    e = tied(["A", "B"], [((0,), 1)], [(((0, 1), (1,)), 3), (((), (1,)), 1)])
    skip = tally(e, "instant_runoff", equal_rankings="skip").to_dict()
    assert skip["rounds"][0]["counts"] == {"B": 4, "A": 1}
    exhaust = tally(e, "instant_runoff").to_dict()
    assert exhaust["rounds"][0] == exhaust["rounds"][-1]
    assert (exhaust["rounds"][0]["counts"], exhaust["rounds"][0]["exhausted"]) == ({"A": 1, "B": 0}, 4)
    assert exhaust["total_ballots"] == 5


def test_points_split_shares_the_places_and_condorcet_treats_tied_as_equal():
    e = tied(["A", "B", "C"], [((2, 0, 1), 1)], [(((0, 1), (2,)), 2)])
    points = tally(e, "points", equal_rankings="split").to_dict()
    # A=B cover places 1 and 2 (3 and 2 points): 2.5 each per ballot, two ballots.
    assert {s["candidate"]: s["score"] for s in points["standings"]} == {"A": 7, "B": 6, "C": 5}
    condorcet = tally(e, "condorcet", equal_rankings="split").to_dict()
    a, b, c = 0, 1, 2
    assert condorcet["pairwise"][a][b] == 1 and condorcet["pairwise"][b][a] == 0
    assert condorcet["pairwise"][a][c] == 2 and condorcet["pairwise"][c][a] == 1


def test_unknown_rule_is_refused():
    with pytest.raises(ValueError, match="equal-rankings rule"):
        tally(tied(["A", "B"], [], [(((0, 1),), 1)]), "points", equal_rankings="coin")
