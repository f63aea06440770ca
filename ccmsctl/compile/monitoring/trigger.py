"""A burst pool's scale trigger as Prometheus reads it: one PromQL expression per trigger
metric, over what the pool's served sites run, so that `ccmsctl burst scale --prometheus`
measures what the trigger names instead of being told a value."""

from __future__ import annotations

from ccmsctl.compile.monitoring import names as n
from ccmsctl.model.burstpool import BurstPool
from ccmsctl.model.kinds import Estate
from ccmsctl.model.skillgroup import SkillGroup
from ccmsctl.model.trunk import Trunk


def _any(names: list[str]) -> str:
    """A PromQL regex matching exactly `names` (names are [a-z0-9._-]: only "." is special);
    none matches nothing."""
    return "|".join(sorted(name.replace(".", "\\\\.") for name in names)) or "^$"


def trigger_query(estate: Estate, pool: BurstPool) -> str:
    """The trigger's metric now, for the sites the pool serves:
    - channel_utilisation: the busiest of their trunks (calls over channels, 0 to 1);
    - queue_wait: the mean wait, in seconds, of the calls that left their skill groups'
      queues in the last 15 minutes;
    - cpu: their PBXs' mean CPU use (0 to 1) over 5 minutes."""
    served = set(pool.serves)
    if pool.trigger.metric == "channel_utilisation":
        trunks = [t.name for t in estate.of(Trunk) if served & set(t.sites)]
        return f'max({n.TRUNK_UTILISATION}{{trunk=~"{_any(trunks)}"}})'
    if pool.trigger.metric == "queue_wait":
        queues = [g.name for g in estate.of(SkillGroup) if served & set(g.sites)]
        selector = f'{{queue=~"{_any(queues)}"}}'
        return f"sum({n.QUEUE_WAITED}{selector}) / sum({n.QUEUE_CALLS}{selector})"
    sites = list(served)
    return (
        f'1 - avg(rate(node_cpu_seconds_total{{job="{n.NODE_JOB}",role="pbx",'
        f'mode="idle",site=~"{_any(sites)}"}}[5m]))'
    )
