"""`patt db revision --plugin X` autogenerates a migration in the plugin's own lineage."""

import asyncio
import os
import sys
import textwrap

from patt_host import dbmigrate


async def test_revision_autogenerates_a_new_lineage(make_host, patt_postgres, tmp_path, monkeypatch):
    package = tmp_path / "patt_quests"
    (package / "migrations" / "versions").mkdir(parents=True)
    (package / "__init__.py").write_text("class QuestsPlugin:\n    name = 'quests'\n")
    (package / "models.py").write_text(
        textwrap.dedent(
            """
            from sqlalchemy import Integer, String
            from sqlalchemy.orm import Mapped, mapped_column
            from sv_common.db import Base

            class Quest(Base):
                __tablename__ = "quests"
                __table_args__ = {"schema": "patt"}
                id: Mapped[int] = mapped_column(Integer, primary_key=True)
                title: Mapped[str] = mapped_column(String(80))
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    from patt_quests import QuestsPlugin

    name = f"patt_revision_{os.getpid()}"
    url = await patt_postgres.create_database(name)
    try:
        host = make_host(plugins=["quests"], extra_plugins=[QuestsPlugin], database_url=url)
        await asyncio.to_thread(dbmigrate.upgrade, host, url)
        path = await asyncio.to_thread(dbmigrate.revision, host, url, "quests", "quest table")
        source = open(path).read()
        assert "revision: str = 'quests_0001'" in source
        assert "branch_labels: str | Sequence[str] | None = ('quests',)" in source
        assert "op.create_table('quests'" in source and "schema='patt'" in source
        await asyncio.to_thread(dbmigrate.upgrade, host, url)
        assert "quests_0001" in await asyncio.to_thread(dbmigrate.recorded_revisions, url)
        diffs = await asyncio.to_thread(dbmigrate.compare, url, dbmigrate.enabled_lineages(host))
        assert diffs == []
        second = await asyncio.to_thread(
            dbmigrate.revision, host, url, "quests", "nothing", autogenerate=False
        )
        assert "revision: str = 'quests_0002'" in open(second).read()
        assert "down_revision: str | Sequence[str] | None = 'quests_0001'" in open(second).read()
    finally:
        await patt_postgres.drop_database(name)
        from sv_common.db import Base

        Base.metadata.remove(Base.metadata.tables["patt.quests"])
        sys.modules.pop("patt_quests", None)
        sys.modules.pop("patt_quests.models", None)
