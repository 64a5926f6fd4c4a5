"""Writes deploy/k8s/base from the service list and the topic list in csi_shared, so manifests and code agree.

Run `python deploy/k8s/generate.py` after changing a service, a port or a topic; `make test` fails while the
committed base differs from what this writes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from csi_shared.asyncapi import SERVICES as EVENT_ROLES
from csi_shared.events import ALL_TOPICS, EVENTS, dlq_topic

BASE = Path(__file__).resolve().parent / "base"
MONITORING = Path(__file__).resolve().parent / "monitoring"
UID = 10001
PART_OF = "csi-platform"


@dataclass(frozen=True)
class Svc:
    name: str
    module: str
    port: int
    env_prefix: str
    paths: tuple[str, ...]
    """Public paths of DESIGN.md this service answers, as ingress regexes."""


SERVICES = (
    Svc("survey-api", "survey_api", 8001, "CSI_SURVEY_API_",
        ("/v1/dealers", "/v1/repair-orders", "/v1/questionnaires", "/v1/surveys", "/v1/survey-responses",
         "/v1/survey-center", "/v1/notifications", "/v1/privacy", "/s", "/static")),
    Svc("callback-scheduler", "callback_scheduler", 8002, "CSI_CALLBACK_SCHEDULER_",
        ("/v1/callbacks", "/v1/compliance", "/v1/reports", "/v1/data-fix-tasks")),
    # A dealer's card lives under /v1/dealers/{code}/csi: the longer regex wins over survey-api's /v1/dealers.
    Svc("scoring", "scoring", 8003, "CSI_SCORING_", ("/v1/dealers/[^/]+/csi", "/v1/csi", "/v1/dispositions", "/v1/integrity")),
    Svc("complaints", "complaints", 8004, "CSI_COMPLAINTS_", ("/v1/complaints",)),
)  # fmt: skip

CONSOLE = "console"
CONSOLE_PORT = 8080
"""The staff console (web/console): nginx serves the built files; the ingress sends /api/<service>/… to the services."""

SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "runAsUser": UID,
    "runAsGroup": UID,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


KAFKA_CA_DIR = "/etc/csi/kafka-ca"
VOLUMES = {
    "tmp": {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}},
    "conf": {"name": "conf", "emptyDir": {"sizeLimit": "1Mi"}},
    # The cluster CA that signs the brokers' certificates: Strimzi's `<cluster>-cluster-ca-cert`, copied into the
    # platform's namespace (deploy/k8s/README.md).
    "kafka-ca": {"name": "kafka-ca", "secret": {"secretName": "csi-kafka-cluster-ca-cert", "items": [{"key": "ca.crt", "path": "ca.crt"}]}},
}  # fmt: skip


def kafka_user(svc: Svc) -> str:
    return f"csi-{svc.name}"


def labels(svc: Svc, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": svc.name,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
    }


def env(svc: Svc) -> list[dict[str, Any]]:
    """Secrets by reference only: the values live in Secrets the operator creates (see README)."""
    return [
        {
            "name": f"{svc.env_prefix}DATABASE_URL",
            "valueFrom": {"secretKeyRef": {"name": f"csi-{svc.name}-db", "key": "url"}},
        },
        {"name": "CSI_API_KEY_PEPPER", "valueFrom": {"secretKeyRef": {"name": "csi-auth", "key": "api-key-pepper"}}},
        {
            "name": "CSI_JWT_SECRET",
            "valueFrom": {"secretKeyRef": {"name": "csi-auth", "key": "jwt-secret", "optional": True}},
        },
        # The service's own Kafka identity: Strimzi's User Operator writes the KafkaUser's password into a Secret of
        # the same name (kafka_users below).
        {"name": "CSI_KAFKA_SASL_USERNAME", "value": kafka_user(svc)},
        {"name": "CSI_KAFKA_SASL_PASSWORD", "valueFrom": {"secretKeyRef": {"name": kafka_user(svc), "key": "password"}}},
    ] + (
        # survey-api's SMS gateway secret (it signs requests, checks webhooks) and its SMTP password (staff e-mail).
        [{"name": "CSI_SURVEY_API_SMS_GATEWAY_SECRET",
          "valueFrom": {"secretKeyRef": {"name": "csi-sms-gateway", "key": "secret", "optional": True}}},
         {"name": "CSI_SURVEY_API_SMTP_PASSWORD",
          "valueFrom": {"secretKeyRef": {"name": "csi-smtp", "key": "password", "optional": True}}}]
        if svc.name == "survey-api" else []
    )  # fmt: skip


def container(svc: Svc, component: str, command: list[str] | None = None) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": svc.name,
        "image": f"csi/{svc.name}:latest",
        "imagePullPolicy": "IfNotPresent",
        "envFrom": [
            {"configMapRef": {"name": "csi-common"}},
            {"configMapRef": {"name": f"csi-{svc.name}-{component}"}},
        ],
        "env": env(svc),
        "ports": [{"name": "http", "containerPort": svc.port}],
        "resources": {"requests": {"cpu": "100m", "memory": "192Mi"}, "limits": {"cpu": "1", "memory": "384Mi"}},
        "securityContext": SECURITY_CONTEXT,
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"},
                         {"name": "kafka-ca", "mountPath": KAFKA_CA_DIR, "readOnly": True}],
    }  # fmt: skip
    if command:
        c["command"] = command
        c.pop("ports")
        return c
    c["livenessProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10, "failureThreshold": 3}
    c["readinessProbe"] = {"httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5, "failureThreshold": 3}
    c["startupProbe"] = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 2, "failureThreshold": 30}
    # Endpoints drop the pod before it gets SIGTERM; then uvicorn drains and the consumer commits its batch.
    c["lifecycle"] = {"preStop": {"exec": {"command": ["python", "-c", "import time; time.sleep(5)"]}}}
    return c


def pod_spec(containers: list[dict[str, Any]], restart: str | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "securityContext": {"runAsNonRoot": True, "runAsUser": UID, "runAsGroup": UID, "fsGroup": UID,
                            "seccompProfile": {"type": "RuntimeDefault"}},
        "automountServiceAccountToken": False,
        "terminationGracePeriodSeconds": 30,
        "containers": containers,
        "volumes": [VOLUMES[name] for name in dict.fromkeys(m["name"] for c in containers for m in c.get("volumeMounts", []))],
    }  # fmt: skip
    if restart:
        spec["restartPolicy"] = restart
        spec.pop("terminationGracePeriodSeconds")
    return spec


def deployment(svc: Svc, component: str, replicas: int) -> dict[str, Any]:
    name = svc.name if component == "api" else f"{svc.name}-worker"
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels(svc, component)},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": svc.name, "app.kubernetes.io/component": component}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {"metadata": {"labels": labels(svc, component)}, "spec": pod_spec([container(svc, component)])},
        },
    }


def documents(svc: Svc) -> list[dict[str, Any]]:
    api_labels = labels(svc, "api")
    return [
        # API pods serve requests and relay their outbox; worker pods consume and run the periodic jobs,
        # so consumers scale with partitions and the API with traffic.
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"csi-{svc.name}-api", "labels": api_labels},
         "data": {f"{svc.env_prefix}HOST": "0.0.0.0", f"{svc.env_prefix}PORT": str(svc.port),
                  f"{svc.env_prefix}RUN_CONSUMERS": "false", f"{svc.env_prefix}RUN_JOBS": "false"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"csi-{svc.name}-worker", "labels": labels(svc, "worker")},
         "data": {f"{svc.env_prefix}HOST": "0.0.0.0", f"{svc.env_prefix}PORT": str(svc.port)}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"csi-{svc.name}-migrate", "labels": labels(svc, "migrate")},
         "data": {}},
        deployment(svc, "api", 2),
        deployment(svc, "worker", 2),
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": svc.name, "labels": api_labels},
         "spec": {"selector": {"app.kubernetes.io/name": svc.name, "app.kubernetes.io/component": "api"},
                  "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": svc.name, "labels": api_labels},
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": svc.name},
                  "minReplicas": 2, "maxReplicas": 10,
                  "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": svc.name, "labels": api_labels},
         "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": svc.name, "app.kubernetes.io/component": "api"}}}},
        {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": f"{svc.name}-migrate", "labels": labels(svc, "migrate")},
         "spec": {"backoffLimit": 3, "ttlSecondsAfterFinished": 86400,
                  "template": {"metadata": {"labels": labels(svc, "migrate")},
                               "spec": pod_spec([container(svc, "migrate", ["csi", "db", "upgrade", "--service", svc.name])], restart="Never")}}},
        # The inbox remembers processed event ids past the redelivery horizon (csi_shared.bus.maintenance), no longer.
        *cron_job(svc, "inbox-prune", "15 4 * * *", ["csi", "inbox", "prune", "--service", svc.name], []),
        *reconcile_job(svc),
    ]  # fmt: skip


def cron_job(
    svc: Svc, component: str, schedule: str, command: list[str], extra_env: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """An operator's command on a schedule, in the service's image, never two runs at once."""
    c = container(svc, component, command)
    c["env"] = [*c["env"], *extra_env]
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"csi-{svc.name}-{component}", "labels": labels(svc, component)},
         "data": {}},
        {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": f"{svc.name}-{component}", "labels": labels(svc, component)},
         "spec": {"schedule": schedule, "timeZone": "Asia/Shanghai", "concurrencyPolicy": "Forbid",
                  "startingDeadlineSeconds": 3600, "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 3,
                  "jobTemplate": {"spec": {"backoffLimit": 2, "ttlSecondsAfterFinished": 86400,
                                           "template": {"metadata": {"labels": labels(svc, component)},
                                                        "spec": pod_spec([c], restart="Never")}}}}},
    ]  # fmt: skip


def reconcile_job(svc: Svc) -> list[dict[str, Any]]:
    """`csi reconcile` every night: survey-api's ROs against callback-scheduler's callbacks (read only), the ROs
    without one re-announced from survey-api's outbox (docs/operations.md)."""
    if svc.name != "survey-api":
        return []
    callbacks_db = {"name": "CSI_CALLBACK_SCHEDULER_DATABASE_URL",
                    "valueFrom": {"secretKeyRef": {"name": "csi-callback-scheduler-db", "key": "url"}}}  # fmt: skip
    return cron_job(svc, "reconcile", "30 3 * * *", ["csi", "reconcile"], [callbacks_db])


def console_documents() -> list[dict[str, Any]]:
    """The console's Deployment, Service and settings: static files behind the same host as the APIs."""
    web = {
        "app.kubernetes.io/name": CONSOLE,
        "app.kubernetes.io/component": "web",
        "app.kubernetes.io/part-of": PART_OF,
    }
    probe = {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10, "failureThreshold": 3}
    container = {
        "name": CONSOLE,
        "image": f"csi/{CONSOLE}:latest",
        "imagePullPolicy": "IfNotPresent",
        "envFrom": [{"configMapRef": {"name": f"csi-{CONSOLE}"}}],
        "env": [],
        "ports": [{"name": "http", "containerPort": CONSOLE_PORT}],
        "resources": {"requests": {"cpu": "20m", "memory": "32Mi"}, "limits": {"cpu": "500m", "memory": "128Mi"}},
        "securityContext": SECURITY_CONTEXT,
        "livenessProbe": probe,
        "readinessProbe": {**probe, "httpGet": {"path": "/readyz", "port": "http"}, "periodSeconds": 5},
        # nginx writes its rendered configuration and temporary files; the root filesystem stays read-only.
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}, {"name": "conf", "mountPath": "/etc/nginx/conf.d"}],
    }
    pod = pod_spec([container])
    return [
        # The identity provider the console signs people in with (authorization code + PKCE), set per overlay.
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"csi-{CONSOLE}", "labels": web},
         "data": {"CONSOLE_OIDC_ISSUER": "https://login.example.com/", "CONSOLE_OIDC_ORIGIN": "https://login.example.com",
                  "CONSOLE_OIDC_CLIENT_ID": "csi-console", "CONSOLE_OIDC_SCOPE": "openid profile"}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": CONSOLE, "labels": web},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app.kubernetes.io/name": CONSOLE, "app.kubernetes.io/component": "web"}},
                  "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                  "template": {"metadata": {"labels": web}, "spec": pod}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": CONSOLE, "labels": web},
         "spec": {"selector": {"app.kubernetes.io/name": CONSOLE, "app.kubernetes.io/component": "web"},
                  "ports": [{"name": "http", "port": 80, "targetPort": "http"}]}},
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": CONSOLE, "labels": web},
         "spec": {"minAvailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": CONSOLE, "app.kubernetes.io/component": "web"}}}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "console-from-ingress", "labels": web},
         "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/name": CONSOLE, "app.kubernetes.io/component": "web"}},
                  "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
                               "ports": [{"protocol": "TCP", "port": "http"}]}]}},
    ]  # fmt: skip


def common() -> list[dict[str, Any]]:
    meta = {"labels": {"app.kubernetes.io/part-of": PART_OF}}
    return [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "csi-common", **meta},
         # Kafka over TLS with SCRAM-SHA-512 (Strimzi's `tls` listener with scram-sha-512 authentication); topics are
         # Strimzi's (KafkaTopic), never created by a service.
         "data": {"CSI_KAFKA_BOOTSTRAP_SERVERS": "csi-kafka-kafka-bootstrap.kafka:9093", "CSI_KAFKA_IDEMPOTENT_PRODUCER": "true",
                  "CSI_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "CSI_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
                  "CSI_KAFKA_SSL_CAFILE": f"{KAFKA_CA_DIR}/ca.crt", "CSI_KAFKA_CREATE_TOPICS": "false",
                  "CSI_KAFKA_TOPIC_PARTITIONS": "12", "CSI_JWT_ALGORITHM": "HS256", "CSI_JWT_ISSUER": "csi-dev",
                  "CSI_JWT_AUDIENCE": "csi", "CSI_CORS_ORIGINS": "[]", "CSI_LOG_LEVEL": "INFO",
                  # Whose X-Forwarded-For is believed: the pod network, of which only the ingress controller's pods
                  # reach an API pod (NetworkPolicy apis-from-ingress). Set it to your cluster's pod CIDR.
                  "CSI_TRUSTED_PROXIES": "10.0.0.0/8"}},
        # Nothing reaches a pod unless a policy below lets it.
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "default-deny-ingress", **meta},
         "spec": {"podSelector": {}, "policyTypes": ["Ingress"]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "apis-from-ingress", **meta},
         "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/component": "api", "app.kubernetes.io/part-of": PART_OF}},
                  "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}],
                               "ports": [{"protocol": "TCP", "port": "http"}]}]}},
        {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "metrics-from-monitoring", **meta},
         "spec": {"podSelector": {"matchLabels": {"app.kubernetes.io/part-of": PART_OF}}, "policyTypes": ["Ingress"],
                  "ingress": [{"from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}],
                               "ports": [{"protocol": "TCP", "port": "http"}]}]}},
    ]  # fmt: skip


def ingress() -> dict[str, Any]:
    paths = [
        {"path": f"{path}(/|$)", "pathType": "ImplementationSpecific",
         "backend": {"service": {"name": svc.name, "port": {"name": "http"}}}}
        for svc in SERVICES for path in svc.paths
    ]  # fmt: skip
    # Everything else is the console's page (the shortest regex, so nginx tries it last).
    paths.append({"path": "/", "pathType": "ImplementationSpecific",
                  "backend": {"service": {"name": CONSOLE, "port": {"name": "http"}}}})  # fmt: skip
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "csi", "labels": {"app.kubernetes.io/part-of": PART_OF},
                     "annotations": {"nginx.ingress.kubernetes.io/use-regex": "true",
                                     "nginx.ingress.kubernetes.io/proxy-body-size": "16m"}},
        "spec": {"ingressClassName": "nginx", "rules": [{"host": "csi.example.com", "http": {"paths": paths}}]},
    }  # fmt: skip


def console_api_ingress() -> dict[str, Any]:
    """/api/<service>/x → the service's /x: the console calls the APIs from its own origin (no CORS, CSP connect-src
    'self'), as csi_dev.console does under `make run`."""
    paths = [
        {"path": f"/api/{svc.name}(/|$)(.*)", "pathType": "ImplementationSpecific",
         "backend": {"service": {"name": svc.name, "port": {"name": "http"}}}}
        for svc in SERVICES
    ]  # fmt: skip
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "csi-console-api", "labels": {"app.kubernetes.io/part-of": PART_OF},
                     "annotations": {"nginx.ingress.kubernetes.io/use-regex": "true",
                                     "nginx.ingress.kubernetes.io/rewrite-target": "/$2",
                                     "nginx.ingress.kubernetes.io/proxy-body-size": "16m"}},
        "spec": {"ingressClassName": "nginx", "rules": [{"host": "csi.example.com", "http": {"paths": paths}}]},
    }  # fmt: skip


TOPIC_RETENTION_DAYS = 7
DLQ_RETENTION_DAYS = 30
"""Events carry customers' names and numbers (a callback's, a survey link's): an erased person's events already on
Kafka age out within these, the longest being 30 days (docs/privacy.md)."""


def topics() -> list[dict[str, Any]]:
    """Strimzi KafkaTopics: 12 partitions bound how many consumer pods share a topic; DLQs are small and kept longer."""
    docs = []
    for topic in ALL_TOPICS:
        for name, partitions, retention_days in (
            (topic, 12, TOPIC_RETENTION_DAYS),
            (dlq_topic(topic), 3, DLQ_RETENTION_DAYS),
        ):
            docs.append({
                "apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaTopic",
                "metadata": {"name": name.replace(".", "-"), "labels": {"strimzi.io/cluster": "csi-kafka", "app.kubernetes.io/part-of": PART_OF}},
                "spec": {"topicName": name, "partitions": partitions, "replicas": 3,
                         "config": {"min.insync.replicas": 2, "retention.ms": retention_days * 86_400_000}},
            })  # fmt: skip
    return docs


def topic_acls(svc: Svc) -> tuple[list[str], list[str]]:
    """What the service writes (the topics of the events it publishes, the DLQs of those it consumes) and what it
    reads (the topics of the events it consumes, and those DLQs for `csi dlq`), from the AsyncAPI roles table."""
    roles = EVENT_ROLES[svc.name]
    topic = {spec.type: spec.topic.value for spec in EVENTS.values()}
    consumed = sorted({topic[t] for t in roles.receives})
    writes = sorted({topic[t] for t in roles.sends} | {dlq_topic(t) for t in consumed})
    reads = sorted({*consumed, *(dlq_topic(t) for t in consumed)})
    return writes, reads


def kafka_users() -> list[dict[str, Any]]:
    """One identity per service, allowed exactly its own topics and its consumer group: a compromised service cannot
    forge another's events nor read what it has no use for."""
    users = []
    for svc in SERVICES:
        writes, reads = topic_acls(svc)
        acls = [
            *({"resource": {"type": "topic", "name": t, "patternType": "literal"}, "operations": ["Describe", "Write"]}
              for t in writes),
            *({"resource": {"type": "topic", "name": t, "patternType": "literal"}, "operations": ["Describe", "Read"]}
              for t in reads),
            {"resource": {"type": "group", "name": svc.name, "patternType": "literal"}, "operations": ["Read"]},
        ]  # fmt: skip
        users.append({
            "apiVersion": "kafka.strimzi.io/v1", "kind": "KafkaUser",
            "metadata": {"name": kafka_user(svc), "labels": {"strimzi.io/cluster": "csi-kafka", **labels(svc, "kafka")}},
            "spec": {"authentication": {"type": "scram-sha-512"}, "authorization": {"type": "simple", "acls": acls}},
        })  # fmt: skip
    return users


def monitoring() -> list[dict[str, Any]]:
    """Prometheus Operator objects: a PodMonitor per service (API and worker pods: the workers run the consumers and
    read the gauges), the alerts of monitoring/rules.yaml, and the Grafana dashboard for Grafana's sidecar."""
    docs: list[dict[str, Any]] = []
    for svc in SERVICES:
        docs.append({
            "apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitor",
            "metadata": {"name": svc.name, "labels": {"app.kubernetes.io/name": svc.name, "app.kubernetes.io/part-of": PART_OF}},
            "spec": {"selector": {"matchLabels": {"app.kubernetes.io/name": svc.name, "app.kubernetes.io/part-of": PART_OF}},
                     "podMetricsEndpoints": [{"port": "http", "path": "/metrics", "interval": "30s"}]},
        })  # fmt: skip
    part_of = {"app.kubernetes.io/part-of": PART_OF}
    rules = yaml.safe_load((MONITORING / "rules.yaml").read_text())
    docs.append({"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule",
                 "metadata": {"name": "csi-platform", "labels": part_of}, "spec": rules})  # fmt: skip
    docs.append({"apiVersion": "v1", "kind": "ConfigMap",
                 "metadata": {"name": "csi-grafana-dashboard", "labels": {**part_of, "grafana_dashboard": "1"}},
                 "data": {"csi-platform.json": (MONITORING / "dashboard.json").read_text()}})  # fmt: skip
    return docs


def render() -> dict[str, str]:
    """File name → content of the base."""
    files = {f"{svc.name}.yaml": yaml.safe_dump_all(documents(svc), sort_keys=False) for svc in SERVICES}
    files["common.yaml"] = yaml.safe_dump_all(common(), sort_keys=False)
    files["ingress.yaml"] = yaml.safe_dump_all([ingress(), console_api_ingress()], sort_keys=False)
    files["console.yaml"] = yaml.safe_dump_all(console_documents(), sort_keys=False)
    files["kafka-topics.yaml"] = yaml.safe_dump_all(topics(), sort_keys=False)
    files["kafka-users.yaml"] = yaml.safe_dump_all(kafka_users(), sort_keys=False)
    files["monitoring.yaml"] = yaml.safe_dump_all(monitoring(), sort_keys=False)
    resources = [
        "common.yaml",
        "kafka-topics.yaml",
        "kafka-users.yaml",
        "ingress.yaml",
        *[f"{s.name}.yaml" for s in SERVICES],
        "console.yaml",
        "monitoring.yaml",
    ]
    files["kustomization.yaml"] = yaml.safe_dump(
        {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization", "resources": resources,
         "images": [{"name": f"csi/{n}", "newTag": "latest"} for n in [*(s.name for s in SERVICES), CONSOLE]]}, sort_keys=False,
    )  # fmt: skip
    header = "# Generated by deploy/k8s/generate.py; edit that file and run it, not this one.\n"
    return {name: header + content for name, content in files.items()}


def main() -> int:
    BASE.mkdir(parents=True, exist_ok=True)
    for name, content in render().items():
        (BASE / name).write_text(content)
    print(f"wrote {len(render())} files to {BASE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
