from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sv_common.db import Base


class SampleItem(Base):
    __tablename__ = "sample_items"
    __table_args__ = {"schema": "sample"}  # the plugin's own schema

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    label: Mapped[str] = mapped_column(String(100))
    owner_player_id: Mapped[int | None] = mapped_column(Integer)
