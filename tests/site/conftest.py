"""Whole-site tests (generated input, outages, scale-out) arrange guild data with the identity
plugin's fixtures (``guild``, ``log_in``); they are shared from its conftest, not copied."""

import importlib.util
import sys
from pathlib import Path

_path = Path(__file__).parents[1] / "plugins" / "identity" / "conftest.py"
_spec = importlib.util.spec_from_file_location("identity_test_fixtures", _path)
_identity = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = _identity  # dataclasses look their module up there
_spec.loader.exec_module(_identity)

guild = _identity.guild
log_in = _identity.log_in
