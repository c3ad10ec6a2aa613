"""Operator settings (env prefix ``PATT_ONBOARDING_``) and the default texts.

The conversation's wording comes from the site package (``site.texts["onboarding"]``); these
defaults fill what a site leaves out. The raid-schedule line is the ``schedule_summary``
hook's answer (raids: the real weekly nights) and, when no plugin answers, the site's
``schedule`` text.
"""

from typing import Any

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The default of ``PATT_ONBOARDING_START_COOLDOWN_SECONDS``: one /onboarding start a minute per member.
START_COOLDOWN_SECONDS = 60


class OnboardingSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="PATT_ONBOARDING_", extra="ignore")

    # Hours a member has to finish before officers hear about it (once).
    deadline_hours: int = Field(24, ge=1, le=24 * 14)
    # Seconds a member waits between two uses of /onboarding start (each may DM them and
    # add a history row); a use inside the window is refused with when to try again.
    start_cooldown_seconds: int = Field(START_COOLDOWN_SECONDS, ge=1, le=3600)
    # Seconds between the bot's checks for members whose welcome DM never went out (the DM
    # switches were off when they joined, or the bot was down); turning the switches on in
    # the bot's process checks at once, in another process within ``switch_poll_seconds``.
    resume_interval_seconds: int = Field(1800, ge=1, le=86400)
    # Seconds between the bot's reads of the DM switches (one row): switches turned on in
    # another process (a web process of a scale-out, the database) start the check above
    # within this time instead of waiting for its interval.
    switch_poll_seconds: int = Field(60, ge=1, le=3600)


DEFAULT_TEXTS: dict[str, str] = {
    "welcome_title": "Welcome to {guild}!",
    "welcome": "I'm the guild's bot. A few quick questions and I'll set you up: are you in the guild in game?",
    "in_guild_yes": "Yes, I'm in the guild",
    "in_guild_no": "Not yet",
    "ask_main": "Your main character",
    "found_main": "Found **{name}** on {realm}. Any alts in the guild?",
    "which_realm": "There is a **{name}** on several realms. Which one is yours?",
    "not_found": "I don't see **{name}** on the roster. Check the spelling and try again.",
    "not_in_guild_yet": "Thanks! I'll look for **{name}** once you're in the guild. Any alts?",
    "no_alts": "No alts",
    "add_alts": "Add alts",
    "try_again": "Try again",
    "answer_main": "Tell me my main",
    "resume_main": "Where were we? Your main character: tap the button, or reply with Name-Realm.",
    "resume_alts": "Where were we? Any alts in the guild: tap a button, or reply with their names "
    "(commas between them) or 'none'.",
    "resume_done": "You're set up already. See you in game!",
    "resume_dismissed": "An officer closed your welcome conversation; ask an officer if you need a hand.",
    "resume_dm_sent": "I've sent you a DM to carry on.",
    "resume_off": "Onboarding messages are switched off right now; an officer will help you.",
    "dms_closed": "I can't DM you: allow direct messages from server members, then run this again.",
    "resume_unknown": "I don't know you yet; give me a minute after you join the server.",
    "start_cooldown": "You ran this a moment ago. Try again in {wait} (at {at}).",
    "waiting": "Thanks! I'll check the roster again after each sync and let you know.",
    "done_title": "You're set up!",
    "done": "Your characters are linked and your rank is set.",
    # The DM of a member an officer set up by hand (/admin/onboarding "Resolve", /onboarding resolve).
    "resolved": "An officer has linked your Discord account to the guild.",
    "invite": "Create your website account at {register_url} with the invite code **{code}**.",
    "schedule": "",
}


def texts(site_texts: dict[str, Any] | None) -> dict[str, str]:
    merged = dict(DEFAULT_TEXTS)
    merged.update({k: str(v) for k, v in (site_texts or {}).items() if k in DEFAULT_TEXTS})
    return merged
