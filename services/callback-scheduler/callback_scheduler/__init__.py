"""callback-scheduler: the 100% callback rule, special callbacks, the CRA worklist, compliance, monthly report."""
