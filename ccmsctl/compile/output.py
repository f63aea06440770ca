"""Write compiled artifacts to a build folder: all of it or nothing.

The tree is written to a temporary sibling folder first and swapped in with renames, so a
reader never sees half a build. Only a folder that is empty, or that ccmsctl itself wrote
(it holds ccmsctl's marker file, not merely some manifest.json), is replaced; never the
estate, a folder inside it, or a folder holding it. Any failure (a file in the way, a
read-only parent, a full disk) leaves the old folder as it was.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ccmsctl.artifacts import MANIFEST, Artifacts
from ccmsctl.errors import UserError

MARKER = ".ccmsctl-build"
_MARKER_TEXT = b"A build folder written by ccmsctl compile; ccmsctl replaces it whole.\n"


class BuildFolderError(UserError):
    """The output folder cannot, or may not, be written."""

    code = "E1103"


def check_build_folder(out: Path, estate: Path | None = None) -> None:
    """Raise BuildFolderError unless `out` may be (re)placed by a build."""
    where = out.resolve()
    if estate is not None:
        home = estate.resolve()
        if where == home or where.is_relative_to(home):
            raise BuildFolderError(
                f"{out} is inside the estate {estate}: its files would be read as the estate; "
                "write the build elsewhere"
            )
        if home.is_relative_to(where):
            raise BuildFolderError(f"{out} holds the estate {estate}: refusing to replace it")
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise BuildFolderError(f"{out} is not a folder: refusing to replace it")
    try:
        if out.exists() and any(out.iterdir()) and not (out / MARKER).is_file():
            raise BuildFolderError(
                f"{out} is not empty and was not written by ccmsctl compile (no {MARKER}): "
                "refusing to replace it"
            )
    except OSError as error:
        raise BuildFolderError(f"cannot read {out}: {error.strerror}") from None


def write_build(artifacts: Artifacts, out: Path, estate: Path | None = None) -> int:
    """Write `out/<host>/<path>`, `out/manifest.json` and the marker; returns the number of
    files. `estate` is the folder compiled, which the build may not touch."""
    check_build_folder(out, estate)
    staging: Path | None = None
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
        count = _write_tree(artifacts, staging)
        old = out.with_name(f".{out.name}.old")
        if out.exists():
            shutil.rmtree(old, ignore_errors=True)
            out.rename(old)
        staging.rename(out)
        shutil.rmtree(old, ignore_errors=True)
    except OSError as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        reason = error.strerror or str(error)
        raise BuildFolderError(f"cannot write {out}: {reason}; nothing was changed") from None
    except BaseException:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        raise
    return count


def _write_tree(artifacts: Artifacts, staging: Path) -> int:
    """Every file of `artifacts` under `staging`, each folder made once; then the manifest
    and the marker."""
    files = [(staging / host / path, content) for host, path, content in artifacts.files()]
    files += [(staging / path, content) for path, content in sorted(artifacts.estate.items())]
    files += [
        (staging / "network" / f"{device}.cfg", content)
        for device, content in sorted(artifacts.devices.items())
    ]
    for folder in sorted({target.parent for target, _ in files}):
        folder.mkdir(parents=True, exist_ok=True)
    for target, content in files:
        target.write_bytes(content)
    (staging / MANIFEST).write_bytes(artifacts.manifest())
    (staging / MARKER).write_bytes(_MARKER_TEXT)
    return len(files)
