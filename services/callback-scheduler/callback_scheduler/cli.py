"""callback-scheduler's `csi` subcommands: run a periodic job now."""

from __future__ import annotations

import argparse
import asyncio

from callback_scheduler.config import Settings
from callback_scheduler.jobs import Jobs
from callback_scheduler.models import Base
from csi_shared.runtime import Runtime

JOB_NAMES = ("dormant-scan", "overdue-check")


def _run_job(args: argparse.Namespace) -> int:
    async def run() -> int:
        settings = Settings(run_background=False)
        runtime = Runtime(settings, metadata=Base.metadata)
        jobs = Jobs(settings=settings, sessions=runtime.sessions, outbox=runtime.outbox, clock=runtime.clock)
        try:
            count = await (jobs.dormant_scan() if args.job == "dormant-scan" else jobs.overdue_check())
        finally:
            await runtime.stop()
        # The events wait in the outbox; the running service's relay publishes them.
        print(f"{args.job}: {count} callback(s) {'planned' if args.job == 'dormant-scan' else 'announced overdue'}")
        return 0

    return asyncio.run(run())


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    jobs = sub.add_parser("jobs", help="periodic jobs").add_subparsers(dest="jobs_command", required=True)
    run = jobs.add_parser("run", help="run a callback-scheduler job now")
    run.add_argument("job", choices=JOB_NAMES)
    run.set_defaults(func=_run_job)
