"""survey-api settings: `CSI_SURVEY_API_<NAME>`, falling back to `CSI_<NAME>`."""

from __future__ import annotations

import hashlib
import hmac
from datetime import time, timedelta
from typing import Annotated, Literal, Self

from fastapi import Depends
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from csi_shared.settings import ServiceSettings
from csi_shared.web import app_settings
from survey_api.notifications.rules import QuietHours
from survey_api.repair_orders.service import Intake
from survey_api.surveys.invitations import InvitationPolicy


class Settings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="CSI_SURVEY_API_", extra="ignore")
    service_name = "survey-api"

    port: int = 8001
    max_batch_size: int = 1000
    max_body_bytes: int = 64_000
    route_body_limits: dict[str, int] = {"/v1/repair-orders/batch": 2_000_000}
    """A batch of 1000 ROs is about 1.5 MB; everything else, a survey answer or one RO included, needs a few KB."""
    intake_chunk_size: int = Field(default=100, ge=1)
    """A batch commits this many ROs at a time: other writers (customers' pages) wait for a chunk, not a batch."""
    intake_attempts: int = Field(default=6, ge=1)
    """A chunk that lost a deadlock or race to a concurrent batch is retried; after this many tries, 503."""
    max_ro_revisions: int = Field(default=20, ge=1)
    """Corrections of one RO beyond this revision are refused with 409."""
    survey_url_template: str = "http://127.0.0.1:8001/s/{token}"
    """The link in the SMS: the customer's page. Its origin is also the one form posts must come from."""
    notifier: Literal["log", "file", "gateway"] = "log"
    """How SMS are sent: `log`, `file` (a dev SMS inbox at <data_dir>/sms-outbox.jsonl) or `gateway` (HTTP)."""
    sms_gateway_url: str | None = None
    """The SMS gateway's base URL (`notifier` `gateway`): messages are posted to `<url>/messages`."""
    sms_gateway_secret: SecretStr | None = None
    """The HMAC secret shared with the gateway: our requests and its webhooks (receipts, replies) are signed with it.
    Without it the webhooks refuse everything (401)."""
    sms_gateway_timeout_s: float = 10.0
    smtp_host: str | None = None
    """The SMTP server for staff e-mail (alerts and digests to people with an address and no phone); the log without."""
    smtp_port: int = 25
    smtp_sender: str = "csi-noreply@example.com"
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_timeout_s: float = 10.0
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(9, 0)
    """No SMS to a customer between these local hours (the dealer's time zone); equal values switch them off."""
    reminder_after_days: int = Field(default=3, ge=0)
    """One reminder this many days after the invitation if the link was neither answered nor opted out; 0: none."""
    survey_fatigue_days: int = Field(default=30, ge=0)
    """At most one survey per customer (phone) in this many days across the brand's dealers; 0 switches it off."""
    sms_regions: frozenset[str] = frozenset({"CN"})
    """The regions (ISO codes) the brand operates in: survey links go only to mobile numbers of these regions."""
    survey_sms_daily_cap: int = Field(default=2000, ge=0)
    """At most this many survey invitations per dealer per local day; the rest are refused (`daily_cap` on the RO,
    `csi_survey_sms_refused_total`). A reminder only follows an invitation that went out, so it needs no cap of its own."""
    send_max_attempts: int = Field(default=6, ge=1)
    send_retry_base_s: float = 60.0
    """Retries double from this delay (1, 2, 4 … minutes, at most an hour); after the last attempt: undeliverable."""
    invitation_send_time: time = time(10, 0)
    historic_after_days: int = 14
    """An RO delivered more than this many days before it reaches the platform is history (a dealer loading its
    past): stored and announced, but no survey, and callback-scheduler plans no callback (`no_survey_reason`)."""
    """Links go out the day after delivery at this local time: memory is fresh, response rates fall with delay."""
    invitation_check_interval_s: float = 30.0
    """How often the send job plans and sends invitations, reminders, alerts and digests."""
    digest_check_interval_s: float = 60.0
    """How often the digest job looks for dealers whose 08:30 has come."""
    page_requests_per_s_per_link: float = 1.0
    page_burst_per_link: int = 20
    page_requests_per_s_per_client: float = 20.0
    page_burst_per_client: int = 200
    """The survey page is public: a link, and a client address, may only ask so often (429 with Retry-After).
    Generous per address: many phones share one carrier-grade NAT address."""
    phone_read_alert_ratio: float = 3.0
    phone_read_alert_min_customers: int = 20
    """A reader shown the numbers of at least this many customers, more than `ratio` times the customers they
    recorded a call to, stands out in the phone-read report."""

    @model_validator(mode="after")
    def _gateway_configured(self) -> Self:
        if self.notifier == "gateway" and (not self.sms_gateway_url or self.sms_gateway_secret is None):
            raise ValueError("notifier 'gateway' needs sms_gateway_url and sms_gateway_secret")
        # An empty secret would make every forged webhook signature valid: refuse to start rather than accept them.
        if self.sms_gateway_secret is not None and len(self.sms_gateway_secret.get_secret_value()) < 16:
            raise ValueError("sms_gateway_secret must be at least 16 characters")
        return self

    @property
    def quiet_hours(self) -> QuietHours:
        return QuietHours(self.quiet_hours_start, self.quiet_hours_end)

    @property
    def intake(self) -> Intake:
        return Intake(self.intake_chunk_size, self.intake_attempts, self.max_ro_revisions)

    @property
    def invitations(self) -> InvitationPolicy:
        # The link secret is derived from the pepper with its own label, so the two never coincide.
        secret = hmac.new(self.api_key_pepper.get_secret_value().encode(), b"survey-link", hashlib.sha256).digest()
        return InvitationPolicy(
            self.survey_url_template, self.invitation_send_time, secret, timedelta(days=self.historic_after_days)
        )

    @property
    def network_salt(self) -> bytes:
        """The salt of the page's network hashes, derived from the pepper under its own label."""
        return hmac.new(self.api_key_pepper.get_secret_value().encode(), b"survey-network", hashlib.sha256).digest()


AppSettings = Annotated[Settings, Depends(app_settings)]
