"""The SavedVariables parser: a corpus of shapes, and hostile input refused in bounded time and memory."""

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from wow_sim import WowClient, make_roster

from patt_companion.luaparse import (
    MAX_FILE_BYTES,
    SavedVariablesError,
    parse_saved_variables,
    read_saved_variables,
)

CORPUS = Path(__file__).parent / "corpus"


def as_json(value):
    """Dict keys as JSON would write them (the corpus expectations are JSON files)."""
    return json.loads(json.dumps(value))


@pytest.mark.parametrize("name", sorted(p.stem for p in CORPUS.glob("*.lua")))
def test_corpus(name):
    parsed = read_saved_variables(CORPUS / f"{name}.lua")
    expected = json.loads((CORPUS / f"{name}.json").read_text(encoding="utf-8"))
    assert as_json(parsed) == expected


def test_types_are_kept():
    parsed = parse_saved_variables(b"A = { [1] = 1, [2] = 2.5, [3] = true, [5] = 'x' } B = {}")
    assert parsed == {"A": {1: 1, 2: 2.5, 3: True, 5: "x"}, "B": {}}
    assert isinstance(parsed["A"][1], int)


def test_invalid_utf8_is_replaced_not_fatal():
    assert parse_saved_variables(b'A = "ok\xff\xfeend"') == {"A": "ok\ufffd\ufffdend"}


def test_byte_order_mark_is_ignored():
    assert parse_saved_variables(b"\xef\xbb\xbfA = 1") == {"A": 1}


def test_the_game_written_file_of_a_500_member_export(tmp_path):
    roster = make_roster(500)
    client = WowClient(roster=roster)
    client.advance(1)
    path = tmp_path / "PATTSync.lua"
    client.logout(path)
    parsed = read_saved_variables(path)
    assert parsed["PATTSyncDB"] == client.db()
    notes = [c["note"] for c in parsed["PATTSyncDB"]["lastExport"]["characters"]]
    assert notes == [m["note"] for m in roster]


HOSTILE = {
    "endless loop": b"while true do end",
    "loop in a table": b"A = { (function() while true do end end)() }",
    "string library through the metatable": b"A = ('x'):rep(2^30)",
    "string library global": b"A = string.rep('x', 10)",
    "os": b"os.execute('echo pwned')",
    "io": b"A = io.open('/etc/passwd'):read('*a')",
    "require": b"A = require('os')",
    "loadstring": b"A = loadstring('return 1')()",
    "getfenv": b"A = getfenv(0)",
    "setmetatable": b"A = setmetatable({}, {})",
    "python bridge": b"A = python.eval('1')",
    "memory bomb": b"A = 'xx' for i = 1, 40 do A = A .. A end",
    "table bomb": b"A = {} for i = 1, 1e9 do A[i] = i end",
    "precompiled chunk": b"\x1bLuaQ\x00\x01\x04\x08\x04\x08\x00",
    "syntax error": b"PATTSyncDB = { ['name'] = ",
    "unfinished long string": b"A = [[ never closed",
    "too deep syntax": b"A = " + b"{" * 1000 + b"}" * 1000,
    "cycle": b"A = {} A.self = A",
    "shared sub-tables": b"A = {} " + b" ".join(b"A = {A, A}" for _ in range(60)),
    "too many values": b"A = {" + b"1," * 1_100_000 + b"}",
    "runtime error": b"error('boom')",
    "function value": b"A = function() end",
    "NaN key": b"A = {[0/0] = 1}",
    "deep nesting built at run time": b"A = {} for i = 1, 200 do A = {A} end",
}


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_input_is_refused_quickly(source):
    started = time.perf_counter()
    with pytest.raises(SavedVariablesError):
        parse_saved_variables(source)
    assert time.perf_counter() - started < 5


def test_oversized_file_is_refused_before_parsing(tmp_path):
    path = tmp_path / "PATTSync.lua"
    with path.open("wb") as handle:
        handle.write(b"A = '")
        handle.seek(MAX_FILE_BYTES + 10)
        handle.write(b"'")
    with pytest.raises(SavedVariablesError, match="larger than"):
        read_saved_variables(path)


def test_hostile_input_stays_within_a_memory_bound():
    """The bombs run in a fresh interpreter whose peak RSS is measured."""
    script = (
        "import resource, sys\n"
        "from patt_companion.luaparse import parse_saved_variables, SavedVariablesError\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "for src in sys.argv[1:]:\n"
        "    try:\n"
        "        parse_saved_variables(src.encode())\n"
        "        raise SystemExit('accepted: ' + src)\n"
        "    except SavedVariablesError:\n"
        "        pass\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before)\n"
    )
    bombs = [
        HOSTILE["memory bomb"].decode(),
        HOSTILE["table bomb"].decode(),
        HOSTILE["shared sub-tables"].decode(),
    ]
    out = subprocess.run([sys.executable, "-c", script, *bombs], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    grown_kib = int(out.stdout.strip())
    assert grown_kib < 400 * 1024  # the Lua cap is 256 MiB; nothing else may grow with the input


def test_nothing_leaks_between_parses():
    parse_saved_variables(b"Leaked = 1")
    assert parse_saved_variables(b"A = Leaked") == {}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (HOSTILE["endless loop"], "instruction limit"),
        (HOSTILE["memory bomb"], "too much memory"),
        (HOSTILE["precompiled chunk"], "precompiled"),
        (HOSTILE["os"], "attempt to index global 'os'"),
        (HOSTILE["cycle"], "used twice"),
        (HOSTILE["too many values"], "more than 1000000 values"),
        (HOSTILE["deep nesting built at run time"], "nested deeper than 64"),
        (HOSTILE["syntax error"], "SavedVariables:1:"),
        (HOSTILE["function value"], "function value"),
    ],
)
def test_errors_say_what_is_wrong(source, message):
    with pytest.raises(SavedVariablesError, match=message):
        parse_saved_variables(source)


def test_mangled_files_fail_cleanly_or_parse(tmp_path):
    """Truncated, spliced and bit-flipped game files: a SavedVariablesError or a value, never a crash."""
    import random

    from patt_companion.export import NoExportError, build_export

    client = WowClient(roster=make_roster(20))
    client.advance(1)
    client.logout(tmp_path / "PATTSync.lua")
    sources = [(tmp_path / "PATTSync.lua").read_bytes(), *(p.read_bytes() for p in CORPUS.glob("*.lua"))]
    rng = random.Random(10)
    outcomes = {"parsed": 0, "refused": 0}
    for _ in range(400):
        data = bytearray(rng.choice(sources))
        mutation = rng.randrange(3)
        if mutation == 0:
            data = data[: rng.randrange(len(data))]
        elif mutation == 1:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] = rng.randrange(256)
        else:
            start = rng.randrange(len(data))
            data[start:start] = rng.choice([b"{", b"}", b'"', b"\\", b"[[", b"--", b"\\999", b"=", b"\x00"])
        try:
            parsed = parse_saved_variables(bytes(data))
        except SavedVariablesError:
            outcomes["refused"] += 1
            continue
        outcomes["parsed"] += 1
        try:
            build_export(parsed)
        except NoExportError:
            pass
    assert outcomes["parsed"] and outcomes["refused"]
