"""Test doubles shared across the project (e.g. a loopback fake of Discord)."""
