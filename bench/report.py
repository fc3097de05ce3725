#!/usr/bin/env python3
"""Turns bench/run.sh's results into the markdown scorecard docs/benchmarks.md.

Input: a TSV with one line per (scenario, tool):
    scenario tool status wall_s cpu_s peak_rss_kib connections note [runs]
and a TSV of tool versions. Output (stdout): tables with ratios against haul,
and the targets haul is held to, each marked met, missed or not measured.
Any row may be missing or malformed: what is not there is reported as not
measured, never as an error.

A tool named "X +variant" (say "haul +mirror") is tool X in a harder or
richer setting; its table gets a column with its wall time over X's.
"""
import argparse
import datetime
import os
import platform

SCENARIOS = {
    "a": "(a) {size_a} file, each connection capped at 4 MiB/s, 16 connections "
         "(curl: 1)",
    "b": "(b) {size_b} file, unthrottled, to disk (8 connections; curl: 1; cp: local copy)",
    "c": "(c) {count_c} files of 16 KiB over HTTPS/HTTP2, 16 at a time",
    "d": "(d) Mirrors: {size_d} file, fast origin 4 MiB/s per connection, slow mirror "
         "1 MiB/s per connection, 8 connections",
    "e": "(e) Straggler: {size_e} file, 4 MiB/s per connection, 8 connections; "
         "+stall: one connection stalls half-way through its share",
    "f1": "(f1) Latency: {count_c} files of 16 KiB over HTTPS/HTTP2, {delay_f} ms each way",
    "f2": "(f2) Latency: one 16 KiB file over HTTPS, {delay_f} ms each way",
    "g1": "(g1) Slow consumer: {size_g1} file to stdout, read at {rate_g} MiB/s",
    "g2": "(g2) Slow consumer: {size_g2} file to stdout, read at {rate_g} MiB/s, one run per tool",
    "h": "(h) {size_h} file to stdout into sha256sum, each connection capped at 4 MiB/s, "
         "16 connections (curl: 1)",
}

# What each case's table does not say by itself.
SETUPS = {
    "d": "Two servers of the same nginx on different ports serve the same file. "
         "`+mirror`: the tool is also given the slow one's URL (haul: `--mirror URL`; "
         "`(list)`: both URLs on one line of an `-i` list). The status column says "
         "how much the slow mirror sent.",
    "e": "`haul_fault_server` (restarted before every run) behind `haul_latency_proxy "
         "--delay-ms 0 --rate 4194304`, which caps each connection and counts them. "
         "`+stall`: the path's 4th request (`fault_from=3&fault_count=1`) sends "
         "nothing for 600 s after 1/16 of the file. haul gets `--speed-time 3`; "
         "aria2c and axel run with their defaults (aria2c: `--lowest-speed-limit=0`, "
         "`--timeout=60`, `--max-tries=5`; axel: `--timeout` 45 s, its `connection_timeout`). "
         "Each run is killed after {timeout_e} s.",
    "f1": "Through `haul_latency_proxy --delay-ms {delay_f}` in front of (c)'s nginx: every "
          "byte waits {delay_f} ms each way, and a new connection's first bytes one extra "
          "round trip (its TCP handshake). nginx 1.22 negotiates TLS 1.2 (2 round trips).",
    "f2": "Same proxy and server as (f1).",
    "g1": "Every tool writes the file to stdout from the unthrottled nginx (haul: "
          "`-o - --stats`, its default 8 connections; curl: `-sS URL`; wget2: `-O -`), read by "
          "`pv -q -L {rate_g}m | sha256sum`, whose line must be the file's. `/usr/bin/time` "
          "wraps the tool alone, inside the pipeline: wall, CPU and peak RSS are the tool's "
          "own, not the reader's. The reader bounds the wall time (size / {rate_g} MiB/s), so "
          "the column to read is peak RSS. haul's status gives its reorder window from "
          "`--stats` (`stream buffer peak` and `budget`).",
    "g2": "Same as (g1). One run per tool whatever `--reps`: each takes "
          "{size_g2} / {rate_g} MiB/s.",
    "h": "nginx unthrottled behind `haul_latency_proxy --delay-ms 0 --rate 4194304` (4 MiB/s "
         "per TCP connection, whatever its requests; nginx's per-response `limit_rate` would "
         "favour the stream's small ranges). "
         "`haul`: `-x 16 -o FILE` (a file in the run's directory, removed afterwards); "
         "`haul +stdout`: `haul -x 16 -o - --stats URL | sha256sum`; `curl +stdout`: "
         "`curl -sS URL | sha256sum`, one run whatever `--reps` (one connection at 4 MiB/s). "
         "What sha256sum prints must be the source's (the file run is compared with the "
         "source byte for byte). Wall, CPU and RSS are the tool's own, not sha256sum's; "
         "`wall vs same tool alone` is haul to stdout over haul to a file. The status "
         "column gives each run's requests and their mean size (from nginx's access log).",
}


def human_size(n):
    for unit in ("GiB", "MiB", "KiB"):
        scale = {"GiB": 1 << 30, "MiB": 1 << 20, "KiB": 1 << 10}[unit]
        if n >= scale and n % scale == 0:
            return f"{n // scale} {unit}"
    return f"{n} B"


def load(path):
    rows = {}
    with open(path) as f:
        for line in f:
            fields = line.rstrip("\n").split("\t")
            if len(fields) < 8:
                continue
            scenario, tool, status, wall, cpu, rss, conns, note = fields[:8]
            runs = fields[8] if len(fields) > 8 else "-"
            rows.setdefault(scenario, {})[tool] = {
                "status": status, "wall": num(wall), "cpu": num(cpu),
                "rss": num(rss), "conns": num(conns), "note": note, "runs": runs}
    return rows


def num(text):
    try:
        return float(text)
    except ValueError:
        return None


def ratio(value, base):
    if value is None or not base:
        return "-"
    return f"{value / base:.2f}x"


def fmt(value, digits=2):
    return "-" if value is None else f"{value:.{digits}f}"


def ok(row):
    return bool(row) and row["status"] == "ok" and row["wall"] is not None


def baseline(tool):
    """"aria2c +mirror" -> "aria2c"; None for a tool without a variant."""
    return tool.split(" +", 1)[0] if " +" in tool else None


def wall_cell(r):
    if ok(r):
        return fmt(r["wall"])
    if r["status"] == "timeout" and r["wall"] is not None:
        return f"> {r['wall']:.0f}"
    return "-"


def table(rows):
    haul = rows.get("haul", {})
    ok_haul = ok(haul)
    variants = any(baseline(t) for t in rows)
    lines = ["| tool | status | wall s | CPU s (user+sys) | peak RSS MiB | TCP connections "
             "| wall vs haul | CPU vs haul |" + (" wall vs same tool alone |" if variants else "")
             + " every run: wall/CPU s |",
             "|---|---|---:|---:|---:|---:|---:|---:|" + ("---:|" if variants else "") + "---|"]
    for tool, r in rows.items():
        good = ok(r)
        rss = None if r["rss"] is None else r["rss"] / 1024
        conns = "-" if r["conns"] is None else str(int(r["conns"]))
        status = r["status"] if not r["note"] else f"{r['status']}: {r['note']}"
        own = ""
        if variants:
            base = rows.get(baseline(tool) or "", {})
            own = f" {ratio(r['wall'], base.get('wall')) if good and ok(base) else '-'} |"
        lines.append(
            f"| {tool} | {status.replace('|', '/')} | {wall_cell(r)} "
            f"| {fmt(r['cpu']) if good else '-'} | {fmt(rss, 1) if good else '-'} | {conns} "
            f"| {ratio(r['wall'], haul.get('wall')) if good and ok_haul else '-'} "
            f"| {ratio(r['cpu'], haul.get('cpu')) if good and ok_haul else '-'} |{own}"
            f" {r['runs'] if good else '-'} |")
    return "\n".join(lines)


def why_not(row, tool):
    if not row:
        return f"{tool}: no result"
    if row["status"] == "ok":
        return ""
    return f"{tool}: {row['status']}" + (f" ({row['note']})" if row["note"] else "")


def check(rows, scenario, tool, predicate, describe, base_tool="haul"):
    """One target: 'met', 'missed' or 'not measured', with the numbers."""
    base = rows.get(scenario, {}).get(base_tool)
    other = rows.get(scenario, {}).get(tool)
    if not ok(base) or not ok(other):
        reasons = [r for r in (why_not(base, base_tool), why_not(other, tool)) if r]
        return "not measured", "; ".join(reasons).replace("|", "/")
    return ("met" if predicate(base, other) else "missed"), describe(base, other)


def own_ratio(rows, scenario, tool):
    """'tool +variant' wall over 'tool' wall, as text ('timeout', 'n/a', ...)."""
    variant = next((r for t, r in rows.get(scenario, {}).items()
                    if baseline(t) == tool and "(" not in t), None)
    base = rows.get(scenario, {}).get(tool)
    if ok(variant) and ok(base) and base["wall"]:
        return f"{variant['wall'] / base['wall']:.2f}x"
    if variant and variant["status"] == "timeout":
        return "timeout"
    return "not measured"


def variant_target(rows, scenario, variant, limit, peers):
    """haul +variant wall <= limit x haul wall, with the peers' own ratios."""
    def describe(h, v):
        others = ", ".join(f"{p}: {own_ratio(rows, scenario, p)}" for p in peers)
        return (f"{v['wall']:.2f} s vs {h['wall']:.2f} s alone "
                f"({v['wall'] / h['wall'] if h['wall'] else 0:.2f}x); same ratio for {others}")
    return check(rows, scenario, variant, lambda h, v: v["wall"] <= limit * h["wall"], describe)


def rss_target(rows, scenario, limit_mib, peers):
    """haul's peak RSS <= limit_mib, with its reorder window and the peers' RSS."""
    haul = rows.get(scenario, {}).get("haul")
    if not ok(haul) or haul["rss"] is None:
        return "not measured", (why_not(haul, "haul") or "haul: no RSS").replace("|", "/")

    def mib(row):
        return f"{row['rss'] / 1024:.1f} MiB" if ok(row) and row["rss"] is not None else (
            row["status"] if row else "no result")
    others = ", ".join(f"{p}: {mib(rows.get(scenario, {}).get(p))}" for p in peers)
    window = f" ({haul['note']})" if haul["note"] else ""
    numbers = f"haul {mib(haul)}{window}; {others}".replace("|", "/")
    return ("met" if haul["rss"] <= limit_mib * 1024 else "missed"), numbers


def checksum_target(rows, scenario, tool):
    """The line sha256sum printed for TOOL's stdout was the source's."""
    row = rows.get(scenario, {}).get(tool)
    if ok(row):
        return "met", "sha256 of stdout = sha256 of the source"
    if row and row["status"] == "failed" and "differs from the source" in row["note"]:
        return "missed", f"{tool}: {row['note']}".replace("|", "/")
    return "not measured", (why_not(row, tool) or f"{tool}: no result").replace("|", "/")


def targets(rows, sizes, cases):
    def curl_h(h, v):
        curl = rows.get("h", {}).get("curl +stdout")
        requests = (f"; requests: to stdout {v['note'].split(';')[0]}, "
                    f"to a file {h['note'].split(';')[0]}") if v["note"] and h["note"] else ""
        return (f"curl +stdout {curl['wall']:.2f} s" if ok(curl)
                else why_not(curl, "curl +stdout")) + requests
    items = [
        ("(a) haul wall <= aria2c wall, same connection count", *check(
            rows, "a", "aria2c", lambda h, o: h["wall"] <= o["wall"] and h["conns"] <= o["conns"],
            lambda h, o: f"{h['wall']:.2f} s vs {o['wall']:.2f} s; "
                         f"{h['conns']:.0f} vs {o['conns']:.0f} connections")),
        ("(b) haul wall <= curl wall", *check(
            rows, "b", "curl", lambda h, o: h["wall"] <= o["wall"],
            lambda h, o: f"{h['wall']:.2f} s vs {o['wall']:.2f} s")),
        ("(b) haul CPU <= 1.2x curl CPU", *check(
            rows, "b", "curl", lambda h, o: h["cpu"] <= 1.2 * o["cpu"],
            lambda h, o: f"{h['cpu']:.2f} s vs {o['cpu']:.2f} s "
                         f"({h['cpu'] / o['cpu'] if o['cpu'] else 0:.2f}x)")),
        ("(c) haul wall <= wget2 wall, <= 16 connections", *check(
            rows, "c", "wget2", lambda h, o: h["wall"] <= o["wall"] and h["conns"] <= 16,
            lambda h, o: f"{h['wall']:.2f} s vs {o['wall']:.2f} s; "
                         f"haul used {h['conns']:.0f} connection(s)")),
        ("(d) haul with the slow mirror <= 0.95x haul on the fast origin alone",
         *variant_target(rows, "d", "haul +mirror", 0.95, ("aria2c", "axel"))),
        ("(e) haul with one stalled connection <= 1.15x haul without",
         *variant_target(rows, "e", "haul +stall", 1.15, ("aria2c", "axel"))),
        ("(f1) haul wall <= 0.5x wget2 wall at 25 ms each way", *check(
            rows, "f1", "wget2", lambda h, o: h["wall"] <= 0.5 * o["wall"],
            lambda h, o: f"{h['wall']:.2f} s vs {o['wall']:.2f} s "
                         f"({h['wall'] / o['wall'] if o['wall'] else 0:.2f}x)")),
        ("(f2) haul wall <= wget2 wall, one file at 25 ms each way", *check(
            rows, "f2", "wget2", lambda h, o: h["wall"] <= o["wall"],
            lambda h, o: f"{h['wall']:.2f} s vs {o['wall']:.2f} s")),
        (f"(g1) haul peak RSS <= 24 MiB, {sizes['size_g1']} to stdout read at "
         f"{sizes['rate_g']} MiB/s", *rss_target(rows, "g1", 24, ("curl", "wget2"))),
        (f"(g2) haul peak RSS <= 24 MiB, {sizes['size_g2']} to stdout read at "
         f"{sizes['rate_g']} MiB/s", *rss_target(rows, "g2", 24, ("curl", "wget2"))),
        ("(h) haul -o - into sha256sum wall <= 1.1x haul -o FILE wall", *check(
            rows, "h", "haul +stdout", lambda h, v: v["wall"] <= 1.1 * h["wall"],
            lambda h, v: f"{v['wall']:.2f} s vs {h['wall']:.2f} s to a file "
                         f"({v['wall'] / h['wall'] if h['wall'] else 0:.2f}x); "
                         f"{curl_h(h, v)}")),
        ("(h) haul -o -: sha256sum prints the source's sha256",
         *checksum_target(rows, "h", "haul +stdout")),
    ]
    # With --cases, only the targets of the cases that ran.
    items = [item for item in items if item[0][1] in cases]
    lines = ["| target | result | numbers |", "|---|---|---|"]
    lines += [f"| {name} | {result} | {numbers} |" for name, result, numbers in items]
    return "\n".join(lines)


def machine():
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), Linux {platform.release()}"


def main():
    p = argparse.ArgumentParser()
    for name in ("--results", "--versions"):
        p.add_argument(name, required=True)
    for name in ("--size-a", "--size-b", "--count-c", "--reps", "--quick"):
        p.add_argument(name, type=int, required=True)
    for name in ("--size-d", "--size-e", "--timeout-e", "--delay-f", "--size-g1", "--size-g2",
                 "--rate-g", "--size-h"):
        p.add_argument(name, type=int)
    p.add_argument("--cases", default="a,b,c,d,e,f,g,h")
    args = p.parse_args()
    cases = args.cases.split(",")
    rows = load(args.results)
    with open(args.versions) as f:
        versions = [line.rstrip("\n").split("\t", 1) for line in f if "\t" in line]
    sizes = {"size_a": human_size(args.size_a), "size_b": human_size(args.size_b),
             "count_c": args.count_c,
             "size_d": "?" if args.size_d is None else human_size(args.size_d),
             "size_e": "?" if args.size_e is None else human_size(args.size_e),
             "timeout_e": "?" if args.timeout_e is None else args.timeout_e,
             "delay_f": "?" if args.delay_f is None else args.delay_f,
             "size_g1": "?" if args.size_g1 is None else human_size(args.size_g1),
             "size_g2": "?" if args.size_g2 is None else human_size(args.size_g2),
             "rate_g": "?" if args.rate_g is None else args.rate_g,
             "size_h": "?" if args.size_h is None else human_size(args.size_h)}
    subset = "" if cases == ["a", "b", "c", "d", "e", "f", "g", "h"] else f" --cases {args.cases}"
    once = [c for c in ("g2", "h") if c in rows]

    print("# Benchmarks\n")
    print(f"Generated by `bash bench/run.sh{' --quick' if args.quick else ''}{subset}` on "
          f"{datetime.date.today().isoformat()}, {machine()}. Every tool downloads from "
          "one local nginx (single process, sendfile) on 127.0.0.1 ((e): from the fault "
          "server, (f): through the latency proxy); the best of "
          f"{args.reps} run(s) by wall time is shown"
          + (" ((g2), and (h)'s curl: one run)" if once else "")
          + ", and the last column lists every "
          "run. Wall, CPU (user+sys) and peak RSS come from `/usr/bin/time`"
          + (" ((g), (h): of the tool alone, not of the reader it writes to)"
             if any(c in rows for c in ("g1", "g2", "h")) else "") + "; TCP "
          "connections are the distinct `$connection` values in nginx's access log "
          "during the run ((e): the connections the proxy accepted). A run that hits its "
          "time limit shows `> limit` as its wall time. Ratios are tool / haul: above 1.00x means "
          "haul was faster or cheaper. Performance is measured here, never asserted in "
          "tests.\n")
    for key in SCENARIOS:
        if key in rows:
            print(f"## {SCENARIOS[key].format(**sizes)}\n")
            if key in SETUPS:
                print(SETUPS[key].format(**sizes) + "\n")
            print(table(rows[key]) + "\n")
    print("## Targets\n")
    print(targets(rows, sizes, cases) + "\n")
    print("## Versions\n")
    for tool, version in versions:
        print(f"- {tool}: {version or '?'}")


if __name__ == "__main__":
    main()
