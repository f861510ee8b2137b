"""Benchmark 6: the first sync by size, on one backend: is its cost linear in the records held?

    .venv/bin/python bench/scaling.py [--sizes 50000,200000,500000,1000000]
                                      [--database-url postgresql://postgres@127.0.0.1:5432/test]
    .venv/bin/python bench/scaling.py --plot-only

Each size is benchmark 1 (`bench/full_sync.py`) run in a process of its own, so each size's peak RSS is its own:
an org of N invoices with line items, N / 5 contacts, N / 2 payments and the reference data, synced from empty
into a fresh store. The figures of each size (records/s, peak RSS of the daemon and of its decoder process, API
calls against the paging minimum) are kept per backend in bench/results/scaling.json, so running the benchmark
once per backend fills both; bench/results/scaling.png then plots records/s and peak RSS by size for both
(matplotlib: `make bench` installs the `bench` extra). Prints whether records/s at the largest size is within 20%
of records/s at the smallest, and the per-backend floors at a million invoices.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _harness as h  # noqa: E402

SIZES = (50_000, 200_000, 500_000, 1_000_000)
LINEAR_WITHIN = 0.20  # records/s at the largest size within 20% of records/s at the smallest
FLOOR_AT_1M = {"sqlite": 30_000, "postgres": 20_000}  # records/s at a million invoices
TARGET_RSS_MB = 200  # daemon + decoder process
JSON = h.RESULTS / "scaling.json"
PNG = h.RESULTS / "scaling.png"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default=",".join(map(str, SIZES)), help="invoices per run, comma-separated")
    p.add_argument("--database-url", metavar="URL", default=None,
                   help="a PostgreSQL server (a fresh schema per size); by default a fresh SQLite file per size")
    p.add_argument("--limit", type=float, default=1800, help="give up on one size after this many seconds")
    p.add_argument("--plot-only", action="store_true", help="redraw the plot from bench/results/scaling.json")
    p.add_argument("--label", default="", help="a note kept with this backend's figures (which run made them)")
    return p.parse_args(argv)


def one_size(invoices: int, args: argparse.Namespace) -> dict:
    name = f"scaling_{h.backend_of(args.database_url)}_{invoices}"
    command = [sys.executable, str(h.ROOT / "bench" / "full_sync.py"), "--invoices", str(invoices),
               "--contacts", str(invoices // 5), "--payments", str(invoices // 2), "--limit", str(args.limit),
               "--result-name", name]
    if args.database_url:
        command += ["--database-url", args.database_url]
    subprocess.run(command, check=True, cwd=h.ROOT)
    path = h.RESULTS / f"{name}.json"
    result = json.loads(path.read_text())
    path.unlink()  # kept in scaling.json
    return result


def summary(invoices: int, r: dict) -> dict:
    return {"invoices": invoices, "finished_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
            "records": r["records"], "sync_seconds": r["sync_seconds"],
            "records_per_second": r["records_per_second"], "outcome": r["outcome"],
            "api_calls": r["api_calls"], "api_calls_minimum": r["api_calls_minimum"],
            "peak_rss_mb": r["peak_rss_mb"], "decoder_peak_rss_mb": r["decoder_peak_rss_mb"],
            "peak_rss_total_mb": round(r["peak_rss_mb"] + r["decoder_peak_rss_mb"], 1),
            "daemon_cpu_seconds": r["daemon_cpu_seconds"], "emulator_cpu_seconds": r["emulator_cpu_seconds"],
            # records per second of the daemon's own CPU (SQLite's work included; PostgreSQL's server not): a
            # figure other processes on a shared machine disturb far less than wall-clock records/s
            "records_per_daemon_cpu_second": round(r["records"] / r["daemon_cpu_seconds"]) if r["daemon_cpu_seconds"] else 0,
            # PostgreSQL: the server processes serving the daemon, since they connected (migrations included)
            "postgres_server_cpu_seconds": r.get("postgres_server_cpu_seconds"),
            "loop_block_ms": r["loop"]["max_overshoot_ms"], "emulator_start_seconds": r["emulator_start_seconds"]}


def _server(r: dict) -> str:
    cpu = r.get("postgres_server_cpu_seconds")
    return f", server {r['records'] / cpu:,.0f} per CPU-s" if cpu else ""


def load() -> dict:
    return json.loads(JSON.read_text()) if JSON.exists() else {"benchmark": "scaling", "backends": {}}


def verdicts(backend: str, runs: list[dict]) -> list[str]:
    if not runs:
        return []
    small, large = runs[0], runs[-1]
    ratio = large["records_per_second"] / max(small["records_per_second"], 1)
    lines = [f"{backend}: records/s at {large['invoices']:,} invoices is {ratio:.0%} of records/s at"
             f" {small['invoices']:,}  target >= {1 - LINEAR_WITHIN:.0%}  {h.verdict(ratio >= 1 - LINEAR_WITHIN)}"]
    at_1m = [r for r in runs if r["invoices"] >= 1_000_000]
    if at_1m:
        rate = at_1m[-1]["records_per_second"]
        lines.append(f"{backend}: {rate:,} records/s at 1M invoices  target >= {FLOOR_AT_1M[backend]:,}"
                     f"  {h.verdict(rate >= FLOOR_AT_1M[backend])}")
    worst = max(r["peak_rss_total_mb"] for r in runs)
    lines.append(f"{backend}: peak RSS daemon + decoder at most {worst:.0f} MB  target < {TARGET_RSS_MB} MB"
                 f"  {h.verdict(worst < TARGET_RSS_MB)}")
    calls = all(r["api_calls"] == r["api_calls_minimum"] for r in runs)
    lines.append(f"{backend}: API calls the paging minimum at every size  {h.verdict(calls)}")
    return lines


def plot(data: dict) -> Path | None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("  (no plot: matplotlib is not installed; `make bench` installs the bench extra)")
        return None
    fig, (rate_ax, rss_ax) = plt.subplots(1, 2, figsize=(11, 4.2))
    styles = {"sqlite": ("tab:blue", "o"), "postgres": ("tab:orange", "s")}
    for backend, entry in sorted(data["backends"].items()):
        runs = entry["runs"]
        colour, marker = styles.get(backend, ("tab:gray", "^"))
        xs = [r["invoices"] / 1000 for r in runs]
        rate_ax.plot(xs, [r["records_per_second"] for r in runs], marker=marker, color=colour, label=backend)
        rss_ax.plot(xs, [r["peak_rss_total_mb"] for r in runs], marker=marker, color=colour,
                    label=f"{backend}: daemon + decoder")
        rss_ax.plot(xs, [r["peak_rss_mb"] for r in runs], marker=marker, color=colour, linestyle=":",
                    label=f"{backend}: daemon alone")
    for backend, floor in FLOOR_AT_1M.items():
        if backend in data["backends"]:
            rate_ax.axhline(floor, color=styles[backend][0], linestyle="--", linewidth=0.8,
                            label=f"{backend} target at 1M")
    rss_ax.axhline(TARGET_RSS_MB, color="red", linestyle="--", linewidth=0.8, label="target")
    rate_ax.set(title="First sync: records stored per second", xlabel="invoices (thousands)",
                ylabel="records/s")
    rss_ax.set(title="Peak RSS during the first sync", xlabel="invoices (thousands)", ylabel="MB")
    rate_ax.set_ylim(bottom=0)
    rss_ax.set_ylim(bottom=0)
    for ax in (rate_ax, rss_ax):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle("contacts = invoices / 5, payments = invoices / 2; 2 cores; minute budgets lifted", fontsize=9)
    fig.tight_layout()
    PNG.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(PNG, dpi=110)
    return PNG


def main(argv: list[str] | None = None) -> dict:
    args = parse(argv)
    data = load()
    if not args.plot_only:
        backend = h.backend_of(args.database_url)
        entry = data["backends"].setdefault(backend, {"runs": []})
        for invoices in sorted(int(s) for s in args.sizes.split(",") if s.strip()):
            print(f"-- {backend}: {invoices:,} invoices", flush=True)
            run = {**summary(invoices, one_size(invoices, args)), "label": args.label}
            # a size run again replaces its figures; the other sizes keep theirs (each says when it ran)
            entry["runs"] = sorted([r for r in entry["runs"] if r["invoices"] != invoices] + [run],
                                   key=lambda r: r["invoices"])
            entry.update(machine=h.machine(), finished_utc=run["finished_utc"])
            h.write_result("scaling", data)
    for backend, entry in sorted(data["backends"].items()):
        print(f"{backend}:")
        for r in entry["runs"]:
            print(f"  {r.get('finished_utc', '')} {r.get('label', '')}")
            print(f"  {r['invoices']:>9,} invoices  {r['records']:>9,} records  {r['sync_seconds']:7.1f} s"
                  f"  {r['records_per_second']:>7,} records/s ({r.get('records_per_daemon_cpu_second', 0):>7,} per daemon"
                  f" CPU-s{_server(r)})  RSS {r['peak_rss_mb']:.0f} + {r['decoder_peak_rss_mb']:.0f}"
                  f" MB  calls {r['api_calls']}/{r['api_calls_minimum']}")
        for line in verdicts(backend, entry["runs"]):
            print("  " + line)
    drawn = plot(data)
    if drawn:
        print(f"  -> {drawn.relative_to(h.ROOT)}")
    return data


if __name__ == "__main__":
    main()
