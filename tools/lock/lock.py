"""`make lock`: requirements/<service>.txt (what each image installs) and requirements/dev.txt (what `make install`
installs), every package pinned with its hashes, resolved by uv from the projects' own dependency lists.

The projects (csi-shared, the services, csi-sim) are not on any index: they are left out of the input and installed
from the tree afterwards with --no-deps, so the lock holds everything else and nothing is resolved at install time.
The lock is universal (environment markers for every platform and Python from 3.11), so an arm64 image or a
developer on Python 3.12 installs from the same file.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "requirements"
SERVICES = ("survey-api", "callback-scheduler", "scoring", "complaints")
OURS = re.compile(r"^csi-[a-z-]+(\[[^\]]*\])?$")


def dependencies(project: Path, extras: tuple[str, ...] = ()) -> list[str]:
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    found = list(meta.get("dependencies", []))
    for extra in extras:
        found += meta.get("optional-dependencies", {})[extra]
    return [d for d in found if not OURS.match(d.split(";")[0].strip().replace(" ", ""))]


def inputs() -> dict[str, list[str]]:
    shared = dependencies(ROOT / "shared")
    wanted = {name: shared + dependencies(ROOT / "services" / name) for name in SERVICES}
    wanted["dev"] = sorted(
        {*dependencies(ROOT / "shared", ("dev",)), *dependencies(ROOT / "sim"),
         *(d for name in SERVICES for d in dependencies(ROOT / "services" / name))}
    )  # fmt: skip
    return wanted


def compile_lock(name: str, requirements: list[str], uv: str, upgrade: bool) -> None:
    with tempfile.NamedTemporaryFile("w", suffix=".in", prefix=f"{name}-") as source:
        source.write("\n".join(requirements) + "\n")
        source.flush()
        command = [uv, "pip", "compile", "--quiet", "--generate-hashes", "--universal", "--python-version", "3.11",
                   "--no-annotate", "--custom-compile-command", "make lock", "--output-file", str(OUT / f"{name}.txt"),
                   source.name]  # fmt: skip
        if upgrade:
            command.append("--upgrade")
        subprocess.run(command, check=True, cwd=ROOT)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upgrade", action="store_true", help="take the newest allowed versions, not the locked ones")
    args = parser.parse_args(argv)
    uv = str(Path(sys.executable).parent / "uv")
    OUT.mkdir(exist_ok=True)
    for name, requirements in inputs().items():
        compile_lock(name, requirements, uv, args.upgrade)
        print(f"locked requirements/{name}.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
