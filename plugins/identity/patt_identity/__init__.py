"""The identity plugin: accounts (login, registration, sessions), profiles, the public roster,
the officers' player manager and the identity-matching suggestions.

Services it builds on live in ``sv_common.auth`` and ``sv_common.identity``; this package
holds the web surface, the plugin's own tables (availability, revoked tokens) and glue.
"""
