#!/usr/bin/env python3
"""Times two builds of rulecheck on the same inputs, run alternately so both see the same machine.

    python3 benches/compare_builds.py OLD_BINARY NEW_BINARY RUNS FILE[:FORMAT]...

For each file (and report format, `json` unless given), prints per build the best and median wall time
of RUNS runs of `rulecheck lint FILE --format FORMAT`, the range of user and system CPU time, and the
range of peak memory (`/usr/bin/time`).
"""
import subprocess
import sys
import time


def run(binary, path, fmt):
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%U %S %M", binary, "lint", path, "--format", fmt],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wall = time.perf_counter() - start
    user, system, peak_kb = done.stderr.strip().splitlines()[-1].split()
    return wall, float(user), float(system), int(peak_kb) // 1024


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    builds = {"old": sys.argv[1], "new": sys.argv[2]}
    runs = int(sys.argv[3])
    for spec in sys.argv[4:]:
        path, _, fmt = spec.partition(":")
        fmt = fmt or "json"
        results = {name: [] for name in builds}
        for _ in range(runs):
            for name, binary in builds.items():
                results[name].append(run(binary, path, fmt))
        for name, rows in results.items():
            walls = sorted(r[0] for r in rows)
            span = lambda i: f"{min(r[i] for r in rows):.2f}-{max(r[i] for r in rows):.2f}"
            peaks = [r[3] for r in rows]
            print(
                f"{path} {fmt} {name}: best {walls[0]:.3f} s, median {walls[len(walls) // 2]:.3f} s, "
                f"user {span(1)} s, system {span(2)} s, peak {min(peaks)}-{max(peaks)} MB",
                flush=True,
            )


if __name__ == "__main__":
    main()
