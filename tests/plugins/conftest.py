"""Install the example plugin (examples/callswitch_echo) the way a user would, with pip.

Why not list it in the ``dev`` extra: a path dependency needs an absolute ``file://`` URL
in the metadata (PEP 508 has no relative paths), which would also be published with the
package, and installing it for the whole test run would change ``callswitch.providers()``
and the generated capability docs for every other test. So it is installed once per
session into a temporary directory with ``pip install --no-deps --no-build-isolation
--no-index --target`` (offline: the build backend, hatchling, is in the dev extra), and
that directory is put on ``sys.path`` only for the modules that ask for it.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import callswitch.registry as registry_module

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "callswitch_echo"


@pytest.fixture(scope="session")
def echo_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding callswitch-echo, installed by pip from examples/."""
    target = tmp_path_factory.mktemp("echo-site")
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "install",
        "--quiet",
        "--no-deps",
        "--no-build-isolation",
        "--no-index",
        "--disable-pip-version-check",
        "--target",
        str(target),
        str(EXAMPLE),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)
    assert proc.returncode == 0, (
        "pip could not install examples/callswitch_echo (is hatchling installed? it is in "
        f"the dev extra):\n{proc.stdout}\n{proc.stderr}"
    )
    assert list(target.glob("callswitch_echo-*.dist-info")), "no dist-info was installed"
    return target


def _forget_echo_modules() -> None:
    for name in list(sys.modules):
        if name == "callswitch_echo" or name.startswith("callswitch_echo."):
            del sys.modules[name]


@pytest.fixture(scope="module")
def echo_installed(echo_site: Path) -> Iterator[Path]:
    """callswitch-echo is importable and discovered through its entry point; afterwards
    the process is as before (sys.path, imported modules, the default registry)."""
    saved = registry_module._default
    sys.path.insert(0, str(echo_site))
    importlib.invalidate_caches()
    registry_module._default = None  # a fresh registry reads the entry points again
    try:
        yield echo_site
    finally:
        sys.path.remove(str(echo_site))
        importlib.invalidate_caches()
        _forget_echo_modules()
        registry_module._default = saved
