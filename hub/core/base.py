"""The declarative base every domain's tables share, and the surrogate key type."""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer
from sqlalchemy.orm import DeclarativeBase

# The file (一企一档), users and audit, and a bag's way (inventory, manifests, transport): their own modules,
# registered on Base here so that everything that loads the models sees every table.


# SQLite only auto-numbers an INTEGER PRIMARY KEY, so surrogate keys are INTEGER there, BIGINT elsewhere.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    pass
