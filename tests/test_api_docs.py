"""docs/api/: the committed OpenAPI documents are what the code serves, and their examples are accepted."""

from __future__ import annotations

from pathlib import Path

from csi_dev import api_docs

DOCS = Path(__file__).resolve().parents[1] / "docs" / "api"


def test_the_committed_documents_are_what_the_services_serve() -> None:
    rendered = api_docs.render()
    assert sorted(rendered) == sorted(p.name for p in DOCS.glob("*.json"))
    stale = [name for name, text in rendered.items() if (DOCS / name).read_text() != text]
    assert stale == [], f"docs/api/{', '.join(stale)} differ from the code; regenerate with `make api-docs`"


def test_the_documented_repair_order_is_accepted_as_it_is() -> None:
    from survey_api.repair_orders.schemas import RO_EXAMPLE, RepairOrderIn

    assert RepairOrderIn.model_validate(RO_EXAMPLE).ro_number == RO_EXAMPLE["ro_number"]
