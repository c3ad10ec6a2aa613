"""Onboarding: new Discord members are guided into the guild's records by DM."""
