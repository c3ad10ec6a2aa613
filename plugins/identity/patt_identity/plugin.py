"""The identity plugin's manifest and hook implementations (thin: each delegates)."""

from __future__ import annotations

from patt_identity.config import IdentitySettings


class IdentityPlugin:
    name = "identity"
    requires = ()
    settings_model = IdentitySettings
