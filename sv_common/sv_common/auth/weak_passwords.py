"""Passwords that are guessed first: a short denylist plus simple strength rules.

The list holds the passwords every guessing tool tries first (and game/guild flavoured ones);
checks are case-insensitive and ignore a trailing run of digits or punctuation, so
``Password123!`` counts as ``password``.
"""

from __future__ import annotations

import re

COMMON = frozenset(
    """
    password passw0rd p@ssword p@ssw0rd passwort motdepasse contraseña wachtwoord
    123456 1234567 12345678 123456789 1234567890 0123456789 987654321 11111111 00000000
    12341234 11223344 112233 121212 123123 123321 654321 666666 696969 777777 888888 999999
    qwerty qwertyui qwertyuiop qwerty12 asdfgh asdfghjk asdfghjkl zxcvbnm zxcvbnm1 azerty qazwsx
    1qaz2wsx qweasd qweasdzxc 1q2w3e4r 1q2w3e4r5t abc123 abcd1234 abcdefg abcdefgh a1b2c3d4
    iloveyou letmein welcome welcome1 trustno1 sunshine princess dragon monkey master shadow
    football baseball basketball soccer hockey superman batman starwars pokemon whatever
    freedom charlie michael jennifer jordan hunter ranger buster thomas robert daniel
    killer hello hello123 secret secret123 changeme default admin administrator root toor
    login guest test tester testing access qwerty123 computer internet samsung google
    master123 lovely loveme flower summer winter spring autumn monday friday
    worldofwarcraft warcraft azeroth horde alliance forthehorde forthealliance
    lokthar lich lichking arthas thrall illidan sylvanas jaina leeroy leeroyjenkins raider
    guild guildmaster pullallthethings pulltheboss
    """.split()
)

_TRAILING = re.compile(r"[\d\W_]+$")


def weakness(password: str, *, username: str | None = None, display_name: str | None = None) -> str | None:
    """Why ``password`` is too weak to accept, or None when it is fine."""
    lowered = password.lower()
    stem = _TRAILING.sub("", lowered)
    if lowered in COMMON or (len(stem) >= 4 and stem in COMMON):
        return "That password is one of the first that attackers try. Choose another."
    if username and len(username) >= 3 and username.lower() in lowered:
        return "The password may not contain your username."
    # The name everyone in the guild sees, with or without its spaces ("Rocket Man").
    name = (display_name or "").casefold()
    squeezed = "".join(lowered.split()).casefold()
    for form in {name, "".join(name.split())}:
        if len(form) >= 3 and form in squeezed:
            return "The password may not contain your name."
    if len(set(lowered)) < 4:
        return "That password repeats too few different characters."
    if lowered.isdigit() and lowered in "01234567890123456789" + "98765432109876543210":
        return "A run of consecutive digits is not a password."
    return None
