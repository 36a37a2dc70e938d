#!/usr/bin/env python3
"""Runs a command and prints the peak resident memory of its whole process tree.

    python3 tools/hostile-pdf/peak_rss.py vanban extract FILE.pdf --jsonl -o out.jsonl

Samples /proc every 20 ms and sums VmRSS over the command and all its descendants; the
last line on stderr is `peak tree RSS: N MB (M processes at most), T s`.
"""
import os, subprocess, sys, time


def children():
    """pid -> parent pid for every process."""
    out = {}
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    out[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
    return out


def rss_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main():
    started = time.time()
    proc = subprocess.Popen(sys.argv[1:])
    peak, most = 0, 0
    while proc.poll() is None:
        parents = children()
        tree = {proc.pid}
        grew = True
        while grew:
            new = {p for p, pp in parents.items() if pp in tree and p not in tree}
            tree |= new
            grew = bool(new)
        peak = max(peak, sum(rss_kb(p) for p in tree))
        most = max(most, len(tree))
        time.sleep(0.02)
    print(f"peak tree RSS: {peak // 1024} MB ({most} processes at most), "
          f"{time.time() - started:.1f} s", file=sys.stderr)
    sys.exit(proc.returncode)


if __name__ == "__main__":
    main()
