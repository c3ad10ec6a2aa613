"""Every model sv_common owns, imported in one place for the migration checks."""

__all__: list[str] = []
