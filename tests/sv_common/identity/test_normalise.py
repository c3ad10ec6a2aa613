"""Name keys and realm slugs."""

import pytest

from sv_common.identity.matching_rules import note_key, plural_variant
from sv_common.identity.normalise import name_key, realm_key, realm_slug


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("Zoë", "zoe"),
        ("ØRJAN", "orjan"),
        ("Ñandú", "nandu"),
        ("Straße", "strasse"),
        ("  Rocket ", "rocket"),
        ("Mæy", "maey"),
        ("ｒｏｃｋｅｔ", "rocket"),  # full-width letters (NFKC)
        ("", ""),
    ],
)
def test_name_key(text, key):
    assert name_key(text) == key


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Sen'jin", "senjin"),
        ("Area 52", "area-52"),
        ("area-52", "area-52"),
        ("Stormrage", "stormrage"),
        # Blizzard's slugs keep accents (its API answers 404 for "aggra-portugues").
        ("Aggra (Português)", "aggra-português"),
        ("  Mal'Ganis  ", "malganis"),
        ("Pozzo dell'Eternità", "pozzo-delleternità"),
        ("Marécage de Zangar", "marécage-de-zangar"),
        ("Mare\u0301cage de Zangar", "marécage-de-zangar"),  # decomposed (NFD) input
    ],
)
def test_realm_slug(text, slug):
    assert realm_slug(text) == slug
    assert realm_slug(slug) == slug  # idempotent


@pytest.mark.parametrize(
    ("note", "key"),
    [
        ("Rocket's DH", "rocket"),
        ("Rocket-mental 702", "rocket"),
        ("shodooms shammy", "shodooms"),
        ("Ørjan alt", "orjan"),
        ("(Zoë)", "zoe"),
        ("x", None),
        ("", None),
        (None, None),
    ],
)
def test_note_key(note, key):
    assert note_key(note) == key


def test_plural_variant_only_for_longer_keys():
    assert plural_variant("shodooms") == "shodoom"
    assert plural_variant("bus") is None
    assert plural_variant("rocket") is None


@pytest.mark.parametrize("text", ["Area 52", "Area52", "area-52", "AREA-52"])
def test_realm_key_ignores_spacing(text):
    assert realm_key(text) == "area52"


@pytest.mark.parametrize(
    "text", ["Aggra (Português)", "Aggra(Português)", "aggra-português", "aggra-portugues"]
)
def test_realm_key_ignores_accents(text):
    # The addon may send "Aggra(Português)"; an officer may type it without accents.
    assert realm_key(text) == "aggraportugues"
