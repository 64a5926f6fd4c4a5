"""complaints: Complaint cases, SLA timers, escalation, corrective actions and the audit trail."""
