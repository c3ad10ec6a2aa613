"""PATT's wording for the onboarding DMs (keys: ``patt_onboarding.config.DEFAULT_TEXTS``).

Placeholders: {guild} (welcome_title), {name} {realm} (found_main, which_realm, not_found,
not_in_guild_yet), {register_url} {code} (invite).
"""

ONBOARDING_TEXTS = {
    "welcome_title": "Welcome to {guild}!",
    "welcome": "Hi! I'm the PATT bot. Let's get you set up with the guild: are you in Pull All The Things in game already?",
    "in_guild_yes": "Yes, I'm in the guild",
    "in_guild_no": "Not yet",
    "ask_main": "Your main character",
    "found_main": "Found **{name}** on {realm}. Do you have alts in the guild too?",
    "which_realm": "There's more than one **{name}** in the guild. Which realm is yours?",
    "not_found": "I can't find **{name}** on our roster. Check the spelling and try again.",
    "not_in_guild_yet": "Great! I'll watch the roster for **{name}** once you've joined. Any alts coming along?",
    "no_alts": "No alts",
    "add_alts": "Add alts",
    "try_again": "Try again",
    "answer_main": "Tell me my main",
    "waiting": "Thanks! I'll check the roster after each sync and message you as soon as you show up.",
    "done_title": "You're all set!",
    "done": "Your characters are linked and your guild rank is in place.",
    "invite": "Make your account on the guild site at {register_url} with invite code **{code}**.",
    "schedule": "Raids: Fridays and Saturdays at 6 PM Pacific / 9 PM Eastern.",
}
