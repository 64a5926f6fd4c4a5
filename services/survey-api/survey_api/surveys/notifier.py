"""Sending survey invitations: an adapter interface, with a log adapter as the default.

A real adapter (SMS gateway, e-mail) implements `Notifier.send_invitation` and is chosen by the
`notifier` setting. It is called by survey-api's consumer of `survey.invitation_created`, so a failing
gateway is retried and, past the retries, the invitation lands on `csi.surveys.dlq` to be replayed.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Protocol

from csi_shared.auth import mask_phone
from csi_shared.events import SurveyInvitationCreated

log = logging.getLogger(__name__)


class Notifier(Protocol):
    async def send_invitation(self, invitation: SurveyInvitationCreated) -> None: ...


class LogNotifier:
    """Writes the invitation to the log instead of sending it; the phone number is masked, the token left out."""

    async def send_invitation(self, invitation: SurveyInvitationCreated) -> None:
        log.info(
            "survey invitation for %s/%s to %s (expires %s)",
            invitation.dealer.dealer_code,
            invitation.ro_number,
            mask_phone(invitation.customer_phone),
            invitation.expires_at.isoformat(),
        )


class FileNotifier:
    """A development SMS inbox: each invitation becomes one JSON line in a file (`make run` uses var/sms-outbox.jsonl),
    so a person or `make demo` can open the links as the customers would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)

    async def send_invitation(self, invitation: SurveyInvitationCreated) -> None:
        line = invitation.model_dump_json() + "\n"
        await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        with self.path.open("a", encoding="utf-8") as inbox:
            inbox.write(line)


def notifier_from(setting: str, data_dir: Path) -> Notifier:
    """`log` (default) or `file`."""
    if setting == "file":
        return FileNotifier(data_dir / "sms-outbox.jsonl")
    return LogNotifier()
