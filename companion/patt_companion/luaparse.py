"""Reads SavedVariables files with the real Lua 5.1 parser, in a sandbox.

A SavedVariables file is Lua source that assigns globals. Instead of a hand-written parser
(the original broke on escapes and long strings) the file is compiled and run by Lua 5.1
itself (lupa), so every string escape, long string, comment and table form is read exactly
as the game reads it. The file is untrusted, so the chunk:

- runs in an empty environment: no library, no global function is reachable, and the string
  metatable's ``__index`` is removed so ``("x"):rep(...)`` is out of reach too;
- may not be precompiled bytecode (Lua 5.1 bytecode can break the VM);
- is stopped after an instruction budget (count hook) and a memory cap (lupa ``max_memory``);
- is refused above a size limit before it is read, and converted to Python with bounds on
  checked in Lua (a tree, no shared or cyclic tables, bounded depth and size) before Python
  converts it.

Each parse gets a fresh Lua state, so nothing leaks from one file into the next.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lupa.lua51 as lua51

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_MEMORY_BYTES = 256 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 1_000_000
BASE_INSTRUCTIONS = 5_000_000

# Runs once in a fresh state: keeps private references to the few functions the sandbox
# needs, then empties the globals so the untrusted chunk (and anything else) sees nothing.
_SANDBOX = b"""
local loadstring, setfenv, sethook, pcall, error, byte, next, type =
    loadstring, setfenv, debug.sethook, pcall, error, string.byte, next, type
getmetatable("").__index = nil
local G = _G
for name in pairs(G) do G[name] = nil end

-- Saved data is a tree of plain values: refuse shared or cyclic tables, other value types,
-- and trees too deep or too big, before Python converts anything.
local function check(root, maxDepth, maxValues)
    local seen, count = {}, 0
    local function walk(t, depth)
        if depth > maxDepth then
            error("tables nested deeper than " .. maxDepth .. " levels", 0)
        end
        if seen[t] then
            error("a table is used twice (shared or cyclic tables are not saved data)", 0)
        end
        seen[t] = true
        for k, v in next, t do
            count = count + 1
            if count > maxValues then
                error("more than " .. maxValues .. " values", 0)
            end
            local kt, vt = type(k), type(v)
            if kt ~= "string" and kt ~= "number" and kt ~= "boolean" then
                error("a " .. kt .. " cannot be a table key in saved data", 0)
            end
            if vt == "table" then
                walk(v, depth + 1)
            elseif vt ~= "string" and vt ~= "number" and vt ~= "boolean" then
                error("a " .. vt .. " value cannot be saved data", 0)
            end
        end
    end
    walk(root, 0)
end

return function(source, limit, maxDepth, maxValues)
    if byte(source, 1) == 27 then
        return false, "precompiled Lua chunks are not accepted"
    end
    local chunk, err = loadstring(source, "=SavedVariables")
    if not chunk then
        return false, err
    end
    local env = {}
    setfenv(chunk, env)
    sethook(function() error("too much work: instruction limit reached", 0) end, "", limit)
    local ok, runErr = pcall(chunk)
    sethook()
    if ok then -- bounded by maxValues itself, so it runs outside the instruction budget
        ok, runErr = pcall(check, env, maxDepth, maxValues)
    end
    if not ok then
        return false, runErr
    end
    return true, env
end
"""


class SavedVariablesError(ValueError):
    """The file is not a readable SavedVariables file (message says why, for the user)."""


def read_saved_variables(path: Path) -> dict[str, Any]:
    """Parses the SavedVariables file at ``path`` (refusing files over the size limit)."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SavedVariablesError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return parse_saved_variables(data)


def parse_saved_variables(source: bytes | str) -> dict[str, Any]:
    """The globals a SavedVariables chunk assigns, as plain Python values.

    Tables whose keys are exactly 1..n become lists; other tables become dicts (an empty
    table is ``{}``; boolean keys become "true"/"false"). Strings are decoded as UTF-8
    (invalid bytes replaced).
    """
    if isinstance(source, str):
        source = source.encode("utf-8")
    if len(source) > MAX_FILE_BYTES:
        raise SavedVariablesError(f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB")
    if source.startswith(b"\xef\xbb\xbf"):
        source = source[3:]  # a byte-order mark from an editor; Lua itself would reject it
    try:
        runtime = lua51.LuaRuntime(
            encoding=None, register_eval=False, register_builtins=False, max_memory=MAX_MEMORY_BYTES
        )
        run = runtime.execute(_SANDBOX)
        ok, result = run(source, BASE_INSTRUCTIONS + 4 * len(source), MAX_DEPTH, MAX_VALUES)
        if not ok:
            raise SavedVariablesError(f"not a valid SavedVariables file: {_text(result)}")
        return _Converter().table(result, 0, as_globals=True)
    except lua51.LuaMemoryError as exc:
        raise SavedVariablesError("not a valid SavedVariables file: too much memory needed") from exc
    except lua51.LuaError as exc:
        raise SavedVariablesError(f"not a valid SavedVariables file: {exc}") from exc


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if value is None or value == "not enough memory":  # Lua's words for hitting max_memory
        return "too much memory needed"
    return str(value)


class _Converter:
    def __init__(self) -> None:
        self.values = 0

    def value(self, value: Any, depth: int) -> Any:
        self.values += 1
        if self.values > MAX_VALUES:
            raise SavedVariablesError(f"more than {MAX_VALUES} values")
        if value is None or isinstance(value, bool | int):
            return value
        if isinstance(value, float):
            return int(value) if value.is_integer() and abs(value) < 2**53 else value
        if isinstance(value, bytes):
            return value.decode("utf-8", errors="replace")
        kind = lua51.lua_type(value)
        if kind == "table":
            return self.table(value, depth + 1)
        raise SavedVariablesError(f"a {kind} value cannot be saved data")

    def key(self, key: Any) -> Any:
        kind = lua51.lua_type(key)
        if kind is not None:
            raise SavedVariablesError(f"a {kind} cannot be a table key in saved data")
        if isinstance(key, bool):
            return "true" if key else "false"  # True would collide with the key 1 in a dict
        return self.value(key, 0)

    def table(self, table: Any, depth: int, *, as_globals: bool = False) -> Any:
        if depth > MAX_DEPTH:
            raise SavedVariablesError(f"tables nested deeper than {MAX_DEPTH} levels (or a cycle)")
        converted = {}
        for key, value in table.items():  # lazily: the value budget stops huge tables early
            converted[self.key(key)] = self.value(value, depth)
        if as_globals:
            return converted
        count = len(converted)
        if count and all(isinstance(k, int) and not isinstance(k, bool) for k in converted):
            if min(converted) == 1 and max(converted) == count:
                return [converted[i] for i in range(1, count + 1)]
        return converted
