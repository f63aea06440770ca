"""The lab hands out loopback addresses once: a grown estate gets free addresses for what is
new, and nothing handed out before moves."""

from __future__ import annotations

import pytest

from ccmsctl.compile.lab import LabAddressError, LabAddresses, lab_addresses, relocated
from ccmsctl.load.estate import load_estate
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site
from tests.conftest import EXAMPLE


def grown(estate: Estate) -> Estate:
    """The estate with one more site, named to sort before every other."""
    [model] = [site for site in estate.of(Site) if site.name == "hk-1"]
    new = model.model_copy(
        update={
            "name": "aa-1",
            "hosts": tuple(
                host.model_copy(update={"name": "aa-" + host.name}) for host in model.hosts
            ),
        }
    )
    documents = dict(estate.documents)
    documents["Site"] = (*estate.of(Site), new)
    return Estate(documents=documents, broken=estate.broken)


def test_a_new_site_gets_free_addresses_and_moves_nothing() -> None:
    estate = load_estate(EXAMPLE).estate
    first = lab_addresses(estate)
    assert lab_addresses(estate) == first
    assert LabAddresses.from_json(first.to_json()) == first
    later = lab_addresses(grown(estate), first)
    for part in ("hosts", "vips", "peers", "gateways", "devices"):
        old, new = getattr(first, part), getattr(later, part)
        assert {name: new[name] for name in old} == old
    used = set(first.hosts.values()) | set(first.vips.values())
    added = {later.hosts[name] for name in later.hosts if name.startswith("aa-")}
    assert added and not added & used
    assert len(set(later.hosts.values())) == len(later.hosts)


def test_what_the_lab_has_no_address_for_is_named() -> None:
    estate = load_estate(EXAMPLE).estate
    addresses = lab_addresses(estate)
    with pytest.raises(LabAddressError, match=r"host aa-hk1-edge-1.*run ccmsctl lab up again"):
        relocated(grown(estate), addresses)
    moved = relocated(estate, addresses)
    assert all(
        str(host.address).startswith("127.") for site in moved.of(Site) for host in site.hosts
    )
