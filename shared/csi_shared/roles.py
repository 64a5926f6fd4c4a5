"""The roles of the people who use the platform (the `role` claim of a token), apart from auth so that event payloads
can name them without importing the authentication stack."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    SERVICE_ADVISOR = "service_advisor"
    CRA = "cra"
    SERVICE_MANAGER = "service_manager"
    GENERAL_MANAGER = "general_manager"
    OEM_ANALYST = "oem_analyst"
    SURVEY_CENTER = "survey_center"
    """The OEM's survey centre: phone interviews of customers who did not answer their link (CSS)."""
    PRIVACY_OFFICER = "privacy_officer"
    """The OEM's privacy officer: erasure requests and the record of who read customers' phone numbers; no dealer's
    business data (not a head-office role: scope checks refuse it everywhere else)."""
    ADMIN = "admin"
