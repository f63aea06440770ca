"""Write compiled artifacts to a build folder: all of it or nothing.

The tree is written to a temporary sibling folder first and swapped in with renames, so a
reader never sees half a build. Only a folder that is empty or holds an earlier build (its
manifest) is replaced.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ccmsctl.compile.artifacts import MANIFEST, Artifacts


class BuildFolderError(Exception):
    """The output folder exists and is not a build ccmsctl wrote."""


def write_build(artifacts: Artifacts, out: Path) -> int:
    """Write `out/<host>/<path>` and `out/manifest.json`; returns the number of files."""
    if out.exists() and any(out.iterdir()) and not (out / MANIFEST).is_file():
        raise BuildFolderError(
            f"{out} is not empty and holds no {MANIFEST}: refusing to replace it"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        count = 0
        for host, path, content in artifacts.files():
            target = staging / host / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            count += 1
        for path, content in sorted(artifacts.estate.items()):
            (staging / path).write_bytes(content)
            count += 1
        for device, content in sorted(artifacts.devices.items()):
            (staging / "network").mkdir(exist_ok=True)
            (staging / "network" / f"{device}.cfg").write_bytes(content)
            count += 1
        (staging / MANIFEST).write_bytes(artifacts.manifest())
        old = out.with_name(f".{out.name}.old")
        if out.exists():
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return count
