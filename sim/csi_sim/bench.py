"""`make bench`: throughput, latency, OEM pull and memory, each beside a limit measured in the same run.

Starts its own broker and services (as processes, like `make run`) on fresh databases, so it never touches var/.
Sizes come from the environment: BENCH_ROS (default 5000), BENCH_BACKENDS (sqlite,postgres), BENCH_LATENCY_S (20),
BENCH_DEALERS (3000), BENCH_MONTHS (12), BENCH_PARTS (throughput,latency,oem). The throughput part also reports where
the CPU went per RO (csi_sim.cpu).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from sqlalchemy import Column, DateTime, Integer, MetaData, String, Table, Text, func, insert, select, text

from csi_dev.broker import LocalBroker
from csi_dev.processes import ServiceProcess, stop_all, wait_until_up
from csi_dev.testing import bearer, pg_execute, postgres_available
from csi_shared.auth import Role
from csi_shared.calendar import local_month, survey_closes_at
from csi_shared.db import create_engine
from csi_shared.migrations import upgrade
from csi_shared.service import discover
from csi_sim.client import _Settings as BenchSettings
from csi_sim.cpu import CpuMeter
from csi_sim.network import build_network, repair_orders

SECRET = "bench-secret-that-is-long-enough-for-hs256"
PEPPER = "bench-pepper"
RESULTS: dict[str, Any] = {"machine": {}, "runs": []}


def say(text: str) -> None:
    print(text, flush=True)


def cores() -> int:
    return len(os.sched_getaffinity(0))


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


class Stack:
    """A broker and some services as real processes, on fresh databases of one backend."""

    def __init__(self, backend: str, services: list[str]) -> None:
        self.backend = backend
        self.wanted = services
        self.tmp = Path(tempfile.mkdtemp(prefix="csi-bench-"))
        self.broker = LocalBroker()
        self.urls: dict[str, str] = {}
        self.db: dict[str, str] = {}
        self.processes: dict[str, ServiceProcess] = {}
        self._pg_names: list[str] = []

    async def start(self) -> None:
        self.broker.start()
        for spec in discover():
            if spec.name not in self.wanted:
                continue
            if self.backend == "sqlite":
                url = f"sqlite+aiosqlite:///{self.tmp / (spec.name + '.db')}"
            else:
                name = f"csi_bench_{spec.name.replace('-', '_')}_{uuid.uuid4().hex[:6]}"
                pg_execute(f'CREATE DATABASE "{name}"')
                self._pg_names.append(name)
                url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
            await asyncio.to_thread(upgrade, spec.migrations_dir, url)
            prefix = "CSI_" + spec.name.upper().replace("-", "_") + "_"
            env = {**os.environ, "CSI_ENV_FILE": "/nonexistent", "CSI_JWT_SECRET": SECRET, "CSI_API_KEY_PEPPER": PEPPER,
                   f"{prefix}DATABASE_URL": url, "CSI_KAFKA_BOOTSTRAP_SERVERS": self.broker.bootstrap_servers,
                   "CSI_LOG_LEVEL": "WARNING", "CSI_DMS_REQUESTS_PER_S": "100000", "CSI_DMS_BURST": "100000",
                   "CSI_PERSON_REQUESTS_PER_S": "100000", "CSI_PERSON_BURST": "100000",
                   "CSI_RELAY_POLL_INTERVAL_S": "0.05", "CSI_SURVEY_API_NOTIFIER": "file",
                   "CSI_SURVEY_API_QUIET_HOURS_START": "00:00", "CSI_SURVEY_API_QUIET_HOURS_END": "00:00",  # any hour
                   "CSI_SURVEY_API_INVITATION_CHECK_INTERVAL_S": "0.5", "CSI_DATA_DIR": str(self.tmp / f"{spec.name}-data"),
                   "CSI_SURVEY_API_PAGE_REQUESTS_PER_S_PER_LINK": "100000", "CSI_SURVEY_API_PAGE_BURST_PER_LINK": "100000",
                   "CSI_SURVEY_API_PAGE_REQUESTS_PER_S_PER_CLIENT": "100000", "CSI_SURVEY_API_PAGE_BURST_PER_CLIENT": "100000"}  # fmt: skip
            extra = ["--no-access-log", "--log-level", "warning"]
            service = ServiceProcess(spec, env=env, extra=extra, quiet=True).start()
            self.processes[spec.name] = service
            self.urls[spec.name] = service.url
            self.db[spec.name] = url
        await asyncio.to_thread(wait_until_up, self.processes.values(), path="/readyz", timeout_s=60)

    def cpu_meter(self) -> CpuMeter:
        groups = {"load generator": CpuMeter.of_this_process(), "broker": CpuMeter.of_pid(self.broker.pid or 0)}
        groups.update({name: CpuMeter.of_pid(process.pid) for name, process in self.processes.items()})
        if self.backend == "postgres":
            groups["postgresql"] = CpuMeter.of_postgres()
        return CpuMeter(groups)

    def peak_rss_mb(self) -> dict[str, float]:
        out = {}
        for name, process in self.processes.items():
            status = Path(f"/proc/{process.pid}/status").read_text()
            kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
            out[name] = round(kb / 1024, 1)
        return out

    async def stop(self) -> None:
        await asyncio.to_thread(stop_all, self.processes.values(), timeout_s=15)
        self.broker.stop()
        for name in self._pg_names:
            pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def stack(backend: str, services: list[str]) -> Any:
    s = Stack(backend, services)
    try:
        await s.start()
        yield s
    finally:
        await s.stop()


def token(role: Role) -> dict[str, str]:
    return bearer(role, settings=BenchSettings(jwt_secret=SECRET, api_key_pepper=PEPPER))


async def count(url: str, sql: str) -> int:
    if url.startswith("sqlite"):
        # A plain reader: in WAL mode it never waits for the services' writers (the platform's engine takes the write lock).
        import sqlite3

        def read() -> int:
            with sqlite3.connect(url.split(":///", 1)[1], timeout=60) as conn:
                return int(conn.execute(sql).fetchone()[0])

        return await asyncio.to_thread(read)
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            return int((await conn.execute(text(sql))).scalar_one())
    finally:
        await engine.dispose()


async def register(client: httpx.AsyncClient, dealers: list[Any]) -> dict[str, str]:
    keys = {}
    admin = token(Role.ADMIN)
    for d in dealers:
        (
            await client.put(
                f"/v1/dealers/{d.code}",
                json={"name": d.name, "region": d.region, "time_zone": d.time_zone},
                headers=admin,
            )
        ).raise_for_status()
        keys[d.code] = (await client.post(f"/v1/dealers/{d.code}/api-keys", headers=admin)).json()["api_key"]
    return keys


def workload(n: int, seed: int = 7) -> tuple[list[Any], dict[str, list[dict[str, Any]]]]:
    """n closed ROs over 20 dealers, each dealer's in 500-RO batches."""
    rng = random.Random(seed)
    dealers = build_network(rng, 20, 400)
    for d in dealers:
        d.daily_ros = n / 20 / 28
    now = datetime.now(UTC)
    per_dealer = {d.code: repair_orders(rng, d, (now - timedelta(days=29)).date(), 29, now) for d in dealers}
    flat = [(code, ro) for code, ros in per_dealer.items() for ro in ros][:n]
    trimmed: dict[str, list[dict[str, Any]]] = {}
    for code, ro in flat:
        trimmed.setdefault(code, []).append(ro)
    return dealers, trimmed


async def throughput(backend: str, n: int) -> dict[str, Any]:
    dealers, ros = workload(n)
    total = sum(len(v) for v in ros.values())
    # ROs settled in a month whose survey window has already closed, and ROs without a phone (the network's gaming
    # dealers drop some), get no link (DOMAIN.md): expect only the others.
    zones = {d.code: ZoneInfo(d.time_zone) for d in dealers}
    now = datetime.now(UTC)
    invitations = sum(1 for code, chunk in ros.items() for ro in chunk
                      if ro["customer"].get("phone")
                      and survey_closes_at(local_month(datetime.fromisoformat(ro["settled_at"]), zones[code]), zones[code]) > now)  # fmt: skip
    async with stack(backend, ["survey-api", "callback-scheduler"]) as s:
        async with httpx.AsyncClient(base_url=s.urls["survey-api"], timeout=300) as client:
            keys = await register(client, dealers)
            batches = [(code, chunk[i : i + 500]) for code, chunk in ros.items() for i in range(0, len(chunk), 500)]
            started = time.perf_counter()

            async def post(code: str, items: list[dict[str, Any]]) -> None:
                (
                    await client.post(
                        "/v1/repair-orders/batch", json={"items": items}, headers={"X-API-Key": keys[code]}
                    )
                ).raise_for_status()

            semaphore = asyncio.Semaphore(4)  # a few DMS end-of-day batches at once
            meter = s.cpu_meter()
            meter.start()

            async def bounded(code: str, items: list[dict[str, Any]]) -> None:
                async with semaphore:
                    await post(code, items)

            await asyncio.gather(*(bounded(c, b) for c, b in batches))
            accepted = time.perf_counter() - started
            while True:
                callbacks = await count(s.db["callback-scheduler"], "SELECT count(*) FROM callbacks")
                surveys = await count(s.db["survey-api"], "SELECT count(*) FROM surveys")
                if callbacks >= total and surveys >= invitations:
                    break
                await asyncio.sleep(0.5)
            end_to_end = time.perf_counter() - started
            cpu = meter.stop()
            rss = s.peak_rss_mb()
        baseline_db = await bulk_insert_baseline(backend, ros)
        baseline_kafka = await kafka_baseline(total)
    return {"backend": backend, "ros": total, "accepted_s": round(accepted, 1), "end_to_end_s": round(end_to_end, 1),
            "ro_per_s": round(total / end_to_end, 1), "bulk_insert_ro_per_s": round(baseline_db, 1),
            "kafka_msgs_per_s": round(baseline_kafka, 1), "fraction_of_bulk_insert": round(total / end_to_end / baseline_db, 4),
            "fraction_of_kafka": round(total / end_to_end / baseline_kafka, 4), "peak_rss_mb": rss,
            "cpu_ms_per_ro": {k: round(v * 1000 / total, 3) for k, v in cpu.items()},
            "cpu_bound_ro_per_s": round(cores() * total / cpu["machine"], 1)}  # fmt: skip


async def bulk_insert_baseline(backend: str, ros: dict[str, list[dict[str, Any]]]) -> float:
    """The same rows, one table, one transaction, the same driver: what the database alone can take."""
    metadata = MetaData()
    table = Table("bench_ro", metadata, Column("id", Integer, primary_key=True), Column("dealer_code", String(20)),
                  Column("ro_number", String(50)), Column("vin", String(17)), Column("delivered_at", DateTime(timezone=True)),
                  Column("body", Text))  # fmt: skip
    rows = [{"dealer_code": c, "ro_number": r["ro_number"], "vin": r["vin"], "delivered_at": datetime.fromisoformat(r["delivered_at"]),
             "body": json.dumps(r, ensure_ascii=False)} for c, rs in ros.items() for r in rs]  # fmt: skip
    if backend == "sqlite":
        url = f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/bulk.db"
    else:
        name = f"csi_bench_bulk_{uuid.uuid4().hex[:6]}"
        pg_execute(f'CREATE DATABASE "{name}"')
        url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        started = time.perf_counter()
        async with engine.begin() as conn:
            await conn.execute(insert(table), rows)
        elapsed = time.perf_counter() - started
        async with engine.connect() as conn:
            assert (await conn.execute(select(func.count()).select_from(table))).scalar_one() == len(rows)
    finally:
        await engine.dispose()
        if backend != "sqlite":
            pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return len(rows) / elapsed


async def kafka_baseline(n: int) -> float:
    """n RO-sized messages produced (acks=all) and consumed by a group with plain aiokafka on the same broker."""
    body = json.dumps(workload(50)[1]["D001"][0]).encode() * 2
    with LocalBroker() as broker:
        producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap_servers, acks="all", linger_ms=5)
        consumer = AIOKafkaConsumer("bench", bootstrap_servers=broker.bootstrap_servers, group_id="bench", auto_offset_reset="earliest",
                                    enable_auto_commit=False, session_timeout_ms=2000, heartbeat_interval_ms=300)  # fmt: skip
        await producer.start()
        await producer.send_and_wait("bench", b"warm-up")
        await consumer.start()
        started = time.perf_counter()
        futures = [await producer.send("bench", body, key=f"D{i % 20:03d}".encode()) for i in range(n)]
        await asyncio.gather(*futures)
        seen = 0
        while seen < n + 1:
            batch = await consumer.getmany(timeout_ms=500, max_records=500)
            for tp, records in batch.items():
                seen += len(records)
                await consumer.commit({tp: records[-1].offset + 1})
        elapsed = time.perf_counter() - started
        await producer.stop()
        await consumer.stop()
    return n / elapsed


async def latency(backend: str, seconds: float, rate: float = 50.0) -> dict[str, Any]:
    """ROs posted one by one at a steady rate; the time from each POST's response to its callback existing."""
    dealers, ros = workload(int(seconds * rate) + 50, seed=11)
    flat = [ro for chunk in ros.values() for ro in chunk][: int(seconds * rate)]
    async with stack(backend, ["survey-api", "callback-scheduler"]) as s:  # noqa: SIM117 - the engine outlives the client
        async with httpx.AsyncClient(base_url=s.urls["survey-api"], timeout=30) as client:
            keys = await register(client, dealers)
            answered: dict[str, float] = {}
            started = time.perf_counter()
            tasks = []
            for i, ro in enumerate(flat):
                await asyncio.sleep(max(0.0, started + i / rate - time.perf_counter()))

                async def one(ro: dict[str, Any] = ro) -> None:
                    r = await client.post("/v1/repair-orders", json=ro, headers={"X-API-Key": keys[ro["dealer_code"]]})
                    r.raise_for_status()
                    answered[ro["ro_number"]] = time.time()

                tasks.append(asyncio.create_task(one()))
            await asyncio.gather(*tasks)
            listed: dict[str, float] = {}
            engine = create_engine(s.db["callback-scheduler"])
            try:
                deadline = time.time() + 120
                while len(listed) < len(flat) and time.time() < deadline:
                    async with engine.connect() as conn:
                        rows = (await conn.execute(text("SELECT ro_number, created_at FROM callbacks"))).all()
                    for ro_number, created_at in rows:
                        if isinstance(created_at, str):
                            created_at = datetime.fromisoformat(created_at)
                        if created_at.tzinfo is None:
                            created_at = created_at.replace(tzinfo=UTC)
                        listed.setdefault(ro_number, created_at.timestamp())
                    await asyncio.sleep(0.2)
            finally:
                await engine.dispose()
    delays = [max(0.0, listed[k] - answered[k]) * 1000 for k in answered if k in listed]
    return {"backend": backend, "rate": rate, "ros": len(flat), "reached": len(delays),
            "p50_ms": round(pct(delays, 0.5), 1), "p95_ms": round(pct(delays, 0.95), 1), "p99_ms": round(pct(delays, 0.99), 1)}  # fmt: skip


async def oem_pull(backend: str, dealers: int, months: int, requests: int = 200) -> dict[str, Any]:
    """Ranking and one card with `dealers` dealers and `months` months of aggregates in place."""
    async with stack(backend, ["scoring"]) as s:
        # Through the command scoring owns: its tables are its own business (python -m scoring.seed).
        seeded = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "scoring.seed", "--database-url", s.db["scoring"], "--dealers", str(dealers), "--months", str(months)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        seed = json.loads(seeded.stdout)
        periods, card_dealer = seed["periods"], seed["card_dealer"]
        oem = token(Role.OEM_ANALYST)
        async with httpx.AsyncClient(base_url=s.urls["scoring"], timeout=30) as client:

            async def timed(path: str, params: dict[str, str]) -> list[float]:
                out = []
                for _ in range(requests):
                    t = time.perf_counter()
                    (await client.get(path, params=params, headers=oem)).raise_for_status()
                    out.append((time.perf_counter() - t) * 1000)
                return out

            await timed("/v1/csi", {"period": periods[0]})  # warm-up
            # The service's own CPU per request moves far less with other tenants of the machine than wall time.
            meter = s.cpu_meter()
            meter.start()
            ranking = await timed("/v1/csi", {"period": periods[1]})
            cpu = meter.stop()
            card = await timed(f"/v1/dealers/{card_dealer}/csi", {"period": periods[1]})
            rss = s.peak_rss_mb()
    return {"backend": backend, "dealers": dealers, "months": months, "ranking_p50_ms": round(pct(ranking, 0.5), 1),
            "ranking_p95_ms": round(pct(ranking, 0.95), 1), "card_p50_ms": round(pct(card, 0.5), 1),
            "card_p95_ms": round(pct(card, 0.95), 1), "peak_rss_mb": rss,
            "ranking_cpu_ms": {k: round(cpu[k] * 1000 / len(ranking), 1) for k in ("scoring", "postgresql", "load generator") if k in cpu}}  # fmt: skip


async def survey_page(backend: str, requests: int = 300) -> dict[str, Any]:
    """Time to first byte of the customer's survey page beside a static file served by the same survey-api."""
    async with (
        stack(backend, ["survey-api"]) as s,
        httpx.AsyncClient(base_url=s.urls["survey-api"], timeout=30) as client,
    ):
        admin = token(Role.ADMIN)
        (
            await client.put("/v1/dealers/B001", json={"name": "Bench Motors", "region": "east"}, headers=admin)
        ).raise_for_status()
        key = (await client.post("/v1/dealers/B001/api-keys", headers=admin)).json()["api_key"]
        delivered = datetime.now(UTC) - timedelta(days=2)  # its link went out yesterday at 10:00
        ro = {"dealer_code": "B001", "ro_number": "RO-PAGE", "vin": "LSVAU218XN2183294",
              "opened_at": (delivered - timedelta(hours=6)).isoformat(), "settled_at": (delivered - timedelta(minutes=20)).isoformat(),
              "delivered_at": delivered.isoformat(), "customer": {"name": "李雷", "phone": "+8613800138000"},
              "jobs": [{"op_code": "MAINT-10K", "kind": "maintenance"}]}  # fmt: skip
        (await client.post("/v1/repair-orders", json=ro, headers={"X-API-Key": key})).raise_for_status()
        inbox = s.tmp / "survey-api-data" / "sms-outbox.jsonl"
        deadline = time.monotonic() + 30
        while not inbox.exists() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        link = urlsplit(json.loads(inbox.read_text(encoding="utf-8").splitlines()[0])["survey_url"]).path

        async def ttfb(path: str) -> list[float]:
            out = []
            for _ in range(requests):
                t = time.perf_counter()
                async with client.stream("GET", path) as response:
                    out.append((time.perf_counter() - t) * 1000)
                    response.raise_for_status()
                    await response.aread()
            return out

        await ttfb(link)  # warm-up
        page, static = await ttfb(link), await ttfb("/static/survey.css")
    return {"backend": backend, "requests": requests, "page_ttfb_p50_ms": round(pct(page, 0.5), 2),
            "page_ttfb_p95_ms": round(pct(page, 0.95), 2), "static_ttfb_p50_ms": round(pct(static, 0.5), 2),
            "static_ttfb_p95_ms": round(pct(static, 0.95), 2)}  # fmt: skip


async def main() -> int:
    n = int(os.environ.get("BENCH_ROS", "5000"))
    backends = [b for b in os.environ.get("BENCH_BACKENDS", "sqlite,postgres").split(",") if b]
    if "postgres" in backends and not postgres_available():
        say("PostgreSQL is not reachable on 127.0.0.1:5432: skipping it")
        backends.remove("postgres")
    RESULTS["machine"] = {
        "cpus": cores(),
        "python": sys.version.split()[0],
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    parts = set(os.environ.get("BENCH_PARTS", "throughput,latency,oem,page").split(","))
    for backend in backends:
        if "throughput" in parts:
            say(
                f"\n[{backend}] 1. throughput: {n} ROs through POST /v1/repair-orders/batch until every callback and invitation exists"
            )
            result = await throughput(backend, n)
            RESULTS["runs"].append({"bench": "throughput", **result})
            say(
                f"  {result['ro_per_s']} RO/s end to end ({result['end_to_end_s']} s; accepted in {result['accepted_s']} s); "
                f"bulk insert {result['bulk_insert_ro_per_s']} rows/s → {result['fraction_of_bulk_insert']:.1%}; "
                f"plain aiokafka {result['kafka_msgs_per_s']} msg/s → {result['fraction_of_kafka']:.1%}; peak RSS {result['peak_rss_mb']} MB"
            )
            say(f"  CPU per RO (ms): {result['cpu_ms_per_ro']}; all {cores()} cores busy would allow at most "
                f"{result['cpu_bound_ro_per_s']} RO/s at this cost")  # fmt: skip
        if "latency" in parts:
            seconds = float(os.environ.get("BENCH_LATENCY_S", "20"))
            say(f"[{backend}] 2. latency at 50 RO/s for {seconds:g} s: POST answered → callback exists")
            result = await latency(backend, seconds)
            RESULTS["runs"].append({"bench": "latency", **result})
            say(
                f"  p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms ({result['reached']}/{result['ros']} ROs)"
            )
        if "oem" in parts:
            dealers, months = int(os.environ.get("BENCH_DEALERS", "3000")), int(os.environ.get("BENCH_MONTHS", "12"))
            say(f"[{backend}] 3. OEM pull: {dealers} dealers × {months} months of aggregates")
            result = await oem_pull(backend, dealers, months)
            RESULTS["runs"].append({"bench": "oem_pull", **result})
            say(f"  ranking p50 {result['ranking_p50_ms']} ms p95 {result['ranking_p95_ms']} ms; "
                f"card p50 {result['card_p50_ms']} ms p95 {result['card_p95_ms']} ms; peak RSS {result['peak_rss_mb']} MB")  # fmt: skip
            say(f"  CPU per ranking request (ms): {result['ranking_cpu_ms']}")
        if "page" in parts:
            say(f"[{backend}] 4. the survey page: time to first byte beside a static file of the same server")
            result = await survey_page(backend)
            RESULTS["runs"].append({"bench": "survey_page", **result})
            say(f"  page p50 {result['page_ttfb_p50_ms']} ms p95 {result['page_ttfb_p95_ms']} ms; "
                f"static file p50 {result['static_ttfb_p50_ms']} ms p95 {result['static_ttfb_p95_ms']} ms")  # fmt: skip
    out = Path("var/bench-results.json")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(RESULTS, indent=2))
    say(f"\nresults in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
