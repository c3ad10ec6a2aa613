"""A member's main answer finds their character however they spell its realm."""

import pytest

from patt_onboarding.services.sessions import roster_matches
from sv_common.identity.characters import upsert_character


@pytest.mark.parametrize(
    "typed",
    ["Aggra (Português)", "Aggra(Português)", "aggra-português", "Aggra Portugues", "AGGRA-PORTUGUES"],
)
async def test_the_realm_is_matched_without_accents_spacing_or_punctuation(db, typed):
    async with db.session() as session:
        # Blizzard's slug keeps the accent; the realm's display name has parentheses.
        await upsert_character(
            session, name="Jaina", realm_slug="aggra-português", realm_name="Aggra (Português)"
        )
        await upsert_character(session, name="Jaina", realm_slug="area-52", realm_name="Area 52")
        found = await roster_matches(session, "jaina", typed)
        assert [c.realm_slug for c in found] == ["aggra-português"]
        assert [c.realm_slug for c in await roster_matches(session, "Jaina", "Area52")] == ["area-52"]
        assert await roster_matches(session, "Jaina", "Aggramar") == []
