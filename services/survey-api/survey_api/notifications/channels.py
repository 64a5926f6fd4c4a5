"""Channels that carry a message to a person, behind one interface: an SMS gateway over HTTP, the dev file outbox,
the log. Each gets the message's idempotency key, so a gateway can drop a repeat of a message it already took.

`send` returns the provider's message id (or None); it raises `TemporaryFailure` for what a later attempt may cure
(timeouts, 5xx, 429, connection errors) and `PermanentFailure` for what it never will (a number the gateway
refuses, 4xx).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import re
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any, Protocol

import httpx

from csi_shared.auth import mask_phone
from survey_api.surveys.invitations import SurveyLink

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Signature-Timestamp"
SIGNATURE_TOLERANCE_S = 300
"""A signed request older or newer than this is refused: a captured request cannot be replayed later."""


@dataclass(frozen=True)
class OutgoingMessage:
    idempotency_key: str
    """One per invitation, reminder or alert and recipient; the same across retries, restarts and redeliveries."""
    kind: str
    to: str
    """E.164 phone number, or an e-mail address for the e-mail channel."""
    text: str
    dealer_code: str
    ro_number: str | None = None
    invitation: SurveyLink | None = None
    """For invitations and reminders: the link as the file outbox writes it (`make demo` reads it)."""


class TemporaryFailure(Exception):
    """Try again later."""


class PermanentFailure(Exception):
    """Never going to work: the message is undeliverable."""


class Channel(Protocol):
    async def send(self, message: OutgoingMessage) -> str | None: ...


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of `<timestamp>.<body>` in hex: the gateway's requests and ours are signed alike."""
    return hmac.new(secret, timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def signature_valid(secret: bytes, timestamp: str | None, given: str | None, body: bytes, now: datetime) -> bool:
    """Whether a request's signature is the body's under the secret and its timestamp is recent."""
    # ASCII digits only, at most 12 of them: str.isdigit() passes "²" and int() of a 5,000-digit header raises.
    if not timestamp or not given or not re.fullmatch(r"[0-9]{1,12}", timestamp) or not secret:
        return False
    if abs(now.timestamp() - int(timestamp)) > SIGNATURE_TOLERANCE_S:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), given.removeprefix("sha256="))


class GatewaySms:
    """A generic JSON SMS gateway: `POST <url>/messages` with `{to, text, idempotency_key, callback_url}`, signed with
    the shared secret; answers `{"message_id"}`. Receipts and replies come back to the signed webhooks."""

    def __init__(self, *, url: str, secret: bytes, timeout_s: float, clock: Any, sender_id: str = "CSI") -> None:
        self.url = url.rstrip("/")
        self.secret = secret
        self.timeout = httpx.Timeout(timeout_s)
        self.clock = clock
        self.sender_id = sender_id

    async def send(self, message: OutgoingMessage) -> str | None:
        body = json.dumps({"to": message.to, "text": message.text, "idempotency_key": message.idempotency_key,
                           "sender_id": self.sender_id}, ensure_ascii=False).encode()  # fmt: skip
        timestamp = str(int(self.clock.now().timestamp()))
        headers = {"Content-Type": "application/json", "Idempotency-Key": message.idempotency_key,
                   TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: "sha256=" + signature(self.secret, timestamp, body)}  # fmt: skip
        try:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.post(f"{self.url}/messages", content=body, headers=headers)
        except httpx.HTTPError as exc:  # timeouts, refused connections, resets
            raise TemporaryFailure(f"gateway unreachable: {type(exc).__name__}") from exc
        if response.status_code == 409:  # the gateway already has this idempotency key: the message went out before
            return None
        if response.status_code in (400, 422):  # the message itself is refused (a number it cannot reach): final
            raise PermanentFailure(f"gateway refused the message: {response.status_code}")
        if response.status_code >= 400:
            # 401/403 (a secret being rotated), 404 (a wrong URL), 408, 429 and 5xx are ours or passing: retried, so
            # that a configuration mistake does not make every invitation of the hour undeliverable for good.
            raise TemporaryFailure(f"gateway answered {response.status_code}")
        try:
            return str(response.json()["message_id"])
        except (ValueError, KeyError, TypeError):
            return None


class FileOutbox:
    """A development SMS inbox: each message becomes one JSON line in a file (`make run` uses var/sms-outbox.jsonl),
    so a person or `make demo` can open the links as the customers would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)

    async def send(self, message: OutgoingMessage) -> str | None:
        line: dict[str, Any] = message.invitation.model_dump(mode="json") if message.invitation else {}
        line.update(kind=message.kind, to=message.to, text=message.text, idempotency_key=message.idempotency_key)
        await asyncio.to_thread(self._append, json.dumps(line, ensure_ascii=False) + "\n")
        return None

    def _append(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as inbox:
            inbox.write(line)


class LogChannel:
    """Writes the message to the log instead of sending it; the phone number is masked, the text left out."""

    async def send(self, message: OutgoingMessage) -> str | None:
        log.info("%s for %s/%s to %s", message.kind, message.dealer_code, message.ro_number, mask_phone(message.to))
        return None


def sms_channel_from(settings: Any, clock: Any) -> Channel:
    """The SMS channel the `notifier` setting names: `log` (default), `file` (dev outbox) or `gateway`."""
    if settings.notifier == "gateway":
        return GatewaySms(url=settings.sms_gateway_url, secret=settings.sms_gateway_secret.get_secret_value().encode(),
                          timeout_s=settings.sms_gateway_timeout_s, clock=clock)  # fmt: skip
    if settings.notifier == "file":
        return FileOutbox(settings.data_dir / "sms-outbox.jsonl")
    return LogChannel()


class SmtpEmail:
    """E-mail through an SMTP server (staff alerts and digests). The idempotency key becomes the Message-ID, so a
    message sent again after a lost answer is recognised as the same one by mail systems that deduplicate."""

    def __init__(self, *, host: str, port: int, sender: str, timeout_s: float, starttls: bool = False,
                 username: str | None = None, password: str | None = None) -> None:  # fmt: skip
        self.host, self.port, self.sender, self.timeout_s = host, port, sender, timeout_s
        self.starttls, self.username, self.password = starttls, username, password

    async def send(self, message: OutgoingMessage) -> str | None:
        return await asyncio.to_thread(self._send, message)

    def _send(self, message: OutgoingMessage) -> str:
        email = EmailMessage()
        message_id = f"<{message.idempotency_key.replace(':', '.')}@csi>"
        email["From"], email["To"], email["Message-ID"] = self.sender, message.to, message_id
        email["Subject"] = message.text.split("】", 1)[0].lstrip("【") + " " + SUBJECTS.get(message.kind, "通知")
        email.set_content(message.text)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username and self.password:
                    smtp.login(self.username, self.password)
                smtp.send_message(email)
        except smtplib.SMTPRecipientsRefused as exc:
            raise PermanentFailure("the mail server refused the address") from exc
        except smtplib.SMTPResponseException as exc:
            if 500 <= exc.smtp_code < 600:
                raise PermanentFailure(f"the mail server answered {exc.smtp_code}") from exc
            raise TemporaryFailure(f"the mail server answered {exc.smtp_code}") from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise TemporaryFailure(f"mail server unreachable: {type(exc).__name__}") from exc
        return message_id


SUBJECTS = {"alert": "投诉提醒 complaint alert", "digest": "每日摘要 daily digest"}


def email_channel_from(settings: Any) -> Channel:
    """SMTP when `smtp_host` is set, else the log (dev)."""
    if settings.smtp_host:
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        return SmtpEmail(host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_sender,
                         timeout_s=settings.smtp_timeout_s, starttls=settings.smtp_starttls,
                         username=settings.smtp_username, password=password)  # fmt: skip
    return LogChannel()
