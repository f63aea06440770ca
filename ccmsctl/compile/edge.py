"""Edge hosts: Kamailio's config and its data files (dispatcher sets, ACL, DID table)."""

from __future__ import annotations

from ccmsctl.compile.header import header
from ccmsctl.compile.render import Renderer
from ccmsctl.compile.views import edge_view
from ccmsctl.model.kinds import Estate
from ccmsctl.model.site import Host, Site


def compile_edge(
    estate: Estate, site: Site, host: Host, renderer: Renderer, *, root: str = ""
) -> dict[str, bytes]:
    """Files of the edge `host`, by path under its root."""
    view = edge_view(estate, site, host, root=root)
    context = {
        "edge": view,
        "header": header(view.sources),
        "sets": view.sets,
        "acl": view.acl,
        "dids": view.dids,
    }
    files = {
        "etc/kamailio/kamailio.cfg": renderer.render("kamailio/kamailio.cfg.j2", context),
        "etc/kamailio/dispatcher.list": renderer.render("kamailio/dispatcher.list.j2", context),
        "etc/kamailio/address.list": renderer.render("kamailio/address.list.j2", context),
        "etc/kamailio/db/did": renderer.render("kamailio/did.j2", context),
    }
    if view.tls:
        files["etc/kamailio/tls.cfg"] = renderer.render("kamailio/tls.cfg.j2", context)
    return files
