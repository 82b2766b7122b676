"""Plot docs/benchmarks.json (written by bench/peers.py report) as a PNG: idle PSS and idle
wakeups per minute, one bar per app, median of the rounds with the min-max range.

    /usr/bin/python3 bench/plot.py docs/benchmarks.json docs/benchmarks.png

Uses Debian's python3-matplotlib (bench/compare installs it)."""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

APPS = ("limber", "workrave", "safeeyes", "rsibreak")
LIMBER_COLOUR, PEER_COLOUR = "#2a9d8f", "#8d99ae"


def main(src: str, dst: str) -> None:
    with open(src) as f:
        doc = json.load(f)
    apps = [a for a in APPS if doc["apps"].get(a, {}).get("rounds")]
    names = [f"{doc['apps'][a]['title']}\n{doc['apps'][a]['version'].split(':')[-1]}" for a in apps]
    colours = [LIMBER_COLOUR if a == "limber" else PEER_COLOUR for a in apps]

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 4.4), dpi=110)
    panels = (
        (ax1, "pss_kb", 1 / 1024, "idle memory: PSS of the process tree (MiB)", False, "{:.1f} MiB"),
        (ax2, "wakeups_per_min", 1.0, "idle wakeups per minute (log scale)", True, "{:.0f}/min"),
    )
    for ax, key, scale, title, log, fmt in panels:
        med = [doc["apps"][a][key]["median"] * scale for a in apps]
        lo = [doc["apps"][a][key]["min"] * scale for a in apps]
        hi = [doc["apps"][a][key]["max"] * scale for a in apps]
        floor = 0.5 if log else 0.0  # a log axis cannot show 0: draw such a bar at the floor
        shown = [max(m, floor) for m in med]
        err = [[max(0.0, s - max(lo_, floor)) for s, lo_ in zip(shown, lo)],
               [max(0.0, max(hi_, floor) - s) for s, hi_ in zip(shown, hi)]]
        bars = ax.bar(names, shown, color=colours, yerr=err, capsize=4, ecolor="#444444", width=0.6)
        if log:
            ax.set_yscale("log")
            ax.set_ylim(floor, max(shown) * 4)
        else:
            ax.set_ylim(0, max(hi) * 1.2)
        for bar, m, top in zip(bars, med, hi):
            y = max(bar.get_height(), top)
            ax.annotate(fmt.format(m), (bar.get_x() + bar.get_width() / 2, y), xytext=(0, 3),
                        textcoords="offset points", ha="center", va="bottom", fontsize=9, fontweight="bold")
        ax.set_title(title, fontsize=10)
        ax.grid(axis="y", alpha=0.3)
        ax.set_axisbelow(True)
        ax.tick_params(axis="x", labelsize=9)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    m = doc["machine"]
    fig.suptitle(f"limber and Debian's break reminders, each alone and idle on a headless desktop "
                 f"(median of {doc['rounds']} rounds, bars show the range)", fontsize=10)
    fig.text(0.5, 0.01, f"{doc['date']} · {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB · kernel {m['kernel']} · "
             f"{m['os']}", ha="center", fontsize=8, color="#555555")
    fig.tight_layout(rect=(0, 0.04, 1, 0.95))
    fig.savefig(dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
