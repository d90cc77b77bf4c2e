"""The package as a user installs it: a wheel built from the working tree, in a scratch venv.

The scratch venv sees the shared venv's libraries through a ``.pth`` file (offline and fast: only
``oramigrate`` itself is installed), so an import of ``oramigrate`` there is the installed wheel,
never this checkout.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
from dataclasses import dataclass
from pathlib import Path

from support.databases import ROOT

EXAMPLE_APP = ROOT / "tests" / "support" / "example_app"


@dataclass(frozen=True)
class ScratchVenv:
    """A venv with the ``oramigrate`` wheel installed."""

    root: Path

    @property
    def python(self) -> Path:
        """The venv's interpreter."""
        return self.root / "bin" / "python"

    def script(self, name: str) -> Path:
        """A console script the wheel installed."""
        return self.root / "bin" / name


def build_wheel(workdir: Path) -> Path:
    """The wheel of the working tree (built from a copy: the checkout gets no build/ or egg-info)."""
    source = workdir / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "oramigrate", source / "oramigrate", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", "dist", "."],
        cwd=source, check=True, capture_output=True, text=True,
    )  # fmt: skip
    (wheel,) = (source / "dist").glob("oramigrate-*.whl")
    return wheel


def scratch_venv(workdir: Path) -> ScratchVenv:
    """A new venv with the wheel installed and the shared venv's libraries visible."""
    wheel = build_wheel(workdir)
    venv = ScratchVenv(workdir / "venv")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv.root)], check=True)
    purelib = subprocess.run(
        [str(venv.python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    Path(purelib, "shared_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv.python), "install", "-q", "--no-deps", str(wheel)],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    return venv
