"""App weight bench (run by .ci/bench-app inside Xvfb and a private D-Bus + gnome-keyring).

For each binary: a new user (fresh HOME) starts the app once (the first start creates the local
demo InfluxDB and its day of data), then WARM more times. Each start is timed from spawn to the
app's start-up mark on stderr (`influxdesk::startup: first paint mark=Connections`, logged when
the window has painted the Connections list after loading it). Memory is read from /proc once
the whole process tree has been quiet (CPU) for a while: RSS and PSS per process.
"""

import os
import re
import statistics
import subprocess
import sys
import threading
import time

WARM = int(os.environ.get("INFLUXDESK_BENCH_APP_WARM", "3"))
GOAL_PAINT_MS = 500
GOAL_TOTAL_MB = 250
# Quiet: the tree (app, WebKit, demo influxd) used under 3% of one core for 3 s in a row.
QUIET_CPU = 0.03
QUIET_SECONDS = 3
MARK = re.compile(
    r"influxdesk::startup: first paint mark=(\w+) ms=([-0-9.e]+) page_start_ms=([-0-9.e]+)"
    r" ready_ms=([-0-9.e]+) in_page_ms=([-0-9.e]+)"
)
TICK = os.sysconf("SC_CLK_TCK")
# The app's own processes (comm is cut at 15 characters); anything else in the tree (the demo's
# guard shell and influxd) is listed apart.
APP = {"influxdesk": "app", "WebKitWebProces": "WebKitWebProcess", "WebKitNetworkPr": "WebKitNetworkProcess"}


def children_of():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(pid):
    kids = children_of()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(kids.get(p, []))
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return None


def cpu_ticks(pids):
    total = 0
    for p in pids:
        try:
            with open(f"/proc/{p}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        total += int(fields[11]) + int(fields[12])
    return total


def memory(pid):
    """(rss_kb, pss_kb) from smaps_rollup."""
    rss = pss = 0
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Rss:"):
                    rss = int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


class NoMark(Exception):
    pass


class Run:
    """One start of the app: spawn, wait for the mark, wait for quiet, read memory, stop."""

    def __init__(self, binary, home, extra_env):
        self.lines = []
        # (ms since spawn, since main, page began to load, list in the DOM, painted: in the page)
        self.mark = None
        self.got_mark = threading.Event()
        env = dict(os.environ)
        env.update(
            HOME=home,
            XDG_CONFIG_HOME=f"{home}/.config",
            XDG_DATA_HOME=f"{home}/.local/share",
            XDG_CACHE_HOME=f"{home}/.cache",
            INFLUXDESK_SOCKET=f"{home}/mcp.sock",
            RUST_LOG="warn,influxdesk=info",
        )
        env.update(extra_env)
        for k in ("INFLUX_URL", "INFLUXDESK_CONFIG_DIR", "INFLUXDESK_DATA_DIR", "WAYLAND_DISPLAY"):
            env.pop(k, None)
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen(
            [binary], env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            m = MARK.search(re.sub(r"\x1b\[[0-9;]*m", "", line))
            if m and m.group(1) == "Connections" and self.mark is None:
                spawn_ms = (time.monotonic() - self.t0) * 1e3
                self.mark = (spawn_ms, *(float(m.group(i)) for i in (2, 3, 4, 5)))
                self.got_mark.set()

    def wait_mark(self, timeout=120):
        if not self.got_mark.wait(timeout):
            self.stop()
            tail = "\n".join(self.lines[-20:])
            raise NoMark(f"no start-up mark within {timeout} s; the app's stderr ends with:\n{tail}")
        return self.mark

    def wait_quiet(self, timeout=180):
        """Wait until the demo runs and the tree is quiet; False when it never got quiet."""
        end = time.monotonic() + timeout
        quiet = 0
        last = cpu_ticks(tree(self.proc.pid))
        while time.monotonic() < end:
            time.sleep(1)
            pids = tree(self.proc.pid)
            now = cpu_ticks(pids)
            demo_up = any(comm(p) == "influxd" for p in pids)
            quiet = quiet + 1 if demo_up and (now - last) / TICK < QUIET_CPU else 0
            last = now
            if quiet >= QUIET_SECONDS:
                return True
        return False

    def memory(self):
        per = {}
        for p in tree(self.proc.pid):
            name = APP.get(comm(p) or "", None)
            rss, pss = memory(p)
            key = name or f"other:{comm(p)}"
            a, b = per.get(key, (0, 0))
            per[key] = (a + rss, b + pss)
        return per

    def stop(self):
        pids = tree(self.proc.pid)
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        # WebKit's helpers and the demo's guard end with the app; wait for them (ours only).
        end = time.monotonic() + 30
        while time.monotonic() < end and any(comm(p) is not None for p in pids):
            time.sleep(0.2)
        for p in pids:
            if comm(p) is not None:
                try:
                    os.kill(p, 9)
                except OSError:
                    pass


def mb(kb):
    return kb / 1024


def bench(binary, home, extra_env):
    os.makedirs(home, exist_ok=True)
    starts = []
    mems = []
    for i in range(1 + WARM):
        run = Run(binary, home, extra_env)
        starts.append(run.wait_mark())
        quiet = run.wait_quiet()
        if i > 0:
            mems.append((run.memory(), quiet))
        run.stop()
    return starts, mems


def report(label, starts, mems):
    first, warm = starts[0], starts[1:]
    print(f"\n{label}")

    def line(what, m):
        return (
            f"  {what:32} Connections painted {m[0]:7.1f} ms after spawn "
            f"(main to page load {m[2]:.1f} ms; in the page: list in the DOM {m[3]:.1f} ms, painted {m[4]:.1f} ms)"
        )

    print(line("first start (creates the demo):", first))
    if warm:
        med = [statistics.median(m[i] for m in warm) for i in range(5)]
        print(line(f"warm start, median of {len(warm)}:", med))
        print(f"  {'':32} goal < {GOAL_PAINT_MS} ms: {'met' if med[0] < GOAL_PAINT_MS else 'NOT met'}")
    if not mems:
        return
    # The median run by total PSS of the app's processes.
    def app_pss(m):
        return sum(v[1] for k, v in m[0].items() if not k.startswith("other:"))

    mem, quiet = sorted(mems, key=app_pss)[len(mems) // 2]
    print(f"  idle memory (median of {len(mems)} warm runs{'' if quiet else ', NOT quiet after 180 s'}):")
    tot_rss = tot_pss = 0
    for name in ("app", "WebKitWebProcess", "WebKitNetworkProcess"):
        rss, pss = mem.get(name, (0, 0))
        tot_rss += rss
        tot_pss += pss
        print(f"    {name:22} RSS {mb(rss):7.1f} MB   PSS {mb(pss):7.1f} MB")
    verdict = "met" if mb(tot_pss) < GOAL_TOTAL_MB else "NOT met"
    print(
        f"    {'all app processes':22} RSS {mb(tot_rss):7.1f} MB   PSS {mb(tot_pss):7.1f} MB"
        f"   goal < {GOAL_TOTAL_MB} MB (PSS, shared pages counted once): {verdict}"
    )
    for name, (rss, pss) in sorted(mem.items()):
        if name.startswith("other:"):
            print(f"    apart: {name[6:]:15} RSS {mb(rss):7.1f} MB   PSS {mb(pss):7.1f} MB")


def main():
    scratch, binaries = sys.argv[1], sys.argv[2:]
    print(f"app weight: {len(binaries)} build(s), 1 first start + {WARM} warm starts each, Xvfb, real Secret Service")
    print(f"goals (the reference): first useful paint < {GOAL_PAINT_MS} ms, all app processes < {GOAL_TOTAL_MB} MB idle")
    with open("/proc/loadavg") as f:
        print(f"load average at the start: {' '.join(f.read().split()[:3])} (on {os.cpu_count()} cores)")
    runs = []
    for binary in binaries:
        label = "release" if "/release/" in binary else "debug" if "/debug/" in binary else binary
        runs.append((f"{label} build ({binary})", binary, {}))
        if label == "release" and not os.environ.get("INFLUXDESK_BENCH_APP_NO_VARIANT"):
            # Under Xvfb, WebKit composites with Mesa's software GL (llvmpipe): the same build
            # without compositing shows what that costs.
            off = {"WEBKIT_DISABLE_COMPOSITING_MODE": "1"}
            runs.append(("release build, WEBKIT_DISABLE_COMPOSITING_MODE=1 (no GL compositing)", binary, off))
    failed = False
    for n, (label, binary, extra_env) in enumerate(runs):
        try:
            starts, mems = bench(binary, f"{scratch}/user{n}", extra_env)
        except NoMark as e:
            # A build from before the start-up mark (an old debug build) never logs it.
            print(f"\n{label}\n  error: {e}")
            failed = True
            continue
        report(label, starts, mems)
    with open("/proc/loadavg") as f:
        print(f"\nload average at the end: {' '.join(f.read().split()[:3])}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
