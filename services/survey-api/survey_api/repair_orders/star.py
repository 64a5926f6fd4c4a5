"""STAR `ProcessRepairOrder` BODs (the STAR 5 XML that DMS vendors and OEM warranty systems speak), mapped to the same
RO model as the JSON API: `POST /v1/repair-orders` with `Content-Type: application/xml`.

One BOD carries one or more `RepairOrder`s; each becomes one item, with its own result, as in a batch. Parsed with
defusedxml (no entities, no external references: a BOD comes from outside). Namespaces are ignored (BODs arrive with
the STAR 5 namespace or none). A BOD that is not XML, is not a ProcessRepairOrder, or lacks what identifies an RO is
refused whole, with the element path; an RO whose values break a rule is one rejected item, its errors naming the
element that holds the value.
"""

from __future__ import annotations

from typing import Any
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

from csi_shared.errors import InvalidInput

ROOT = "ProcessRepairOrder"
HEADER = "RepairOrderHeader"

# RO field → the element (below one RepairOrder) that holds it: the one place the mapping lives.
FIELDS: dict[str, str] = {
    "ro_number": f"{HEADER}/DocumentIdentificationGroup/DocumentIdentification/DocumentID",
    "vin": "Vehicle/VehicleID",
    "plate": "Vehicle/LicensePlateID",
    "mileage_km": f"{HEADER}/InDistanceMeasure",
    "opened_at": f"{HEADER}/RepairOrderOpenedDate",
    "promised_at": f"{HEADER}/PromisedDeliveryDateTime",
    "settled_at": f"{HEADER}/RepairOrderCompletedDate",
    "delivered_at": f"{HEADER}/VehicleDeliveryDateTime",
    "service_advisor.id": f"{HEADER}/ServiceAdvisorParty/SpecifiedPerson/ID",
    "service_advisor.name": f"{HEADER}/ServiceAdvisorParty/SpecifiedPerson/GivenName",
    "customer.name": f"{HEADER}/CustomerParty/SpecifiedPerson/GivenName",
    "customer.phone": f"{HEADER}/CustomerParty/SpecifiedPerson/TelephoneCommunication/CompleteNumber",
    "invoice_amount": f"{HEADER}/TotalAmount",
}
JOB_FIELDS: dict[str, str] = {
    "op_code": "OperationID",
    "description": "OperationName",
    "kind": "JobTypeString",
    "comeback": "RepeatRepairIndicator",
}
REQUIRED = ("ro_number", "vin")
"""Without these an RO cannot be told apart, so the BOD is refused (the model checks every other field)."""
DEALER = "ApplicationArea/Sender/DealerNumberID"
"""Every RO of the BOD is this dealer's; without it, the key's dealer."""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _find(element: Element, path: str) -> Element | None:
    for step in path.split("/"):
        found = next((child for child in element if _local(child.tag) == step), None)
        if found is None:
            return None
        element = found
    return element


def _text(element: Element, path: str) -> str | None:
    found = _find(element, path)
    text = (found.text or "").strip() if found is not None else ""
    return text or None


def _put(target: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, last = dotted.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value


def parse(body: bytes, *, default_dealer: str) -> list[tuple[str, dict[str, Any]]]:
    """(element path, RO as the JSON API takes it) of each RepairOrder in the BOD, or InvalidInput naming the path."""
    try:
        root = ElementTree.fromstring(body)
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        raise InvalidInput("the body is not a well-formed XML BOD", [{"field": "/", "reason": str(exc)}]) from exc
    if _local(root.tag) != ROOT:
        raise InvalidInput("not a ProcessRepairOrder BOD",
                           [{"field": f"/{_local(root.tag)}", "reason": f"the root element must be {ROOT}"}])  # fmt: skip
    area = _find(root, "ProcessRepairOrderDataArea")
    orders = [child for child in area if _local(child.tag) == "RepairOrder"] if area is not None else []
    if not orders:
        where = f"/{ROOT}/ProcessRepairOrderDataArea/RepairOrder"
        raise InvalidInput("the BOD holds no repair order", [{"field": where, "reason": "at least one is required"}])
    dealer = _text(root, DEALER) or default_dealer
    items, missing = [], []
    for number, order in enumerate(orders, start=1):
        where = f"/{ROOT}/ProcessRepairOrderDataArea/RepairOrder[{number}]"
        ro: dict[str, Any] = {"dealer_code": dealer, "customer": {}, "jobs": []}
        for name, path in FIELDS.items():
            value = _text(order, path)
            if value is not None:
                _put(ro, name, int(float(value)) if name == "mileage_km" and _is_number(value) else value)
        missing += [{"field": f"{where}/{FIELDS[n]}", "reason": "required"} for n in REQUIRED if n not in ro]
        for job in (child for child in order if _local(child.tag) == "Job"):
            line = {name: _text(job, path) for name, path in JOB_FIELDS.items() if _text(job, path) is not None}
            if "comeback" in line:
                line["comeback"] = {"true": True, "1": True, "false": False, "0": False}.get(line["comeback"].lower(),
                                                                                               line["comeback"])  # fmt: skip
            ro["jobs"].append(line)
        items.append((where, ro))
    if missing:
        raise InvalidInput("a repair order of the BOD cannot be identified", missing)
    return items


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def element_of(where: str, field: str) -> str:
    """The element path of a model field's error (`jobs[1].kind` → `…/Job[2]/JobTypeString`), or the field."""
    if field in FIELDS:
        return f"{where}/{FIELDS[field]}"
    if field.startswith("jobs["):
        index, _, name = field.removeprefix("jobs[").partition("].")
        if index.isdigit() and name in JOB_FIELDS:
            return f"{where}/Job[{int(index) + 1}]/{JOB_FIELDS[name]}"
    return f"{where} ({field})"
