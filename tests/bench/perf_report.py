"""Writes benchmark results into docs/performance.md, one replaceable section per benchmark."""

from __future__ import annotations

import platform
import re
from datetime import UTC, datetime
from pathlib import Path

import psutil

DOC = Path(__file__).resolve().parents[2] / "docs" / "performance.md"
HEADER = (
    "# Performance\n\nMeasured by `python3 dev.py bench` (`tests/bench`, marker `bench`). Each section is rewritten "
    "by its benchmark; the numbers are from the last run on the machine named in it.\n"
)


def machine() -> str:
    return f"{psutil.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}"


def record(section: str, body: str) -> None:
    text = DOC.read_text() if DOC.exists() else HEADER
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    block = f"<!-- bench:{section} -->\n## {section}\n\n_Last run {stamp} on {machine()}._\n\n{body.strip()}\n<!-- /bench:{section} -->"
    pattern = re.compile(rf"<!-- bench:{re.escape(section)} -->.*?<!-- /bench:{re.escape(section)} -->", re.S)
    text = (
        pattern.sub(lambda _m: block, text) if pattern.search(text) else text.rstrip() + "\n\n" + block + "\n"
    )
    DOC.write_text(text)
