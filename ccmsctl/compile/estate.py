"""Compile a whole estate: every host's files by role, and the estate-wide ones.

Pure and deterministic: the same estate gives the same bytes, in sorted order, with no
timestamps and no absolute build paths (`root` is the installed root, "" in production).
"""

from __future__ import annotations

from ccmsctl.compile.artifacts import Artifacts
from ccmsctl.compile.asterisk import compile_pbx
from ccmsctl.compile.edge import compile_edge
from ccmsctl.compile.keepalived import compile_keepalived
from ccmsctl.compile.render import Renderer
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Site


def compile_estate(
    estate: Estate, *, renderer: Renderer | None = None, roots: dict[str, str] | None = None
) -> Artifacts:
    """All artifacts of `estate`; `roots` gives a host's install root (the lab's folders)."""
    renderer = renderer or Renderer()
    roots = roots or {}
    hosts: dict[str, dict[str, bytes]] = {}
    for site in sorted(estate.of(Site), key=lambda s: s.name):
        for host in sorted(site.hosts, key=lambda h: h.name):
            root = roots.get(host.name, "")
            files: dict[str, bytes] = {}
            if "edge" in host.roles:
                files |= compile_edge(estate, site, host, renderer, root=root)
                files |= compile_keepalived(estate, site, host, renderer, root=root)
            if "pbx" in host.roles:
                files |= compile_pbx(estate, site, host, renderer, root=root)
            if files:
                hosts[host.name] = files
    return Artifacts(hosts)
