"""Every kind of document, and `Estate`: the validated documents of one estate together.

An Estate can also be read through a view that notes what is read (`reading()`): which
kinds whole, which documents by name, which by the value of a field, which prompts. Each
read has a digest of what it gave (`read_digest`), so work done from a view can be known
to be still right for another estate whose reads give the same digests (compile's cache of
sites, compile/memo.py).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Address
from types import MappingProxyType
from typing import Annotated, TypeVar, cast, get_args

from pydantic import Field

from ccmsctl.model.agent import Agent
from ccmsctl.model.alerting import Alerting
from ccmsctl.model.base import Document
from ccmsctl.model.burstpool import BurstNode, BurstPool
from ccmsctl.model.estate import EstateInfo
from ccmsctl.model.gateway import Gateway
from ccmsctl.model.ivr import IVR
from ccmsctl.model.netdevice import NetworkDevice
from ccmsctl.model.numbers import NumberRange
from ccmsctl.model.residency import ResidencyPolicy
from ccmsctl.model.retention import RetentionPolicy
from ccmsctl.model.schedule import Schedule
from ccmsctl.model.site import Host, Site
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk
from ccmsctl.model.twinpair import TwinPair
from ccmsctl.model.waiver import Waiver

KINDS: Mapping[str, type[Document]] = MappingProxyType(
    {
        "Estate": EstateInfo,
        "Site": Site,
        "TwinPair": TwinPair,
        "Trunk": Trunk,
        "Gateway": Gateway,
        "NumberRange": NumberRange,
        "Schedule": Schedule,
        "IVR": IVR,
        "SkillGroup": SkillGroup,
        "Agent": Agent,
        "RetentionPolicy": RetentionPolicy,
        "ResidencyPolicy": ResidencyPolicy,
        "BurstPool": BurstPool,
        "NetworkDevice": NetworkDevice,
        "Alerting": Alerting,
        "Waiver": Waiver,
    }
)

AnyDocument = Annotated[
    EstateInfo
    | Site
    | TwinPair
    | Trunk
    | Gateway
    | NumberRange
    | Schedule
    | IVR
    | SkillGroup
    | Agent
    | RetentionPolicy
    | ResidencyPolicy
    | BurstPool
    | NetworkDevice
    | Alerting
    | Waiver,
    Field(discriminator="kind"),
]

D = TypeVar("D", bound=Document)
V = TypeVar("V")

# A read of an estate, as noted by a view: ("kind", KIND), ("name", KIND, NAME),
# ("where", KIND, FIELD, *VALUES), ("prompt", KEY), ("prompts",), ("names", KIND), ("estate",)
Read = tuple[str, ...]
_ABSENT = b"\0absent"


@dataclass(frozen=True)
class Estate:
    """All documents by kind, in file order. `broken` names documents that failed their schema:
    references to them are not reported as dangling, as the schema error already speaks.
    `prompts`: the IVR recordings of the estate's prompts/ folder, by `LANGUAGE/PROMPT`
    (`zh-CN/lotus/welcome` for prompts/zh-CN/lotus/welcome.wav)."""

    documents: Mapping[str, tuple[Document, ...]] = field(default_factory=dict)
    broken: frozenset[tuple[str, str]] = frozenset()
    prompts: Mapping[str, bytes] = field(default_factory=dict)
    # of() and index() per kind, worked out once: the documents never change
    _of: dict[type[Document], tuple[Document, ...]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _index: dict[type[Document], Mapping[str, Document]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # a view's reads, in the order first made (None: not a view); the digests of reads and
    # of documents (by id: the documents live as long as the estate), worked out once
    _reads: dict[Read, None] | None = field(default=None, init=False, repr=False, compare=False)
    _read_digests: dict[Read, bytes] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    _doc_digests: dict[int, bytes] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def reading(self) -> tuple[Estate, Mapping[Read, None]]:
        """A view of this estate that notes every read made through it, and the reads (in
        the order first made). Its documents and prompts are read through it too."""
        for kind in KINDS.values():  # so that a view never reads its documents to sort them
            self._all(kind)
        reads: dict[Read, None] = {}
        view = Estate(
            _NotedMapping(self.documents, reads, lambda name: ("kind", name), whole=("estate",)),
            self.broken,
            _NotedMapping(self.prompts, reads, lambda key: ("prompt", key), whole=("prompts",)),
        )
        for shared in ("_of", "_index", "_read_digests", "_doc_digests"):
            object.__setattr__(view, shared, getattr(self, shared))
        object.__setattr__(view, "_reads", reads)
        return view, reads

    def _note(self, read: Read) -> None:
        if self._reads is not None:
            self._reads[read] = None

    def where(self, kind: type[D], field: str, values: Collection[str]) -> tuple[D, ...]:
        """The documents of `kind` whose `field` is one of `values`, in file order."""
        self._note(("where", _kind_name(kind), field, *sorted(values)))
        return tuple(doc for doc in self._all(kind) if getattr(doc, field) in values)

    def of(self, kind: type[D]) -> tuple[D, ...]:
        self._note(("kind", _kind_name(kind)))
        return self._all(kind)

    def _all(self, kind: type[D]) -> tuple[D, ...]:
        found = self._of.get(kind)
        if found is None:
            docs = self.documents.get(_kind_name(kind), ())
            found = self._of[kind] = tuple(doc for doc in docs if isinstance(doc, kind))
        return found  # type: ignore[return-value]  # the documents of `kind` are D

    def names(self, kind: type[Document]) -> frozenset[str]:
        """Names of `kind`, including documents that failed their schema."""
        kind_name = _kind_name(kind)
        self._note(("names", kind_name))
        valid = {doc.name for doc in self.documents.get(kind_name, ())}
        return frozenset(valid | {name for k, name in self.broken if k == kind_name})

    def twin_of(self, site: str) -> tuple[TwinPair | None, str | None]:
        """The twin pair `site` belongs to (the first, if E0604 finds it in two), and the
        other site of it."""
        for pair in self.of(TwinPair):
            if site in pair.sites:
                other = pair.sites[1] if pair.sites[0] == site else pair.sites[0]
                return pair, other
        return None, None

    def vip_of(self, site: str) -> IPv4Address | None:
        """The VIP `site`'s edges hold (its twin pair gives it), if any."""
        pair, _ = self.twin_of(site)
        vip = pair.vip_of(site) if pair else None
        return vip.address if vip else None

    def entry_addresses(self, site: str) -> tuple[IPv4Address, ...]:
        """Where calls enter `site`: its VIP (which its edges share), else its edges'
        addresses in name order; none for an unknown site or one without edges. One home for
        the carriers' destination lists and where a PBX sends its calls out."""
        vip = self.vip_of(site)
        if vip is not None:
            return (vip,)
        return tuple(edge.address for edge in self.edges(site))

    def edges(self, site: str) -> tuple[Host, ...]:
        """The edge hosts of `site` in name order (the first takes a call when no VIP
        does); none for an unknown site."""
        found = self.index(Site).get(site)
        return tuple(sorted(found.hosts_with("edge"), key=lambda h: h.name)) if found else ()

    def burst_nodes(self, serving: str | None = None) -> tuple[BurstNode, ...]:
        """The running nodes of every burst pool (that serves site `serving`), by pool."""
        pools = sorted(self.of(BurstPool), key=lambda p: p.name)
        return tuple(
            node
            for pool in pools
            if serving is None or serving in pool.serves
            for node in pool.burst_nodes()
        )

    def site_and_twin(self, site: str) -> frozenset[str]:
        """`site` and its twin: the sites whose calls and agents its PBXs serve."""
        twin = self.twin_of(site)[1]
        return frozenset({site, *([twin] if twin else [])})

    def wave_of(self, site: str) -> int:
        """When an apply changes `site`: 1 with the sites outside twin pairs and the standby
        sides, 2 for the primary sides, so the two sites of a pair never change together."""
        pair, _ = self.twin_of(site)
        return 2 if pair is not None and pair.primary_site() == site else 1

    def digest(self) -> str:
        """sha256 of every document, canonically: independent of file layout and key order,
        and of every prompt recording."""
        documents = sorted(
            (kind, doc.name, doc.model_dump(mode="json", by_alias=True))
            for kind, docs in self.documents.items()
            for doc in docs
        )
        prompts = sorted(
            (key, hashlib.sha256(data).hexdigest()) for key, data in self.prompts.items()
        )
        text = json.dumps([documents, prompts] if prompts else documents, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def index(self, kind: type[D]) -> Mapping[str, D]:
        """The first document of each name."""
        cached = self._index.get(kind)
        if cached is None:
            found: dict[str, Document] = {}
            for doc in self._all(kind):
                found.setdefault(doc.name, doc)
            cached = self._index[kind] = MappingProxyType(found)
        if self._reads is not None:  # a view: each name looked up is a read of its own
            name = _kind_name(kind)
            noted = _NotedMapping(
                cached, self._reads, lambda key: ("name", name, key), whole=("kind", name)
            )
            return cast(Mapping[str, D], noted)
        return cached  # type: ignore[return-value]  # the documents of `kind` are D

    def read_digest(self, read: Read) -> bytes:
        """The digest of what `read` gives from this estate (not a view's)."""
        found = self._read_digests.get(read)
        if found is None:
            found = self._read_digests[read] = self._digest_of(read)
        return found

    def _digest_of(self, read: Read) -> bytes:
        what, *rest = read
        digest = hashlib.sha256(repr(read).encode())
        if what == "kind":
            for doc in self.documents.get(rest[0], ()):
                digest.update(self._doc_digest(doc))
        elif what == "name" and rest[0] in KINDS:
            named = self.index(KINDS[rest[0]]).get(rest[1])
            digest.update(self._doc_digest(named) if named is not None else _ABSENT)
        elif what == "where" and rest[0] in KINDS:
            for doc in self.where(KINDS[rest[0]], rest[1], rest[2:]):
                digest.update(self._doc_digest(doc))
        elif what == "prompt":
            data = self.prompts.get(rest[0])
            digest.update(hashlib.sha256(data).digest() if data is not None else _ABSENT)
        elif what == "prompts":
            for key, data in sorted(self.prompts.items()):
                digest.update(key.encode() + b"\0" + hashlib.sha256(data).digest())
        elif what == "names" and rest[0] in KINDS:
            digest.update(json.dumps(sorted(self.names(KINDS[rest[0]]))).encode())
        elif what == "estate":
            digest.update(self.digest().encode())
        else:  # not a read any view makes: never the same as before
            digest.update(hashlib.sha256(json.dumps(read).encode() + _ABSENT).digest())
            return b"\0unknown " + digest.digest()
        return digest.digest()

    def _doc_digest(self, doc: Document) -> bytes:
        found = self._doc_digests.get(id(doc))
        if found is None:
            text = f"{type(doc).__name__}\0{doc.model_dump_json(by_alias=True)}"
            found = self._doc_digests[id(doc)] = hashlib.sha256(text.encode()).digest()
        return found


class _NotedMapping(Mapping[str, V]):
    """`mapping` read through a view: each key looked up noted as `read(key)`, a look at
    every key (iterating, counting) as `whole` (or every key's read)."""

    __slots__ = ("mapping", "read", "reads", "whole")

    def __init__(
        self,
        mapping: Mapping[str, V],
        reads: dict[Read, None],
        read: Callable[[str], Read],
        whole: Read | None = None,
    ) -> None:
        self.mapping, self.reads, self.read, self.whole = mapping, reads, read, whole

    def __getitem__(self, key: str) -> V:
        self.reads[self.read(key)] = None
        return self.mapping[key]

    def __iter__(self) -> Iterator[str]:
        self._whole()
        return iter(self.mapping)

    def __len__(self) -> int:
        self._whole()
        return len(self.mapping)

    def _whole(self) -> None:
        if self.whole is not None:
            self.reads[self.whole] = None
        else:
            self.reads.update(dict.fromkeys(self.read(key) for key in self.mapping))


def _kind_name(kind: type[Document]) -> str:
    return str(get_args(kind.model_fields["kind"].annotation)[0])
