"""Reaching people: survey invitations and reminders over SMS, opt-outs, the gateway webhooks."""
