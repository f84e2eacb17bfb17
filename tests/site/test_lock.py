"""The locks: requirements.lock still satisfies pyproject.toml, is complete (every locked
package's own requirements are locked too) and pins every file by hash; the installer pinned in
scripts/tools/uv.lock is the one scripts/bootstrap runs. When one of these fails, run scripts/lock
(README, "Dependencies")."""

import re
import subprocess
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements.lock"
UV_LOCK = REPO / "scripts" / "tools" / "uv.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==(\S+)")


def pins(path):
    """{canonical name: (version, number of hashes)} of a `uv pip compile --generate-hashes` file."""
    found = {}
    name = None
    for line in path.read_text().splitlines():
        if match := PIN.match(line):
            name = canonicalize_name(match[1])
            assert name not in found, f"{name} pinned twice in {path.name}"
            found[name] = [match[3], 0]
        elif name and line.strip().startswith("--hash=sha256:"):
            found[name][1] += 1
        elif not line.startswith((" ", "#")) and line.strip():
            name = None
    return {name: tuple(value) for name, value in found.items()}


def project():
    return tomllib.loads((REPO / "pyproject.toml").read_text())


def unmet(requirements, locked, extras=("",)):
    """The requirements (for Python 3.11 on this platform, as locked) that the lock does not meet."""
    environment = default_environment() | {
        "python_version": "3.11",
        "python_full_version": "3.11.7",
    }
    missing = []
    for text in requirements:
        requirement = Requirement(text)
        if requirement.marker and not any(
            requirement.marker.evaluate(environment | {"extra": extra}) for extra in extras
        ):
            continue
        version = locked.get(canonicalize_name(requirement.name), (None,))[0]
        if version is None or not requirement.specifier.contains(version, prereleases=True):
            missing.append(f"{text} (locked: {version})")
    return missing


def test_every_dependency_of_pyproject_is_locked_at_a_version_it_accepts():
    locked = pins(LOCK)
    config = project()
    wanted = [
        *config["project"]["dependencies"],
        *config["project"]["optional-dependencies"]["test"],
    ]
    assert unmet(wanted, locked) == []


def test_the_build_backend_is_locked_at_the_version_pyproject_pins():
    # tests/test_wheel.py builds with the locked backend; `pip wheel .` fetches the pinned one.
    build = project()["build-system"]["requires"]
    assert all("==" in requirement for requirement in build), build
    assert unmet(build, pins(LOCK)) == []


def test_every_locked_package_has_its_own_requirements_locked():
    # The lock is the whole environment: uv pip sync installs it without resolving anything, so
    # a requirement of a locked package (an extra such as justext's lxml[html_clean] included)
    # that is missing from it would be missing from every installation.
    locked = pins(LOCK)
    problems = []
    for name in locked:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            problems.append(f"{name}: locked but not installed in this environment")
            continue
        extras = [""]
        for line in LOCK.read_text().splitlines():
            match = PIN.match(line)
            if match and canonicalize_name(match[1]) == name and match[2]:
                extras += match[2].strip("[]").split(",")
        # Extras that other locked packages ask of this one: lxml[html_clean] from justext.
        for other in locked:
            try:
                requires = metadata.distribution(other).requires or []
            except metadata.PackageNotFoundError:
                continue
            for text in requires:
                requirement = Requirement(text)
                if canonicalize_name(requirement.name) == name and not requirement.marker:
                    extras += list(requirement.extras)
        problems += [f"{name}: {text}" for text in unmet(dist.requires or [], locked, extras)]
    assert problems == []


def test_the_environment_is_exactly_the_lock():
    installed = {canonicalize_name(dist.name): dist.version for dist in metadata.distributions()}
    expected = {name: version for name, (version, _) in pins(LOCK).items()}
    assert installed == expected


def test_every_locked_file_is_pinned_by_hash():
    for path in (LOCK, UV_LOCK):
        unhashed = [name for name, (_, hashes) in pins(path).items() if hashes == 0]
        assert unhashed == [], path.name


def test_the_locks_say_the_command_that_made_them():
    for path in (LOCK, UV_LOCK):
        assert path.read_text().splitlines()[:2] == [
            "# This file was autogenerated by uv via the following command:",
            "#    scripts/lock",
        ]


def test_bootstrap_runs_the_pinned_uv():
    (version, hashes) = pins(UV_LOCK)["uv"]
    assert hashes > 0
    uv = subprocess.run(
        [REPO / "scripts" / "tools" / "uv-path"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert uv == f".tools/uv-{version}/bin/uv"
    shown = subprocess.run([REPO / uv, "--version"], capture_output=True, text=True, check=True)
    assert shown.stdout.split()[:2] == ["uv", version]
