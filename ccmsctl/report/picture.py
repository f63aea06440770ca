"""The data-flow map as geometry: each jurisdiction's data on the left, the places that
store or process it on the right (sites and burst pools with their countries), one link per
jurisdiction and place labelled with its data classes; a cross-border link is marked with
its transfer mechanism. Python decides every position; the HTML template only draws."""

from __future__ import annotations

from dataclasses import dataclass

from ccmsctl.report.model import Flow, roles_text

ROW = 56  # vertical space per place
TOP = 40
WIDTH = 900
LEFT_X, LEFT_W = 20, 170
RIGHT_X, RIGHT_W = 610, 270
BOX_H = 36


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    label: str
    sub: str
    cross: bool = False


@dataclass(frozen=True)
class Link:
    x1: int
    y1: int
    x2: int
    y2: int
    label: str
    cross: bool
    mechanism: str

    @property
    def mid_x(self) -> int:
        return (self.x1 + self.x2) // 2

    @property
    def mid_y(self) -> int:
        return (self.y1 + self.y2) // 2


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    boxes: tuple[Box, ...]
    links: tuple[Link, ...]


def data_flow_picture(flows: tuple[Flow, ...]) -> Picture:
    grouped: dict[str, dict[tuple[str, str], list[Flow]]] = {}
    for flow in flows:
        grouped.setdefault(flow.jurisdiction, {}).setdefault((flow.place, flow.country), []).append(
            flow
        )
    boxes: list[Box] = []
    links: list[Link] = []
    y = TOP
    for jurisdiction in sorted(grouped):
        places = grouped[jurisdiction]
        first = y
        for (place, country), items in sorted(places.items()):
            cross = country != jurisdiction
            roles = roles_text({r.strip() for f in items for r in f.role.split(",")})
            boxes.append(Box(RIGHT_X, y, RIGHT_W, BOX_H, place, f"{country} · {roles}", cross))
            mechanism = next((f.mechanism for f in items if f.mechanism), "")
            label = ", ".join(sorted({f.data_class for f in items}))
            links.append(Link(0, 0, RIGHT_X, y + BOX_H // 2, label, cross, mechanism))
            y += ROW
        middle = (first + y - ROW) // 2
        boxes.append(Box(LEFT_X, middle, LEFT_W, BOX_H, f"{jurisdiction} data", "jurisdiction"))
        start = (LEFT_X + LEFT_W, middle + BOX_H // 2)
        links[-len(places) :] = [
            Link(start[0], start[1], link.x2, link.y2, link.label, link.cross, link.mechanism)
            for link in links[-len(places) :]
        ]
        y += ROW // 3
    return Picture(WIDTH, y + TOP // 2, tuple(boxes), tuple(links))
