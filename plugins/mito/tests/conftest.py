"""Mito's tests use only the author kit that patt-host[testing] ships (no repository conftest)."""

import pytest


@pytest.fixture
def patt_client_kwargs():
    # member_client / officer_client: the PATT site, which enables identity and mito.
    return {"site": "patt"}
