"""Identifiers that travel both in bodies and in paths: one pattern, so whatever is accepted can be read back by URL."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import Field

IDENTIFIER_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"
"""Letters, digits, `_`, `.` and `-`, starting with a letter or digit: no `/` (a path separator), no `.` or `..`
(which clients and proxies collapse), nothing that needs percent-encoding in a URL."""

DEALER_CODE: dict[str, Any] = {"min_length": 1, "max_length": 20, "pattern": IDENTIFIER_PATTERN}
RO_NUMBER: dict[str, Any] = {"min_length": 1, "max_length": 50, "pattern": IDENTIFIER_PATTERN}

DealerCode = Annotated[str, Field(**DEALER_CODE)]
RoNumber = Annotated[str, Field(**RO_NUMBER)]
DealerCodePath = Annotated[str, Path(**DEALER_CODE)]
RoNumberPath = Annotated[str, Path(**RO_NUMBER)]
DealerCodeQuery = Annotated[str, Query(**DEALER_CODE)]
DealerCodeFilter = Annotated[str | None, Query(**DEALER_CODE)]
"""An optional `dealer_code=` narrowing a list or report."""
