"""What our GitHub workflows must do, checked statically (they cannot run here); run by scripts/lint-workflows.

- release.yml builds abi3 wheels for manylinux and musllinux on x86_64, aarch64 and armv7, for macOS on x86_64 and
  arm64, and for Windows, plus the sdist; every build is ``--locked``; it publishes only on a ``v*`` tag, after every
  build, by trusted publishing (``id-token: write`` in the ``pypi`` environment, no token).
- ci.yml runs ``./scripts/test``; hacs.yml runs hassfest and the HACS action for an integration.
- Every workflow starts with no permissions and grants each job what it needs.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

WORKFLOWS = Path(__file__).resolve().parents[2] / ".github" / "workflows"
MATURIN = "PyO3/maturin-action@v1"


def load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    data["on"] = data.pop(True, data.get("on"))
    return dict(data)


def steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job.get("steps", []) if str(step.get("uses", "")).startswith(action)]


def matrix_rows(job: dict[str, Any]) -> list[dict[str, Any]]:
    """The rows of a job's matrix: the product of its lists, extended (not multiplied) by ``include``."""
    matrix = dict(job.get("strategy", {}).get("matrix", {}))
    include = matrix.pop("include", [])
    rows: list[dict[str, Any]] = [{}]
    for key, values in matrix.items():
        rows = [{**row, key: value} for row in rows for value in values]
    if rows == [{}]:
        return [dict(item) for item in include]
    for item in include:
        for row in rows:
            if all(row.get(k) == v for k, v in item.items() if k in row):
                row.update({k: v for k, v in item.items() if k not in row})
    return rows


def check_release(problems: list[str]) -> None:
    release = load("release.yml")
    jobs = release["jobs"]
    builds = {(row["libc"], row["target"]) for row in matrix_rows(jobs["linux"])}
    for libc in ("manylinux", "musllinux"):
        for target in ("x86_64", "aarch64", "armv7"):
            if (libc, target) not in builds:
                problems.append(f"release.yml: no {libc} {target} wheel")
    manylinux = {row["libc"]: row["manylinux"] for row in matrix_rows(jobs["linux"])}
    if not str(manylinux.get("musllinux", "")).startswith("musllinux"):
        problems.append("release.yml: the musllinux rows do not build musllinux wheels")
    if {row["target"] for row in matrix_rows(jobs["macos"])} != {"x86_64", "aarch64"}:
        problems.append("release.yml: macOS wheels must cover x86_64 and aarch64")
    if not steps_using(jobs["windows"], MATURIN):
        problems.append("release.yml: no Windows wheel")
    sdist_steps = steps_using(jobs["sdist"], MATURIN)
    if not sdist_steps or sdist_steps[0].get("with", {}).get("command") != "sdist":
        problems.append("release.yml: no sdist")
    for name in ("linux", "macos", "windows"):
        for step in steps_using(jobs[name], MATURIN):
            if "--locked" not in str(step.get("with", {}).get("args", "")):
                problems.append(f"release.yml: job {name} builds without --locked")
    if set(release["on"]["push"]["tags"]) != {"v*"} or "branches" in release["on"]["push"]:
        problems.append("release.yml: a push should trigger it only for v* tags")
    publish = jobs["publish"]
    if publish.get("if") != "startsWith(github.ref, 'refs/tags/v')":
        problems.append("release.yml: publish must run only on a v* tag")
    if set(publish.get("needs", [])) != {"linux", "macos", "windows", "sdist"}:
        problems.append("release.yml: publish must wait for every build")
    if (
        publish.get("permissions", {}).get("id-token") != "write"
        or publish.get("environment", {}).get("name") != "pypi"
    ):
        problems.append("release.yml: publish must use trusted publishing (id-token: write, environment pypi)")
    publish_steps = steps_using(publish, "pypa/gh-action-pypi-publish@")
    if len(publish_steps) != 1 or publish_steps[0].get("with", {}).get("password"):
        problems.append("release.yml: publish with pypa/gh-action-pypi-publish and no token")


def check_ci_and_hacs(problems: list[str]) -> None:
    ci = load("ci.yml")
    runs = [step.get("run", "") for job in ci["jobs"].values() for step in job.get("steps", [])]
    if "./scripts/test" not in runs:
        problems.append("ci.yml: no step runs ./scripts/test")
    hacs = load("hacs.yml")
    steps = [step for job in hacs["jobs"].values() for step in job.get("steps", [])]
    uses = {step.get("uses"): step.get("with", {}) for step in steps if "uses" in step}
    if "home-assistant/actions/hassfest@master" not in uses:
        problems.append("hacs.yml: no hassfest step (home-assistant/actions/hassfest@master)")
    if uses.get("hacs/action@main", {}).get("category") != "integration":
        problems.append("hacs.yml: no HACS validation for an integration (hacs/action@main, category: integration)")


def check_permissions(problems: list[str]) -> None:
    for path in sorted(WORKFLOWS.glob("*.yml")):
        workflow = load(path.name)
        if workflow.get("permissions") != {}:
            problems.append(f"{path.name}: start from `permissions: {{}}` and grant each job what it needs")
        for name, job in workflow["jobs"].items():
            if "permissions" not in job:
                problems.append(f"{path.name}: job {name} does not say which permissions it needs")


def main() -> int:
    problems: list[str] = []
    check_release(problems)
    check_ci_and_hacs(problems)
    check_permissions(problems)
    for problem in problems:
        print(f"workflow_policy: FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
