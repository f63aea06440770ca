"""Network devices: the intended voice configuration of each switch or router, rendered by
the platform's template from the shared view."""

from __future__ import annotations

from ccmsctl.compile.header import header
from ccmsctl.compile.network.view import network_view
from ccmsctl.compile.render import Renderer
from ccmsctl.model.kinds import Estate
from ccmsctl.model.netdevice import NetworkDevice


def compile_network_device(estate: Estate, device: NetworkDevice, renderer: Renderer) -> bytes:
    view = network_view(estate, device)
    sources = [f"NetworkDevice/{device.name}", f"Site/{device.site}"]
    template = f"network/{device.platform}/config.j2"
    return renderer.render(template, {"v": view, "header": header(sources)})
