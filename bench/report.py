#!/usr/bin/env python3
"""Turns bench/run.sh's results into the markdown scorecard docs/benchmarks.md.

Input: a TSV with one line per (scenario, tool):
    scenario tool status wall_s cpu_s peak_rss_kib connections note
and a TSV of tool versions. Output (stdout): tables with ratios against haul,
and the targets haul is held to, each marked met or missed.
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


def table(rows):
    haul = rows.get("haul", {})
    ok_haul = haul.get("status") == "ok"
    lines = ["| tool | status | wall s | CPU s (user+sys) | peak RSS MiB | TCP connections "
             "| wall vs haul | CPU vs haul | every run: wall/CPU s |",
             "|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for tool, r in rows.items():
        ok = r["status"] == "ok"
        rss = None if r["rss"] is None else r["rss"] / 1024
        conns = "-" if r["conns"] is None else str(int(r["conns"]))
        status = r["status"] if not r["note"] else f"{r['status']}: {r['note']}"
        lines.append(
            f"| {tool} | {status.replace('|', '/')} | {fmt(r['wall']) if ok else '-'} "
            f"| {fmt(r['cpu']) if ok else '-'} | {fmt(rss, 1) if ok else '-'} | {conns} "
            f"| {ratio(r['wall'], haul.get('wall')) if ok and ok_haul else '-'} "
            f"| {ratio(r['cpu'], haul.get('cpu')) if ok and ok_haul else '-'} "
            f"| {r['runs'] if ok else '-'} |")
    return "\n".join(lines)


def check(rows, scenario, tool, predicate, describe):
    """One target: 'met', 'missed' or 'not measured', with the numbers."""
    haul = rows.get(scenario, {}).get("haul")
    other = rows.get(scenario, {}).get(tool)
    if not haul or not other or haul["status"] != "ok" or other["status"] != "ok":
        return "not measured", "haul or " + tool + " did not complete"
    return ("met" if predicate(haul, other) else "missed"), describe(haul, other)


def targets(rows):
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
    ]
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
    args = p.parse_args()
    rows = load(args.results)
    with open(args.versions) as f:
        versions = [line.rstrip("\n").split("\t", 1) for line in f if "\t" in line]
    sizes = {"size_a": human_size(args.size_a), "size_b": human_size(args.size_b),
             "count_c": args.count_c}

    print("# Benchmarks\n")
    print(f"Generated by `bash bench/run.sh{' --quick' if args.quick else ''}` on "
          f"{datetime.date.today().isoformat()}, {machine()}. Every tool downloads from "
          "one local nginx (single process, sendfile) on 127.0.0.1; the best of "
          f"{args.reps} run(s) by wall time is shown, and the last column lists every "
          "run. Wall, CPU (user+sys) and peak RSS come from `/usr/bin/time`; TCP "
          "connections are the distinct `$connection` values in nginx's access log "
          "during the run. Ratios are tool / haul: above 1.00x means "
          "haul was faster or cheaper. Performance is measured here, never asserted in "
          "tests.\n")
    for key in ("a", "b", "c"):
        if key in rows:
            print(f"## {SCENARIOS[key].format(**sizes)}\n")
            print(table(rows[key]) + "\n")
    print("## Targets\n")
    print(targets(rows) + "\n")
    print("## Versions\n")
    for tool, version in versions:
        print(f"- {tool}: {version or '?'}")


if __name__ == "__main__":
    main()
