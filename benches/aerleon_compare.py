#!/usr/bin/env python3
"""Times Aerleon's shade check against `rulecheck lint` on the same policy.

Writes an Aerleon policy of TERMS terms (hosts and networks, TCP and UDP ports and ranges, accept and deny)
with a union-shadowed term every 500 terms: a deny that no single earlier term covers but two together do.
Runs `aclgen --shade_check` on it (Aerleon renders Junos and checks shading pairwise), then `rulecheck lint`
on the Junos that aclgen wrote, and prints both times, the ratio, and which tool found the union-shadowed
terms.

    pip install aerleon
    cargo build --release -p rulecheck-cli
    python3 benches/aerleon_compare.py [TERMS]        # default 3000

Nothing is written outside a temporary directory.
"""

import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULECHECK = ROOT / "target" / "release" / "rulecheck"


def policy(terms: int, seed: int = 1):
    rng = random.Random(seed)
    networks, services, rules, planted = [], [], [], []
    i = 0
    while len(rules) < terms:
        i += 1
        if i % 500 == 0:
            # allow 1-1000 and allow 1001-65535 to one host: together they cover a deny of 500-2000.
            net = f"U{i}"
            networks.append((net, f"198.18.{i // 256 % 256}.{i % 256}/32"))
            services += [(f"LO{i}", "1-1000", "tcp"), (f"HI{i}", "1001-65535", "tcp"), (f"MID{i}", "500-2000", "tcp")]
            rules += [
                (f"union-lo-{i}", net, f"LO{i}", "tcp", "accept"),
                (f"union-hi-{i}", net, f"HI{i}", "tcp", "accept"),
                (f"union-shadowed-{i}", net, f"MID{i}", "tcp", "deny"),
            ]
            planted.append(f"union-shadowed-{i}")
            continue
        net = f"N{i}"
        length = rng.choice([32, 32, 29, 28, 24])
        address = rng.getrandbits(32) & (0xFFFFFFFF << (32 - length)) & 0xFFFFFFFF
        networks.append((net, f"{address >> 24}.{address >> 16 & 255}.{address >> 8 & 255}.{address & 255}/{length}"))
        protocol = rng.choice(["tcp", "udp"])
        if rng.random() < 0.3:
            low = rng.randrange(1024, 60000)
            port = f"{low}-{low + rng.randrange(1, 500)}"
        else:
            port = str(rng.choice([22, 25, 53, 80, 123, 161, 443, 8080, rng.randrange(1, 65535)]))
        services.append((f"S{i}", port, protocol))
        rules.append((f"term-{i}", net, f"S{i}", protocol, rng.choice(["accept", "accept", "deny"])))
    return networks, services, rules, planted


def write(directory: Path, terms: int):
    networks, services, rules, planted = policy(terms)
    (directory / "def").mkdir()
    (directory / "policies" / "pol").mkdir(parents=True)
    with open(directory / "def" / "networks.yaml", "w") as out:
        out.write("networks:\n")
        for name, prefix in networks:
            out.write(f"  {name}:\n    values:\n      - address: {prefix}\n")
    with open(directory / "def" / "services.yaml", "w") as out:
        out.write("services:\n")
        for name, port, protocol in services:
            out.write(f"  {name}:\n    - port: {port}\n      protocol: {protocol}\n")
    with open(directory / "policies" / "pol" / "bench.yaml", "w") as out:
        out.write("filters:\n- header:\n    targets:\n      juniper: bench inet\n  terms:\n")
        for name, net, service, protocol, action in rules:
            out.write(
                f"  - name: {name}\n    destination-address: {net}\n    destination-port: {service}\n"
                f"    protocol: {protocol}\n    action: {action}\n"
            )
    return planted


def timed(command, **kwargs):
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, **kwargs)
    return time.perf_counter() - start, done


def main():
    terms = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        planted = write(tmp, terms)
        aclgen_seconds, aclgen = timed(
            ["aclgen", "--base_directory", "policies", "--definitions_directory", "def",
             "--output_directory", "out", "--shade_check"],
            cwd=tmp,
        )
        junos = tmp / "out" / "bench.jcl"
        if not junos.exists():
            sys.exit(f"aclgen wrote nothing:\n{aclgen.stderr[-2000:]}")
        aclgen_found = [name for name in planted if f"{name} is shaded" in aclgen.stderr]
        runs = [timed([str(RULECHECK), "lint", str(junos), "--format", "json"]) for _ in range(5)]
        rulecheck_seconds = min(seconds for seconds, _ in runs)
        report = json.loads(runs[0][1].stdout)
        shadowed = {d.get("term") for d in report["diagnostics"] if d["code"] == "RC301"}
        rulecheck_found = [name for name in planted if name in shadowed]
        print(f"terms: {terms} ({len(junos.read_text().splitlines())} lines of Junos)")
        print(f"aclgen --shade_check: {aclgen_seconds:.3f} s (render and pairwise shade check)")
        print(f"rulecheck lint:       {rulecheck_seconds * 1000:.1f} ms (best of 5, whole process)")
        print(f"ratio:                {aclgen_seconds / rulecheck_seconds:.0f}x")
        print(f"union-shadowed terms planted: {len(planted)}; "
              f"found by aclgen: {len(aclgen_found)}; found by rulecheck (RC301): {len(rulecheck_found)}")
        if rulecheck_found:
            example = next(d for d in report["diagnostics"] if d["code"] == "RC301" and d.get("term") == rulecheck_found[0])
            print(f"example: {example['message']}")


if __name__ == "__main__":
    main()
