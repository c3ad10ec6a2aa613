"""Counting real elections: the Burlington (Vermont) mayoral IRV elections of 2009 and 2006 against
their officially published round-by-round results (files and sources: elections/README.md).

Both files hold real overvotes (``5=6``): the default rule (``exhaust``) reproduces the official
counts exactly; the other rules are checked against what they must change.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from patt_voting.services.blt import parse_blt
from patt_voting.services.counting import EQUAL_RANKINGS, tally

ELECTIONS = Path(__file__).parent / "elections"
BURLINGTON_2009 = ELECTIONS / "2009-burlington-mayor.blt"


def election(name: str):
    return parse_blt((ELECTIONS / name).read_text(encoding="utf-8"))


# The city's detail report: (counts of continuing candidates, exhausted pile), per round.
BURLINGTON_2009_OFFICIAL = [
    (
        {
            "Kurt Wright": 2951,
            "Bob Kiss": 2585,
            "Andy Montroll": 2063,
            "Dan Smith": 1306,
            "Write-in": 36,
            "James Simpson": 35,
        },
        4,
    ),
    ({"Kurt Wright": 3294, "Bob Kiss": 2981, "Andy Montroll": 2554}, 151),
    ({"Bob Kiss": 4313, "Kurt Wright": 4061}, 606),
]


def rounds_of(result: dict) -> list[tuple[dict, object]]:
    return [(r["counts"], r["exhausted"]) for r in result["rounds"]]


def test_burlington_2009_matches_the_official_report_round_by_round():
    blt = election("2009-burlington-mayor.blt")
    assert len(blt.tied_ballots) == 6  # real overvotes, e.g. "5=6"
    result = tally(blt, "instant_runoff").to_dict()
    assert result["total_ballots"] == 8980  # the report's valid ballots; 4 blank ones are not counted
    ours = rounds_of(result)
    assert ours[0] == BURLINGTON_2009_OFFICIAL[0]
    # The city dropped Smith, Write-in and Simpson together; our one-by-one rounds pass through
    # the same state, and every official round is one of ours, in order.
    positions = [ours.index(official) for official in BURLINGTON_2009_OFFICIAL]
    assert positions == sorted(positions)
    assert ours[-1] == BURLINGTON_2009_OFFICIAL[-1]
    assert result["winner"] == "Bob Kiss"


def test_burlington_2006_matches_the_published_first_and_final_rounds():
    blt = election("2006-burlington-mayor.blt")
    assert len(blt.tied_ballots) == 32
    result = tally(blt, "instant_runoff").to_dict()
    first, final = result["rounds"][0]["counts"], result["rounds"][-1]["counts"]
    assert {k: first[k] for k in ("Bob Kiss", "Hinda Miller", "Kevin J. Curley")} == {
        "Bob Kiss": 3809,
        "Hinda Miller": 3106,
        "Kevin J. Curley": 2609,
    }
    assert (first["Louie The Cowman Beaudin"], first["Loyal Ploof"]) == (119, 57)
    assert final == {"Bob Kiss": 4761, "Hinda Miller": 3986}
    assert result["winner"] == "Bob Kiss"


@pytest.mark.parametrize(
    ("name", "loser", "official"),
    [("2009-burlington-mayor.blt", "Kurt Wright", 4061), ("2006-burlington-mayor.blt", "Hinda Miller", 3986)],
)
def test_exhausting_an_overvote_whose_other_candidates_are_out_differs_from_the_official_count(
    name, loser, official
):
    # One ballot in each file reaches an overvote after one of its candidates was eliminated
    # (2009: "2 4 3=5 1" after Simpson went). Burlington counted it for the one still in the
    # count; Maine's rule (exhaust_immediately) exhausts it: one vote fewer in the final round.
    default = tally(election(name), "instant_runoff").to_dict()
    maine = tally(election(name), "instant_runoff", equal_rankings="exhaust_immediately").to_dict()
    assert default["rounds"][-1]["counts"][loser] == official
    assert maine["rounds"][-1]["counts"][loser] == official - 1
    assert maine["rounds"][-1]["exhausted"] == default["rounds"][-1]["exhausted"] + 1


def test_skip_counts_the_ranks_below_an_overvote_and_split_shares_it():
    blt = election("2009-burlington-mayor.blt")
    skip = tally(blt, "instant_runoff", equal_rankings="skip").to_dict()
    # The four ballots with an overvote first ("5=6 4 2 3 1", "1=6 5 2 4 3", ...) count for their 2nd rank.
    assert skip["rounds"][0]["exhausted"] == 0
    assert skip["rounds"][0]["counts"]["Kurt Wright"] == 2951 + 1  # "1=6 5 2 4 3"
    assert skip["rounds"][0]["counts"]["Andy Montroll"] == 2063 + 2  # "5=6 2 1 4", "5=6 2"
    split = tally(blt, "instant_runoff", equal_rankings="split").to_dict()
    first = split["rounds"][0]["counts"]
    # 5=6 three times and 1=6 once: half a vote each to Wright (5), Write-in (6) and Kiss (1).
    assert (first["Kurt Wright"], first["Write-in"], first["Bob Kiss"]) == (2952.5, 38, 2585.5)
    assert split["rounds"][0]["exhausted"] == 0
    # Shares move on whole: after Write-in's elimination each 5=6 ballot is Wright's entirely.
    assert split["rounds"][1]["counts"]["Kurt Wright"] == 2956.5
    for result in (skip, split):
        assert result["winner"] == "Bob Kiss"
        assert result["total_ballots"] == 8980


@pytest.mark.parametrize("rule", EQUAL_RANKINGS)
@pytest.mark.parametrize("method", ["points", "condorcet"])
def test_every_rule_counts_the_real_file_with_every_method(rule, method):
    result = tally(election("2009-burlington-mayor.blt"), method, equal_rankings=rule).to_dict()
    # Montroll is the famous Condorcet winner of 2009 (and first on points).
    assert result["winner"] == "Andy Montroll"
    assert result["total_ballots"] == 8980


def test_cli_tallies_the_real_file_without_any_database(tmp_path):
    """``patt voting tally`` is a file count: no DATABASE_URL, nothing reachable, and no embedded
    PostgreSQL is started (its data directory stays absent)."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PATT_DATA_DIR": str(tmp_path / "var"),
        "PATT_SITE": "patt",
    }
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from patt_host.cli import main; main()",
            "voting",
            "tally",
            str(BURLINGTON_2009),
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert (data["winner"], data["equal_rankings"]) == ("Bob Kiss", "exhaust")
    assert data["rounds"][-1]["counts"] == {"Bob Kiss": 4313, "Kurt Wright": 4061}
    assert not (tmp_path / "var").exists()  # nothing was started or created
