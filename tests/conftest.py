"""Suite-wide setup: the test-only plugins join the migrated schema."""

import sys
from pathlib import Path

import pytest

# Test-only plugin packages live beside their tests (e.g. tests/host/patt_sample).
sys.path.insert(0, str(Path(__file__).parent / "host"))


@pytest.fixture(scope="session")
def patt_test_plugins():
    from patt_sample import SamplePlugin

    return [SamplePlugin]
