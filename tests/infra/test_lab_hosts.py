"""pytest-testinfra checks of the lab's hosts after an apply: files in place with the right
owner and mode, Kamailio listening where the model says, and each host's record matching
what is installed."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
import testinfra

from ccmsctl.compile.lab import lab_estate
from ccmsctl.load.estate import load_estate
from ccmsctl.model.site import Site
from ccmsctl.plan.state import RECORD
from tests.conftest import EXAMPLE, ccmsctl

pytestmark = pytest.mark.slow
HOSTS = [
    (site.name, host)
    for site in lab_estate(load_estate(EXAMPLE).estate).of(Site)
    for host in site.hosts
]


@pytest.fixture(scope="module")
def lab(example_lab: Path) -> Path:
    applied = ccmsctl("apply", str(EXAMPLE), "--auto-approve", cwd=example_lab)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    return example_lab / ".ccmsctl" / "lab"


@pytest.fixture(scope="module")
def machine() -> testinfra.host.Host:
    return testinfra.get_host("local://")


@pytest.mark.parametrize(("site", "host"), HOSTS, ids=[host.name for _, host in HOSTS])
def test_record_matches_installed_files(lab: Path, machine, site: str, host) -> None:
    record = machine.file(str(lab / host.name / RECORD))
    assert record.exists and record.mode == 0o600  # it lists the files that hold secrets
    files = json.loads(record.content_string)["files"]
    assert files
    for path, digest in files.items():
        installed = machine.file(str(lab / host.name / path))
        assert installed.is_file, path
        assert installed.user == "root", path
        private = path.startswith(("etc/asterisk/", "etc/kamailio/tls/"))  # a service's own
        assert installed.mode == (0o640 if private else 0o644), path
        assert hashlib.sha256(installed.content).hexdigest() == digest, path


@pytest.mark.parametrize(
    ("site", "host"),
    [h for h in HOSTS if "edge" in h[1].roles],
    ids=[h.name for _, h in HOSTS if "edge" in h.roles],
)
def test_kamailio_listens_where_the_model_says(lab: Path, machine, site: str, host) -> None:
    assert machine.socket(f"udp://{host.address}:5060").is_listening
    assert machine.socket(f"tcp://{host.address}:5060").is_listening
    pid = machine.file(str(lab / host.name / "run/kamailio/kamailio.pid"))
    assert pid.exists
    assert machine.process.get(pid=int(pid.content_string)).comm == "kamailio"


@pytest.mark.parametrize(
    ("site", "host"),
    [h for h in HOSTS if "pbx" in h[1].roles],
    ids=[h.name for _, h in HOSTS if "pbx" in h.roles],
)
def test_recording_folders_match_the_purge_schedule(lab: Path, machine, site: str, host) -> None:
    schedule = machine.file(str(lab / host.name / "etc/cron.d/ccmsctl-retention"))
    purged = re.findall(r" find (\S+) -type f", schedule.content_string)
    assert purged  # every site of the example stores recordings
    for folder in purged:  # the lab's schedule names the folders under the host's root
        assert folder.startswith(str(lab / host.name) + "/"), folder
        made = machine.file(folder)
        assert made.is_directory, folder
        assert made.mode == 0o750, folder
