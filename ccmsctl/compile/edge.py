"""Edge hosts: Kamailio's config and its data files (dispatcher sets, ACL, DID table, the
trunks whose calls it counts).

The data files are the same for every edge of a site and are rendered once per site.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from ccmsctl.artifacts import Secret, SecretFile
from ccmsctl.compile.header import header
from ccmsctl.compile.render import Renderer
from ccmsctl.compile.views import DidBlock, EdgeView, edge_site_view, for_host
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Host, Site


@dataclass(frozen=True)
class EdgeSite:
    """What all edges of a site share: the view and the rendered data files."""

    view: EdgeView
    files: dict[str, bytes]


def compile_edge_site(estate: Estate, site: Site, renderer: Renderer) -> EdgeSite:
    view = edge_site_view(estate, site)
    context = {
        "header": header(view.sources),
        "sets": view.sets,
        "acl": view.acl,
    }
    return EdgeSite(
        view,
        {
            "etc/kamailio/dispatcher.list": renderer.render("kamailio/dispatcher.list.j2", context),
            "etc/kamailio/address.list": renderer.render("kamailio/address.list.j2", context),
            "etc/kamailio/db/did": did_table(view.dids),
            "etc/kamailio/db/trunks": trunk_table(view.trunks),
        },
    )


# the columns of a db_text table an htable loads (its key, and its value as a string)
HTABLE_COLUMNS = (
    "id(int,auto) key_name(str) key_type(int) value_type(int) key_value(str) expires(int)"
)


def did_table(blocks: Sequence[DidBlock]) -> bytes:
    """The db_text table the edge's `did` htable loads: one row per DID, keys in text order.

    Streamed from the blocks (never expanded into one object per DID), so compile memory
    grows with the table's bytes only. Blocks of one length do not interleave in text
    order (numbers of equal length sort as numbers, and blocks do not overlap): they are
    written one after another; blocks of several lengths are merged."""
    chunks = [HTABLE_COLUMNS, "\n"]
    lengths = {len(str(block.first)) for block in blocks}
    if len(lengths) <= 1:
        index = 1
        for block in sorted(blocks, key=lambda b: b.first):
            numbers = range(block.first, block.last + 1)
            chunks.append(
                "".join(
                    f"{row}:{number}:0:1:{block.set}:0\n"
                    for row, number in enumerate(numbers, start=index)
                )
            )
            index += len(numbers)
        return "".join(chunks).encode("ascii")
    rows: list[str] = []
    for index, (key, dispatcher_set) in enumerate(heapq.merge(*map(_keys, blocks)), start=1):
        rows.append(f"{index}:{key}:0:1:{dispatcher_set}:0\n")
        if len(rows) == 4096:
            chunks.append("".join(rows))
            rows.clear()
    chunks.append("".join(rows))
    return "".join(chunks).encode("ascii")


def _keys(block: DidBlock) -> Iterator[tuple[str, int]]:
    return ((str(number), block.set) for number in range(block.first, block.last + 1))


def trunk_table(trunks: Sequence[str]) -> bytes:
    """The db_text table the edge's `trunks` htable loads: the trunks reaching the site, whose
    calls /metrics counts (a data file, so a new trunk needs no restart of Kamailio)."""
    rows = [f"{index}:{name}:0:1:{name}:0\n" for index, name in enumerate(trunks, start=1)]
    return "".join([HTABLE_COLUMNS, "\n", *rows]).encode("ascii")


def compile_edge(
    shared: EdgeSite, host: Host, renderer: Renderer, *, root: str = ""
) -> dict[str, bytes]:
    """Files of the edge `host`, by path under its root."""
    view = for_host(shared.view, host, root=root)
    context = {"edge": view, "header": header(view.config_sources)}
    files = dict(shared.files)
    files["etc/kamailio/kamailio.cfg"] = renderer.render("kamailio/kamailio.cfg.j2", context)
    if view.tls:
        files["etc/kamailio/tls.cfg"] = renderer.render("kamailio/tls.cfg.j2", context)
    return files


def edge_secrets(site: Site, shared: EdgeSite) -> dict[str, SecretFile]:
    """The TLS listener's certificate and key (tls.cfg names them), readable by Kamailio's
    group only; none when the edge takes no TLS trunk."""
    if not shared.view.tls or site.tls is None:
        return {}
    certificate = Secret(site.tls.certificate.secret, "tls-certificate")
    key = Secret(site.tls.private_key.secret, "tls-private-key")
    return {
        "etc/kamailio/tls/server.pem": SecretFile((certificate,), "0640", "kamailio"),
        "etc/kamailio/tls/server.key": SecretFile((key,), "0640", "kamailio"),
    }
