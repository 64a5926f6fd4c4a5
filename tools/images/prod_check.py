"""`make prod-check`: the service images run as deployed, behind Debian's nginx configured like the ingress, and one
RO driven through it.

Each image runs with `buildah run --isolation chroot` on the host network (no Docker engine here): its migration
command first, then an API process (CSI_RUN_CONSUMERS=false, CSI_RUN_JOBS=false, as deploy/k8s) and a worker process,
with the settings of the csi-common ConfigMap except Kafka, which is the local broker (PLAINTEXT: it has no SASL), and
one PostgreSQL database whose schemas keep the services apart. nginx routes /api/<service>/… and the survey page as
the ingress does and sets X-Forwarded-For; CSI_TRUSTED_PROXIES is nginx's address. Then a DMS posts an RO through
nginx, its callback appears, the customer answers the survey page and the dealer's card counts the answer. Prints each service's start-up time.
Run with the dev venv (it starts the local broker from csi_dev): `make images && make prod-check`.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import yaml
from pydantic import SecretStr

from csi_dev.broker import LocalBroker
from csi_dev.ports import free_port
from csi_shared.auth import Role, mint_token
from csi_shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
TAG = os.environ.get("TAG", "dev")
SERVICES = {"survey-api": "CSI_SURVEY_API_", "callback-scheduler": "CSI_CALLBACK_SCHEDULER_",
            "scoring": "CSI_SCORING_", "complaints": "CSI_COMPLAINTS_"}  # fmt: skip
DATABASE = "csi_prod_check"


def common_env() -> dict[str, str]:
    docs = yaml.safe_load_all((ROOT / "deploy" / "k8s" / "base" / "common.yaml").read_text())
    common = next(d for d in docs if d and d["metadata"]["name"] == "csi-common")
    return {k: v for k, v in common["data"].items() if not k.startswith("CSI_KAFKA_")}


class Container:
    """One image's command on the host network, as its own buildah working container."""

    def __init__(self, image: str, env: dict[str, str], volumes: tuple[str, ...] = ()) -> None:
        self.image, self.env, self.volumes = image, env, volumes
        self.id = subprocess.run(["buildah", "from", "--quiet", image], check=True, capture_output=True,
                                 text=True).stdout.strip()  # fmt: skip
        self.process: subprocess.Popen[bytes] | None = None

    def command(self, args: list[str]) -> list[str]:
        env = [x for k, v in self.env.items() for x in ("--env", f"{k}={v}")]
        volumes = [x for v in self.volumes for x in ("--volume", v)]
        return ["buildah", "run", "--isolation", "chroot", "--network", "host", *env, *volumes, self.id, "--", *args]

    def run(self, args: list[str]) -> str:
        result = subprocess.run(self.command(args), capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{self.image}: {' '.join(args)} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    def start(self, args: list[str], log: Path) -> None:
        self.process = subprocess.Popen(self.command(args), stdout=log.open("wb"), stderr=subprocess.STDOUT)

    def remove(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=25)
            except subprocess.TimeoutExpired:
                self.process.kill()
        subprocess.run(["buildah", "rm", self.id], capture_output=True)


def image_cmd(image: str) -> list[str]:
    out = subprocess.run(["buildah", "inspect", "--type", "image", image], check=True, capture_output=True, text=True)
    return list(json.loads(out.stdout)["OCIv1"]["config"]["Cmd"])


def with_port(cmd: list[str], port: int) -> list[str]:
    cmd = list(cmd)
    cmd[cmd.index("--port") + 1] = str(port)
    cmd[cmd.index("--host") + 1] = "127.0.0.1"
    return cmd


def http(method: str, url: str, body: Any = None, headers: dict[str, str] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json",
                                                                               **(headers or {})})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def wait_for(url: str, timeout_s: float, process: subprocess.Popen[bytes] | None = None) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"exited before {url} answered")
        try:
            if http("GET", url)[0] == 200:
                return time.monotonic() - start
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{url} did not answer 200 within {timeout_s:.0f} s")


def nginx_conf(port: int, apis: dict[str, int], work: Path) -> Path:
    """What the ingress does (deploy/k8s/base/ingress.yaml): /api/<service>/x → the service's /x for the console,
    the survey page and its static files → survey-api; X-Forwarded-For set to the peer's address, as ingress-nginx
    does by default (compute-full-forwarded-for off: what a client wrote there is dropped)."""
    locations = (
        "".join(f"    location /api/{name}/ {{ proxy_pass http://127.0.0.1:{p}/; }}\n" for name, p in apis.items())
        + f"    location /s/ {{ proxy_pass http://127.0.0.1:{apis['survey-api']}; }}\n"
        + (f"    location /static/ {{ proxy_pass http://127.0.0.1:{apis['survey-api']}; }}\n")
    )
    conf = work / "nginx.conf"
    conf.write_text(f"""daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{}}
http {{
  access_log {work}/nginx-access.log;
  client_body_temp_path {work}/body; proxy_temp_path {work}/proxy; fastcgi_temp_path {work}/fcgi;
  uwsgi_temp_path {work}/uwsgi; scgi_temp_path {work}/scgi;
  client_max_body_size 16m;
  server {{
    listen 127.0.0.1:{port};
    proxy_set_header Host $host;
    proxy_set_header X-Forwarded-For $remote_addr;
    proxy_set_header X-Forwarded-Proto $scheme;
{locations}  }}
}}
""")
    return conf


def main() -> int:
    for tool in ("buildah", "nginx", "psql"):
        if shutil.which(tool) is None:
            print(f"prod-check: {tool} not found", file=sys.stderr)
            return 1
    work = Path(tempfile.mkdtemp(prefix="csi-prod-check-"))
    started = time.monotonic()
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {DATABASE}"],
                   check=True)  # fmt: skip
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {DATABASE}"], check=True)
    jwt_secret, pepper = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    containers: list[Container] = []
    nginx: subprocess.Popen[bytes] | None = None
    inbox = work / "survey-api-data"  # the dev SMS outbox: the customer's phone, as `make demo` reads it
    inbox.mkdir()
    os.chown(inbox, 10001, 10001)  # the images' user
    ingress = free_port()
    base = f"http://127.0.0.1:{ingress}"
    survey_env = {
        "CSI_SURVEY_API_NOTIFIER": "file", "CSI_SURVEY_API_DATA_DIR": "/var/csi",
        "CSI_SURVEY_API_SURVEY_URL_TEMPLATE": base + "/s/{token}",
        "CSI_SURVEY_API_QUIET_HOURS_START": "00:00", "CSI_SURVEY_API_QUIET_HOURS_END": "00:00",
        "CSI_SURVEY_API_INVITATION_CHECK_INTERVAL_S": "2",
    }  # fmt: skip
    with LocalBroker() as broker:
        env = {**common_env(), "CSI_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}",
               "CSI_KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap_servers, "CSI_KAFKA_TOPIC_PARTITIONS": "2",
               "CSI_JWT_SECRET": jwt_secret, "CSI_API_KEY_PEPPER": pepper, "CSI_TRUSTED_PROXIES": "127.0.0.1/32",
               "CSI_LOG_FORMAT": "json"}  # fmt: skip
        apis: dict[str, int] = {}
        try:
            for name, prefix in SERVICES.items():
                image = f"localhost/csi/{name}:{TAG}"
                volumes = (f"{inbox}:/var/csi",) if name == "survey-api" else ()
                service_env = {**env, **survey_env} if name == "survey-api" else env
                migrate = Container(image, service_env, volumes)
                containers.append(migrate)
                migrate.run(["csi", "db", "upgrade", "--service", name])
                cmd = image_cmd(image)
                for component, extra in (("api", {"RUN_CONSUMERS": "false", "RUN_JOBS": "false"}), ("worker", {})):
                    port = free_port()
                    container = Container(image, {**service_env, **{prefix + k: v for k, v in extra.items()}}, volumes)
                    containers.append(container)
                    begun = time.monotonic()
                    container.start(with_port(cmd, port), work / f"{name}-{component}.log")
                    wait_for(f"http://127.0.0.1:{port}/readyz", 90, container.process)
                    print(
                        f"{name:20} {component:6} ready {time.monotonic() - begun:5.1f} s after start (from its image)"
                    )
                    if component == "api":
                        apis[name] = port
            nginx = subprocess.Popen(["nginx", "-c", str(nginx_conf(ingress, apis, work)), "-p", str(work)],
                                     stderr=(work / "nginx.out").open("wb"))  # fmt: skip
            wait_for(f"{base}/api/survey-api/healthz", 10, nginx)
            drive(base, service_env_of(env, survey_env), jwt_secret, pepper, inbox)
        finally:
            if nginx is not None:
                nginx.terminate()
                nginx.wait(timeout=10)
            for container in containers:
                container.remove()
    print(f"prod-check passed in {time.monotonic() - started:.0f} s (logs in {work})")
    return 0


def service_env_of(env: dict[str, str], survey_env: dict[str, str]) -> dict[str, str]:
    return {**env, **survey_env}


def drive(base: str, env: dict[str, str], jwt_secret: str, pepper: str, inbox: Path) -> None:
    """The README's flow through nginx: a dealer, a DMS key, an RO posted, its callback on the CRA's worklist, the
    customer's survey link answered on the survey page, and the dealer's CSI card counting the answer."""
    survey_image = f"localhost/csi/survey-api:{TAG}"
    settings = ServiceSettings(jwt_secret=SecretStr(jwt_secret), api_key_pepper=SecretStr(pepper))
    admin = {"Authorization": "Bearer " + mint_token(settings, subject="prod-check", role=Role.ADMIN,
                                                      now=datetime.now(UTC))}  # fmt: skip
    status, body = http("PUT", f"{base}/api/survey-api/v1/dealers/D001",
                        {"name": "Shanghai Pudong Motors", "region": "east"}, admin)  # fmt: skip
    assert status in (200, 201), (status, body)
    cli = Container(survey_image, env, (f"{inbox}:/var/csi",))
    try:
        key = cli.run(["csi", "api-key", "create", "--dealer", "D001"]).strip().splitlines()[-1]
    finally:
        cli.remove()
    sys.path.insert(0, str(ROOT))
    from tests.conftest import repair_order

    delivered = datetime.now(UTC) - timedelta(days=2)  # its link went out yesterday
    ro = repair_order(
        "D001",
        "RO-PROD-CHECK",
        opened_at=(delivered - timedelta(hours=6)).isoformat(),
        promised_at=(delivered - timedelta(hours=1)).isoformat(),
        settled_at=(delivered - timedelta(minutes=20)).isoformat(),
        delivered_at=delivered.isoformat(),
    )
    status, body = http("POST", f"{base}/api/survey-api/v1/repair-orders", ro, {"X-API-Key": key})
    assert status == 201, (status, body)
    print("through nginx: a DMS posted an RO (201)")
    deadline = time.monotonic() + 60
    while True:
        status, body = http("GET", f"{base}/api/callback-scheduler/v1/callbacks?dealer_code=D001", headers=admin)
        items = body.get("items", []) if isinstance(body, dict) else []
        if status == 200 and items:
            print(f"through nginx: its callback is on the worklist ({items[0].get('ro_number')})")
            break
        assert time.monotonic() < deadline, f"no callback within 60 s: {status} {body}"
        time.sleep(0.5)
    answer_the_survey(base, inbox)
    period = delivered.astimezone(timezone(timedelta(hours=8))).strftime("%Y-%m")
    deadline = time.monotonic() + 60
    while True:
        status, card = http("GET", f"{base}/api/scoring/v1/dealers/D001/csi?period={period}", headers=admin)
        if status == 200 and card["responses"] >= 1:
            print(
                f"through nginx: the dealer's CSI card for {period} counts the answer (responses {card['responses']})"
            )
            return
        assert time.monotonic() < deadline, f"the card did not count the answer within 60 s: {status} {card}"
        time.sleep(0.5)


def answer_the_survey(base: str, inbox: Path) -> None:
    """The customer opens the link of the SMS and posts the form, as a browser without JavaScript does."""
    from survey_api.questionnaires.catalogue import CSI_V1
    from survey_api.surveys.form import item_field

    deadline = time.monotonic() + 60
    outbox = inbox / "sms-outbox.jsonl"
    while not outbox.exists() or not outbox.read_text().strip():
        assert time.monotonic() < deadline, "no survey link in the SMS outbox within 60 s"
        time.sleep(0.5)
    url = json.loads(outbox.read_text().splitlines()[0])["survey_url"]
    assert url.startswith(base + "/s/"), url
    with urllib.request.urlopen(url, timeout=10) as page:
        assert page.status == 200 and "<form" in page.read().decode()
    form = {item_field(i.code): "9" for i in CSI_V1.items}
    form.update(overall="9", recommend="9", return_intent="9", comment="", lang="zh-CN")
    request = urllib.request.Request(
        url,
        data=urllib.parse.urlencode(form).encode(),
        method="POST",
        headers={"Origin": base, "Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=10) as done:  # follows the 303 to the thank-you page
        assert done.status == 200, done.status
    print("through nginx: the customer answered the survey page")


if __name__ == "__main__":
    sys.exit(main())
