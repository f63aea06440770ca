"""Write a large synthetic estate for benchmarks: 50 sites in 25 twin pairs, 100,000 DIDs,
2,000 IVR nodes, 500 skill groups and 10,000 agents. Deterministic: same output every run.

    python bench/generate.py bench/out/large
    python bench/generate.py bench/out/huge --dids 1000000   # the same shape, 1M DIDs
"""

from __future__ import annotations

import argparse
import io
import wave
from pathlib import Path

SITES = 50
DIDS = 100_000
IVRS = 100  # x 20 nodes = 2,000 IVR nodes
GROUPS_PER_SITE = 10  # 500 skill groups
AGENTS_PER_SITE = 200  # 10,000 agents
SKILLS = [f"skill-{n:02d}" for n in range(50)]
COUNTRIES = ["CN"] * 30 + ["HK"] * 10 + ["SG"] * 10
ZONES = {"CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "SG": "Asia/Singapore"}


def site_doc(index: int) -> str:
    country = COUNTRIES[index]
    hosts = "\n".join(
        f"  - {{name: s{index:02d}-{role}-{n}, roles: [{role}], address: 10.{index}.{k}.{n}"
        + (", channels: 120}" if role == "pbx" else "}")
        for k, role in enumerate(["edge", "pbx"], start=1)
        for n in (1, 2)
    )
    return (
        f"kind: Site\nname: site-{index:02d}\ncountry: {country}\nregion: region-{index // 10}\n"
        f"timezone: {ZONES[country]}\nhosts:\n{hosts}\n"
    )


def group_name(site: int, n: int) -> str:
    return f"group-{site:02d}-{n}"


def group_skills(site: int, n: int) -> list[str]:
    return [SKILLS[(site + n) % len(SKILLS)], SKILLS[(site + 3 * n + 1) % len(SKILLS)]]


def groups_doc(site: int) -> str:
    docs = []
    for n in range(GROUPS_PER_SITE):
        twin = site ^ 1
        docs.append(
            f"kind: SkillGroup\nname: {group_name(site, n)}\nsites: [site-{site:02d}, "
            f"site-{twin:02d}]\nskills: [{', '.join(sorted(set(group_skills(site, n))))}]\n"
            "service_level: {percent: 80, within: 20s}\nmax_wait: 180s\nlanguages: [zh-CN]\n"
            f"recording_class: rec-{COUNTRIES[site].lower()}\n"
            "forecast: {peak_calls_per_hour: 40, average_handle_time: 240s}\n"
        )
    return "---\n".join(docs)


def agents_doc(site: int) -> str:
    docs = []
    for n in range(AGENTS_PER_SITE):
        group = n % GROUPS_PER_SITE
        skills = dict.fromkeys(group_skills(site, group), 1 + n % 10)
        skills[SKILLS[n % len(SKILLS)]] = 5
        listed = ", ".join(f"{skill}: {level}" for skill, level in sorted(skills.items()))
        docs.append(
            f"kind: Agent\nname: agent-{site:02d}-{n:03d}\ndisplay_name: Agent {site}-{n}\n"
            f'site: site-{site:02d}\nextension: "{10000 + site * 1000 + n}"\n'
            f'sip_password: {{secret: "env:PHONE_{10000 + site * 1000 + n}"}}\n'
            f"languages: [zh-CN]\nskills: {{{listed}}}\n"
        )
    return "---\n".join(docs)


def ivr_doc(index: int) -> str:
    site = index % SITES
    queues = [f"  q{n}: {{type: queue, skill_group: {group_name(site, n)}}}" for n in range(8)]
    options = "\n".join(f'      - {{digit: "{n + 1}", next: q{n}}}' for n in range(8))
    return (
        f"kind: IVR\nname: ivr-{index:03d}\nentry: lang\nnodes:\n"
        "  lang:\n    type: language\n    prompt: choose-language\n    timeout: 5s\n"
        '    options:\n      - {digit: "1", language: zh-CN, next: hours}\n'
        '      - {digit: "2", language: en-US, next: hours}\n'
        "    on_timeout: hours\n    on_invalid: lang\n"
        f"  hours: {{type: schedule, schedule: hours-{COUNTRIES[site].lower()}, open: menu, "
        "closed: closed, holiday: holiday}\n"
        f"  menu:\n    type: menu\n    prompt: main-menu\n    timeout: 5s\n    options:\n"
        f'{options}\n      - {{digit: "0", next: operator}}\n      - {{digit: "9", next: info}}\n'
        "    on_timeout: q0\n    on_invalid: menu\n"
        + "\n".join(queues)
        + '\n  operator: {type: transfer, to: "+862199999999"}\n'
        "  info: {type: play, prompt: info, next: menu2}\n"
        "  menu2:\n    type: menu\n    prompt: more\n    timeout: 5s\n"
        '    options: [{digit: "1", next: q1}, {digit: "2", next: voicemail}]\n'
        "    on_timeout: bye\n    on_invalid: bye\n"
        "  closed: {type: play, prompt: closed, next: voicemail}\n"
        "  holiday: {type: play, prompt: holiday, next: voicemail}\n"
        '  voicemail: {type: voicemail, mailbox: "9000"}\n'
        "  bye: {type: hangup}\n"
    )


def numbers_docs(dids: int = DIDS) -> list[str]:
    """Half the DIDs as blocks of 100, half as lists of single numbers."""
    docs, per_pair = [], dids // (SITES // 2)
    for pair in range(SITES // 2):
        base = 862100000000 + pair * 1_000_000
        site, trunk = 2 * pair, f"trunk-{pair:02d}"
        for block in range(per_pair // 200):
            first = base + block * 100
            docs.append(
                f"kind: NumberRange\nname: block-{pair:02d}-{block:03d}\ntrunk: {trunk}\n"
                f"site: site-{site:02d}\nivr: ivr-{site + SITES * (block % 2):03d}\n"
                f'first: "+{first}"\nlast: "+{first + 99}"\n'
            )
        singles = [f'"+{base + 500_000 + n * 3}"' for n in range(per_pair // 2)]
        for chunk in range(0, len(singles), 500):
            docs.append(
                f"kind: NumberRange\nname: singles-{pair:02d}-{chunk // 500}\ntrunk: {trunk}\n"
                f"site: site-{site + 1:02d}\nivr: ivr-{site + 1:03d}\n"
                f"numbers: [{', '.join(singles[chunk : chunk + 500])}]\n"
            )
    return docs


def shared_docs() -> str:
    docs = ["kind: Estate\nname: large\nformat: 2\nsip_domain: cc.large.example\n"]
    for country, zone in ZONES.items():
        code = country.lower()
        stores = ", ".join(f"site-{i:02d}" for i, c in enumerate(COUNTRIES) if c == country)
        docs.append(
            f"kind: Schedule\nname: hours-{code}\ntimezone: {zone}\nweekly:\n"
            '  - {days: [mon, tue, wed, thu, fri], open: "08:00", close: "20:00"}\n'
            "holidays:\n  - {name: New Year, date: 2027-01-01}\n"
        )
        docs.append(
            f"kind: RetentionPolicy\nname: retention-{code}\njurisdiction: {country}\n"
            "legal_minimum: {recording: 180d}\nclasses:\n"
            f"  - {{name: rec-{code}, data_class: recording, keep: 365d, store: [{stores}]}}\n"
            f"  - {{name: vm-{code}, data_class: voicemail, keep: 30d, store: [{stores}]}}\n"
            f"  - {{name: log-{code}, data_class: log, keep: 90d, store: [{stores}]}}\n"
        )
        docs.append(
            f"kind: ResidencyPolicy\nname: residency-{code}\njurisdiction: {country}\nrules:\n"
            + "".join(
                f"  - {{data_class: {data_class}, allowed_countries: [{country}]}}\n"
                for data_class in ("recording", "voicemail", "log")
            )
        )
    for pair in range(SITES // 2):
        a, b = 2 * pair, 2 * pair + 1
        docs.append(
            f"kind: TwinPair\nname: pair-{pair:02d}\nsites: [site-{a:02d}, site-{b:02d}]\n"
            f"mode: active-standby\nprimary: site-{a:02d}\nrto: 60s\n"
        )
        docs.append(
            f"kind: Trunk\nname: trunk-{pair:02d}\ncarrier: Carrier {pair}\n"
            f"sites: [site-{a:02d}, site-{b:02d}]\npeers: [{{address: 203.0.113.{pair + 1}}}]\n"
            "channels: 2000\n"
        )
    return "---\n".join(docs)


PROMPTS = ("choose-language", "main-menu", "info", "more", "closed", "holiday")


def silence() -> bytes:
    """A tenth of a second of silence as Asterisk plays prompts: 8 kHz, 16-bit, mono WAV."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(8000)
        audio.writeframes(bytes(1600))
    return buffer.getvalue()


def generate(out: Path, dids: int = DIDS) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "estate.yaml").write_text(shared_docs(), encoding="utf-8")
    for site in range(SITES):
        folder = out / f"site-{site:02d}"
        folder.mkdir(exist_ok=True)
        (folder / "site.yaml").write_text(site_doc(site), encoding="utf-8")
        (folder / "groups.yaml").write_text(groups_doc(site), encoding="utf-8")
        (folder / "agents.yaml").write_text(agents_doc(site), encoding="utf-8")
    (out / "ivr.yaml").write_text("---\n".join(ivr_doc(i) for i in range(IVRS)), encoding="utf-8")
    (out / "numbers.yaml").write_text("---\n".join(numbers_docs(dids)), encoding="utf-8")
    for language in ("en-US", "zh-CN"):
        (out / "prompts" / language).mkdir(parents=True, exist_ok=True)
        for prompt in PROMPTS:
            (out / "prompts" / language / f"{prompt}.wav").write_bytes(silence())


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="bench/out/large", type=Path)
    parser.add_argument(
        "--dids",
        type=int,
        default=DIDS,
        help="DIDs in all (a multiple of 5,000; 1,000,000 at most)",
    )
    arguments = parser.parse_args()
    generate(arguments.folder, arguments.dids)
