"""App weight bench (run by .ci/bench-app inside Xvfb and a private D-Bus + gnome-keyring).

For each binary: a new user (fresh HOME) starts the app once (the first start creates the local
demo InfluxDB and its day of data), then WARM more times. Each start is timed from spawn to the
app's start-up mark on stderr (`influxdesk::startup: first paint mark=Connections`, logged when
the window has painted the Connections list after loading it). Memory is read from /proc once
the whole process tree has been quiet (CPU) for a while: RSS and PSS per process.

Then the first chart on the demo, as a user gets it (release build, when tauri-driver is
there): the app started by tauri-driver (WebDriver, as the GUI tests drive it), Explore opened
and the demo's query run as soon as the page allows, timed to the app's start-up mark
`mark=Chart` (the chart painted, two animation frames after the DOM held it).
"""

import json
import socket
import urllib.request

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


def user_env(home, extra_env=None):
    """The environment of a new user whose files all live under `home` (no profile from the
    caller's environment, X11 rather than Wayland), with `extra_env` on top."""
    env = dict(os.environ)
    env.update(
        HOME=home,
        XDG_CONFIG_HOME=f"{home}/.config",
        XDG_DATA_HOME=f"{home}/.local/share",
        XDG_CACHE_HOME=f"{home}/.cache",
        INFLUXDESK_SOCKET=f"{home}/mcp.sock",
        RUST_LOG="warn,influxdesk=info",
    )
    env.update(extra_env or {})
    for k in ("INFLUX_URL", "INFLUXDESK_CONFIG_DIR", "INFLUXDESK_DATA_DIR", "WAYLAND_DISPLAY"):
        env.pop(k, None)
    return env


class Run:
    """One start of the app: spawn, wait for the mark, wait for quiet, read memory, stop."""

    def __init__(self, binary, home, extra_env):
        self.lines = []
        # (ms since spawn, since main, page began to load, list in the DOM, painted: in the page)
        self.mark = None
        self.got_mark = threading.Event()
        env = user_env(home, extra_env)
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


ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


class WebDriver:
    """A minimal W3C WebDriver client (the few calls the chart start needs)."""

    def __init__(self, port):
        self.base = f"http://127.0.0.1:{port}"
        self.sid = None

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            self.base + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(req, timeout=120) as r:
            return json.loads(r.read() or b"null")

    def start(self, binary):
        caps = {"alwaysMatch": {"browserName": "wry", "tauri:options": {"application": binary}}}
        self.sid = self.call("POST", "/session", {"capabilities": caps})["value"]["sessionId"]

    def js(self, script, *args):
        return self.call("POST", f"/session/{self.sid}/execute/sync", {"script": script, "args": list(args)})["value"]

    def click(self, testid):
        found = self.call(
            "POST", f"/session/{self.sid}/element", {"using": "css selector", "value": f'[data-testid="{testid}"]'}
        )
        self.call("POST", f"/session/{self.sid}/element/{found['value'][ELEMENT]}/click", {})

    def wait_js(self, what, script, timeout=120):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                v = self.js(script)
            except Exception:
                v = None
            if v:
                return v
            time.sleep(0.02)
        raise NoMark(f"timed out waiting for {what}")

    def quit(self):
        if self.sid:
            try:
                self.call("DELETE", f"/session/{self.sid}")
            except Exception:
                pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chart_start(binary, home, driver):
    """Start the app under tauri-driver as `home`'s user, open Explore, run the demo's query
    and wait for the chart's mark. (ms from the session request to the mark, the mark's ms
    since main, Run clicked to chart painted in the page)."""
    port, native = free_port(), free_port()
    env = user_env(home)
    proc = subprocess.Popen(
        [driver, "--port", str(port), "--native-port", str(native), "--native-driver", "/usr/bin/WebKitWebDriver"],
        env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    lines, got = [], threading.Event()
    marks = {}

    def read():
        for raw in proc.stderr:
            line = re.sub(r"\x1b\[[0-9;]*m", "", raw.decode(errors="replace").rstrip())
            lines.append(line)
            m = MARK.search(line)
            if m and m.group(1) == "Chart" and "chart" not in marks:
                marks["chart"] = (time.monotonic(), *(float(m.group(i)) for i in (2, 3, 4, 5)))
                got.set()

    threading.Thread(target=read, daemon=True).start()
    wd = WebDriver(port)
    try:
        end = time.monotonic() + 30
        while True:
            try:
                wd.call("GET", "/status")
                break
            except Exception:
                if time.monotonic() > end:
                    raise NoMark("tauri-driver did not start")
                time.sleep(0.05)
        t0 = time.monotonic()
        wd.start(binary)
        # As a user: once the demo answers (its version in the switcher), Explore, then Run.
        wd.wait_js(
            "the demo connected",
            'const s = document.querySelector(\'[data-testid="switcher-status"]\');'
            " return !!s && /\\d+\\.\\d+\\.\\d+/.test(s.textContent);",
        )
        wd.click("nav-explore")
        wd.wait_js("Run enabled", 'const b = document.querySelector(\'[data-testid="q-run"]\'); return !!b && !b.disabled;')
        clicked = wd.js("return performance.now();")
        wd.click("q-run")
        if not got.wait(120):
            tail = "\n".join(lines[-20:])
            raise NoMark(f"no chart mark within 120 s; the output ends with:\n{tail}")
        at, ms, _page_start, _ready, in_page = marks["chart"]
        return ((at - t0) * 1e3, ms, in_page - clicked)
    finally:
        wd.quit()
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def chart_report(binary, home, driver):
    label = "release" if "/release/" in binary else "debug" if "/debug/" in binary else "this"
    print(f"\nfirst chart on the demo, {label} build ({binary}), {WARM} starts driven by WebDriver (tauri-driver)")
    runs = [chart_start(binary, home, driver) for _ in range(WARM)]
    for i, (spawn, main_ms, run_ms) in enumerate(runs):
        print(
            f"  start {i + 1}: chart painted {spawn:7.1f} ms after the session request "
            f"({main_ms:.1f} ms after the app's main; Run clicked to chart painted {run_ms:.1f} ms)"
        )
    med = [statistics.median(r[i] for r in runs) for i in range(3)]
    print(
        f"  median: first chart painted {med[0]:.1f} ms after the session request, {med[1]:.1f} ms after main "
        f"(Explore opened and Run clicked by WebDriver as soon as the page allowed; Run to painted {med[2]:.1f} ms)"
    )


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
    driver = os.environ.get("INFLUXDESK_TAURI_DRIVER", "")
    release = [b for b in binaries if "/release/" in b] or binaries[:1]
    if driver and os.path.exists(driver) and release:
        try:
            # The first user's home: the demo and its data are there from the starts above.
            chart_report(release[0], f"{scratch}/user{[r[1] for r in runs].index(release[0])}", driver)
        except NoMark as e:
            print(f"\nfirst chart on the demo\n  error: {e}")
            failed = True
    else:
        print("\nfirst chart on the demo: not measured (no tauri-driver: run .ci/deps --test)")
    with open("/proc/loadavg") as f:
        print(f"\nload average at the end: {' '.join(f.read().split()[:3])}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
