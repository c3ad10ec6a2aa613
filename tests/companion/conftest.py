import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
# fake_site lives here; wow_sim (the addon harness) lives in tests/addon.
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "addon"))


@pytest.fixture
def companion_home(tmp_path, monkeypatch):
    """Config and queue in the test's folder, never the user's."""
    monkeypatch.setenv("PATT_COMPANION_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("PATT_COMPANION_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("PATT_API_URL", raising=False)
    monkeypatch.delenv("PATT_API_KEY", raising=False)
    return tmp_path


@pytest.fixture
def fake_site():
    from fake_site import FakeSite

    site = FakeSite().start()
    yield site
    site.stop()
