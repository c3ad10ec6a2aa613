"""BLT audit files: reading what election tools write, writing what they read, losslessly."""

import json
import random
import re

import pytest
from click.testing import CliRunner

from patt_host import cli as cli_module
from patt_voting.services.blt import BLTError, parse_blt, write_blt
from patt_voting.services.counting import Election, tally

SAMPLE = """\
# An OpenSTV-style file with everything the format allows
4 1
-4
3 1 3 4 0      # three voters: Adam > Charlotte > (Donald)
(b2) 4 1 3 2 0
2 4 1 3 0
1 2 - 3 0
0
"Adam"
"Basil # not a comment"
"Charlotte"
"Donald"
"Spring \\"art\\" vote"
"""


def test_parse_handles_comments_ids_withdrawn_and_skipped_ranks():
    election = parse_blt(SAMPLE)
    assert election.candidates == ["Adam", "Basil # not a comment", "Charlotte", "Donald"]
    assert election.title == 'Spring "art" vote'
    assert election.withdrawn == frozenset({3})
    assert election.ballots == [((0, 2, 3), 3), ((0, 2, 1), 4), ((3, 0, 2), 2), ((1, 2), 1)]
    # Donald is withdrawn: his two first preferences go to Adam.
    assert tally(election, "instant_runoff").rounds[0].counts == {0: 9, 1: 1, 2: 0}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("3\n", "first line"),
        ('2 1\n1 1 2\n0\n"a"\n"b"\n', "'<weight> <candidates...> 0'"),
        ('2 1\n1 1 3 0\n0\n"a"\n"b"\n', "candidate 3 is not between 1 and 2"),
        ('2 1\n1 1 1 0\n0\n"a"\n"b"\n', "ranked twice"),
        ('2 1\n1 1=1 0\n0\n"a"\n"b"\n', "candidate 1 is ranked twice"),
        ('2 1\n1 2 1=2 0\n0\n"a"\n"b"\n', "candidate 2 is ranked twice"),
        ('2 1\n1 1=x 0\n0\n"a"\n"b"\n', "line 2: a candidate number must be a whole number, not 'x'"),
        ('2 1\n1 1=3 0\n0\n"a"\n"b"\n', "candidate 3 is not between 1 and 2"),
        ('2 1\n1 1 2 0\n"a"\n"b"\n', "line holding only 0"),
        ('2 1\n1 1 2 0\n0\n"a"\n', "expected 2 quoted candidate names"),
        ('2 1\nx 1 2 0\n0\n"a"\n"b"\n', "line 2: a ballot weight"),
        ('2 1\n(b1)\n0\n"a"\n"b"\n', "line 2: a ballot id without a ballot"),
    ],
)
def test_invalid_files_are_refused_with_the_reason(text, message):
    with pytest.raises(BLTError, match=re.escape(message)):
        parse_blt(text)


def test_equal_rankings_are_kept_as_groups_with_unnamed_overvotes_empty():
    election = parse_blt('3 1\n-3\n2 1 2=3 0\n1 -=- 2 0\n1 3=1 2 0\n4 2 1 0\n0\n"A"\n"B"\n"C"\n"T"\n')
    assert election.ballots == [((1, 0), 4)]
    assert election.tied_ballots == [(((0,), (1, 2)), 2), (((), (1,)), 1), (((2, 0), (1,)), 1)]
    # C is withdrawn: "2=3" is a plain preference for B, "3=1" one for A.
    assert election.effective_tied() == [(((0,), (1,)), 2), (((), (1,)), 1), (((0,), (1,)), 1)]


def test_export_then_import_is_lossless():
    rng = random.Random(7)
    names = ['Quote " and \\ slash', "Hash # inside", "Ünïcode ✓", "Plain"]
    rankings = [tuple(rng.sample(range(4), rng.randint(1, 4))) for _ in range(300)]
    grouped: dict = {}
    for r in rankings:
        grouped[r] = grouped.get(r, 0) + 1
    original = Election(names, sorted(grouped.items()), title="Round-trip # 1", withdrawn=frozenset({2}))
    again = parse_blt(write_blt(original))
    assert again.candidates == original.candidates
    assert again.title == original.title
    assert again.withdrawn == original.withdrawn
    assert sorted(again.ballots) == sorted(original.ballots)
    for method in ("points", "instant_runoff", "condorcet"):
        assert tally(again, method).to_dict() == tally(original, method).to_dict()


def run_cli(*args):
    return CliRunner().invoke(cli_module.cli, ["--site", "patt", *args])


def test_cli_tally_json_without_a_database(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://nobody@127.0.0.1:9/none")  # never contacted
    path = tmp_path / "vote.blt"
    path.write_text(SAMPLE)
    result = run_cli("voting", "tally", str(path), "--method", "instant_runoff", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["winner"] == "Adam"
    assert data["method"] == "instant_runoff"
    assert data["rounds"][0]["counts"] == {"Adam": 9, "Basil # not a comment": 1, "Charlotte": 0}
    assert data["rounds"][0]["eliminated"] == []


def test_cli_tally_each_method_in_text(tmp_path):
    path = tmp_path / "vote.blt"
    path.write_text(SAMPLE)
    for method, expected in [("points", "Winner: Adam"), ("condorcet", "Winner: Adam")]:
        result = run_cli("voting", "tally", str(path), "--method", method)
        assert result.exit_code == 0, result.output
        assert expected in result.output


def test_cli_reports_a_bad_file_without_a_traceback(tmp_path):
    path = tmp_path / "bad.blt"
    path.write_text("2 1\n1 1 5 0\n0\n")
    result = run_cli("voting", "tally", str(path))
    assert result.exit_code == 1
    assert "candidate 5 is not between 1 and 2" in result.output


def test_cli_counts_a_file_whose_candidates_are_all_withdrawn(tmp_path):
    path = tmp_path / "withdrawn.blt"
    path.write_text('2 1\n-1 -2\n3 1 2 0\n0\n"Adam"\n"Basil"\n"All out"\n')
    for method in ("instant_runoff", "points", "condorcet"):
        result = run_cli("voting", "tally", str(path), "--method", method, "--json")
        assert result.exit_code == 0, (method, result.output)
        data = json.loads(result.output)
        assert (data["winner"], data["total_ballots"], data["withdrawn"]) == (None, 0, ["Adam", "Basil"])
