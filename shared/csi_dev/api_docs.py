"""docs/api/<service>.json: each service's OpenAPI document, as `GET /openapi.json` serves it, committed so that a DMS
vendor or an OEM data team can generate a client without running anything (`make api-docs` after changing an
endpoint; tests/test_api_docs.py fails while they differ)."""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

from csi_shared.service import ServiceSpec, discover

OUT = Path(__file__).resolve().parents[2] / "docs" / "api"


def document(spec: ServiceSpec) -> dict[str, Any]:
    """The service's document, from its app built in-process with throwaway settings (nothing is started)."""
    module, factory = spec.app_factory.split(":")
    settings = spec.settings_cls(
        jwt_secret="x" * 32, api_key_pepper="x", database_url="sqlite+aiosqlite:///:memory:", log_format="text"
    )
    return getattr(importlib.import_module(module), factory)(settings).openapi()


def render() -> dict[str, str]:
    """File name → its text, for every installed service."""
    return {f"{spec.name}.json": json.dumps(document(spec), indent=2, ensure_ascii=False) + "\n" for spec in discover()}


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    files = render()
    for name, text in files.items():
        (OUT / name).write_text(text)
    print(f"wrote {', '.join(sorted(files))} to {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
