"""Fail when the lock files do not hold the pins of pyproject.toml.

`make install` installs the lock files, not pyproject.toml, so a dependency added or bumped in pyproject.toml
without `make lock` would silently not be installed. This compares names and versions only (standard
library, no network); `make lock` is what resolves.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found[normalize(match.group(1))] = match.group(2)
    return found


def problems(wanted: list[str], lock: Path) -> list[str]:
    locked = pins(lock.read_text().splitlines()) if lock.exists() else {}
    out = []
    for requirement in wanted:
        match = PIN.match(requirement)
        if not match:
            out.append(f"pyproject.toml: {requirement!r} is not pinned with ==")
            continue
        name, version = normalize(match.group(1)), match.group(2)
        if locked.get(name) != version:
            have = locked.get(name, "absent")
            out.append(f"{lock.name}: {name} is {have}, pyproject.toml pins {version}")
    return out


def main() -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = project["dependencies"]
    test = project["optional-dependencies"]["test"]
    found = problems(runtime, ROOT / "requirements.lock") + problems(
        runtime + test, ROOT / "requirements-test.lock"
    )
    for problem in found:
        print(problem, file=sys.stderr)
    if found:
        print("The lock files are out of date: run `make lock` and commit them.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
