"""Authentication primitives shared by every site: actors, passwords, tokens, CSRF, rate limits."""

from sv_common.auth.actor import Actor

__all__ = ["Actor"]
