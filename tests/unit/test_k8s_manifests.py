"""The Kubernetes manifests (deploy/k8s, kustomize) checked without a cluster: every file
parses, each object is well formed for its kind, the API's probes are /readyz and /healthz
on the port it serves, every role runs a real `planflow` command from the one image as the
Dockerfile's non-root user, every setting they name is a field of the settings class, and
every object validates strictly against the Kubernetes API schemas (kubernetes-validate,
offline: the schemas ship with the package)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from tests.conftest import ROOT
from tests.unit.test_deploy_files import _is_planflow_command
from workflow.settings import Settings

K8S = ROOT / "deploy" / "k8s"
API_VERSIONS = {
    "ConfigMap": "v1",
    "Secret": "v1",
    "Service": "v1",
    "PersistentVolumeClaim": "v1",
    "Deployment": "apps/v1",
    "Job": "batch/v1",
}
ROLES = {
    "planflow-api": ["planflow", "serve"],
    "planflow-worker": ["planflow", "worker"],
    "planflow-scheduler": ["planflow", "scheduler"],
    "planflow-migrate": ["planflow", "db", "upgrade"],
}
DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")


def _kustomization() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))
    return data


def _objects() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in _kustomization()["resources"]:
        out.extend(d for d in yaml.safe_load_all((K8S / name).read_text("utf-8")) if d)
    return out


def _named(kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in _objects() if o["kind"] == kind}


def _workloads() -> dict[str, dict[str, Any]]:
    """Deployments and the Job by name: their pod templates."""
    return {**_named("Deployment"), **_named("Job")}


def _uid() -> int:
    match = re.search(r"useradd .*--uid (\d+)", (ROOT / "deploy" / "Dockerfile").read_text())
    assert match, "the Dockerfile creates its user with a fixed uid"
    return int(match.group(1))


def test_every_resource_is_listed_and_well_formed() -> None:
    kustomization = _kustomization()
    assert kustomization["kind"] == "Kustomization"
    listed = set(kustomization["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    objects = _objects()
    assert {o["kind"] for o in objects} == set(API_VERSIONS)
    names = [(o["kind"], o["metadata"]["name"]) for o in objects]
    assert len(names) == len(set(names))
    for obj in objects:
        assert obj["apiVersion"] == API_VERSIONS[obj["kind"]], obj["metadata"]
        assert DNS_NAME.match(obj["metadata"]["name"]), obj["metadata"]["name"]
    assert set(_workloads()) == set(ROLES)


def test_each_role_runs_its_planflow_command_from_the_one_image_as_non_root() -> None:
    images = {i["name"] for i in _kustomization()["images"]}
    uid = _uid()
    for name, workload in _workloads().items():
        spec = workload["spec"]
        pod = spec["template"]
        if workload["kind"] == "Deployment":
            assert spec["selector"]["matchLabels"].items() <= pod["metadata"]["labels"].items()
            assert spec["replicas"] >= 2, name  # one dead pod never stops a role
        else:
            assert pod["spec"]["restartPolicy"] in ("OnFailure", "Never")
        (container,) = pod["spec"]["containers"]
        assert container["image"] in images, name
        command = container["command"]
        assert command[: len(ROLES[name])] == ROLES[name], command
        assert _is_planflow_command(command), command
        context = pod["spec"]["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] == uid, name
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        mounts = {m["name"] for m in container.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod["spec"].get("volumes", [])}
        assert mounts <= set(volumes), name
        claims = {
            v["persistentVolumeClaim"]["claimName"]
            for v in volumes.values()
            if "persistentVolumeClaim" in v
        }
        assert claims <= set(_named("PersistentVolumeClaim")), name


def test_api_probes_are_readyz_and_healthz_on_the_served_port() -> None:
    api = _named("Deployment")["planflow-api"]
    (container,) = api["spec"]["template"]["spec"]["containers"]
    command = container["command"]
    port = int(command[command.index("--port") + 1])
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports == {"http": port}

    def probe(name: str) -> tuple[str, int]:
        get = container[name]["httpGet"]
        return get["path"], ports.get(get["port"], get["port"])

    assert probe("readinessProbe") == ("/readyz", port)
    assert probe("livenessProbe") == ("/healthz", port)
    # Liveness never asks the database: a PostgreSQL outage must not restart every pod.
    assert container["livenessProbe"]["httpGet"]["path"] != "/readyz"
    service = _named("Service")["planflow-api"]
    assert service["spec"]["selector"] == api["spec"]["selector"]["matchLabels"]
    assert {p["targetPort"] for p in service["spec"]["ports"]} <= {"http", port}
    # The other roles serve no HTTP: nothing may probe them over it.
    for name, workload in _workloads().items():
        if name != "planflow-api":
            (other,) = workload["spec"]["template"]["spec"]["containers"]
            assert not any(k.endswith("Probe") for k in other), name


def test_settings_are_named_as_the_settings_class_reads_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = _named("ConfigMap")["planflow-settings"]["data"]
    secret = _named("Secret")["planflow-secrets"]["stringData"]
    fields = set(Settings.model_fields)
    for key in [*config, *secret]:
        assert key.startswith("PLANFLOW_"), key
        assert key.removeprefix("PLANFLOW_").lower() in fields, key
    assert not set(config) & set(secret)
    assert config["PLANFLOW_MODE"] == "distributed"
    # What signs sessions and reaches the database is never in the ConfigMap.
    assert {"PLANFLOW_DATABASE_URL", "PLANFLOW_SECRET_KEY"} <= set(secret)
    # Each value is one the settings class reads from the environment (the placeholders
    # too: they are refused later, by `serve`'s key check and by the database).
    for key, value in {**config, **secret}.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.mode == "distributed" and settings.trusted_proxies == ["10.0.0.0/8"]
    assert str(settings.metrics_directory) == config["PLANFLOW_METRICS_DIR"]
    for workload in _workloads().values():
        (container,) = workload["spec"]["template"]["spec"]["containers"]
        sources = {next(iter(ref.values()))["name"] for ref in container["envFrom"]}
        assert sources == {"planflow-settings", "planflow-secrets"}
        for env in container.get("env", []):
            assert env["name"].removeprefix("PLANFLOW_").lower() in fields, env["name"]


@pytest.mark.parametrize("path", sorted(K8S.glob("*.yaml")), ids=lambda p: Path(p).name)
def test_manifests_use_no_yaml_aliases_or_tabs(path: Path) -> None:
    text = path.read_text("utf-8")
    assert "\t" not in text
    assert not re.search(r"(^|\s)[&*][A-Za-z]", text), path.name


# The oldest Kubernetes release still supported upstream when the manifests were written,
# and the newest the validator knows: the manifests must hold on both.
KUBERNETES_VERSIONS = ("1.31.0", kubernetes_validate.latest_version())


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_object_validates_against_the_kubernetes_schemas(version: str) -> None:
    for obj in _objects():
        # strict: a misspelt field (a probe's "paht") is an error, not ignored
        kubernetes_validate.validate(obj, version, strict=True)


def test_the_schema_check_catches_a_misspelt_field() -> None:
    api = _named("Deployment")["planflow-api"]
    container = api["spec"]["template"]["spec"]["containers"][0]
    broken = {**container, "readinessProbe": {"httpGet": {"paht": "/readyz", "port": 8000}}}
    spec = {**api["spec"]["template"]["spec"], "containers": [broken]}
    bad = {**api, "spec": {**api["spec"], "template": {**api["spec"]["template"], "spec": spec}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSIONS[-1], strict=True)
