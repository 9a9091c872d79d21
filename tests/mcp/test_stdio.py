"""`influxdesk mcp` driven by the official Python MCP SDK (PyPI `mcp`) over stdio: a second,
independent client next to rmcp's. The test starts its own influxd (Debian's 1.x) on free
loopback ports with temp dirs, then launches the real binary the way an AI client does.

The binary is $INFLUXDESK_BIN, else target/debug/influxdesk (built by `cargo test --workspace`).
"""

import asyncio
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import Implementation

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("INFLUXDESK_BIN", str(ROOT / "target" / "debug" / "influxdesk"))
DAY = "2023-11-14T00:00:00Z..2023-11-15T00:00:00Z"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def influxd():
    """A private influxd 1.x; yields its URL."""
    exe = shutil.which("influxd") or "/usr/bin/influxd"
    if not os.path.exists(exe):
        pytest.fail("influxd is not installed (Debian package `influxdb`)")
    d = Path(tempfile.mkdtemp(prefix="influxdesk-py-influxd-"))
    http, rpc = free_port(), free_port()
    conf = d / "influxdb.conf"
    conf.write_text(
        f"""reporting-disabled = true
bind-address = "127.0.0.1:{rpc}"
[meta]
  dir = "{d}/meta"
  logging-enabled = false
[data]
  dir = "{d}/data"
  wal-dir = "{d}/wal"
  query-log-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{http}"
  log-enabled = false
[logging]
  level = "warn"
[monitor]
  store-enabled = false
"""
    )
    log = open(d / "influxd.log", "w")
    proc = subprocess.Popen([exe, "run", "-config", str(conf)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{http}"
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/ping", timeout=1)
            break
        except Exception:
            if proc.poll() is not None or time.time() > deadline:
                proc.kill()
                pytest.fail(f"influxd did not start: {(d / 'influxd.log').read_text()}")
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(timeout=30)
    log.close()
    shutil.rmtree(d, ignore_errors=True)


def base_env(tmp: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INFLUX")}
    env.pop("RUST_LOG", None)
    env["INFLUXDESK_CONFIG_DIR"] = str(tmp / "config")
    env["INFLUXDESK_DATA_DIR"] = str(tmp / "data")
    # Nothing listens here, so `influxdesk mcp` serves in-process instead of bridging.
    env["INFLUXDESK_SOCKET"] = str(tmp / "no-socket" / "mcp.sock")
    return env


async def session_run(args, env, body):
    params = StdioServerParameters(command=BIN, args=["mcp", *args], env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(
            read, write, client_info=Implementation(name="python-sdk-test", version="1.0")
        ) as session:
            init = await session.initialize()
            assert init.server_info.name == "influxdesk"
            return await body(session)


def text(result) -> str:
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def test_env_profile_write_then_query_returns_the_exact_point(influxd, tmp_path):
    """The seed's drop-in: INFLUX_* variables and --allow-writes."""
    env = base_env(tmp_path) | {"INFLUX_URL": influxd, "INFLUX_BUCKET": "pysdk"}

    async def body(s: ClientSession):
        tools = {t.name: t for t in (await s.list_tools()).tools}
        assert sorted(tools) == [
            "add-annotation",
            "add-cell",
            "backtest-alert",
            "create-alerts",
            "create-dashboard",
            "delete-alerts",
            "delete-data",
            "describe-measurement",
            "get-dashboard",
            "get-metrics",
            "health-check",
            "investigate-database",
            "kill-query",
            "list-alerts",
            "list-annotations",
            "list-dashboards",
            "list-measurements",
            "list-queries",
            "list-server-alerts",
            "manage-buckets",
            "manage-downsampling",
            "manage-tokens",
            "manage-users",
            "query-data",
            "remove-annotation",
            "render-chart",
            "test-alert-channel",
            "update-cell",
            "write-metrics",
        ]
        assert tools["query-data"].annotations.read_only_hint is True
        assert tools["query-data"].annotations.destructive_hint is False
        assert tools["list-measurements"].annotations.read_only_hint is True
        assert set(tools["write-metrics"].input_schema["properties"]) >= {
            "bucket", "measurement", "tags", "fields", "timestamp", "precision",
        }

        r = await s.call_tool("manage-buckets", {"action": "create", "bucket_name": "pysdk"})
        assert not r.is_error, text(r)
        r = await s.call_tool(
            "write-metrics",
            {
                "measurement": "weather",
                "tags": {"city": "Oslo"},
                "fields": {"temp": -3.5, "ok": True, "note": "snow"},
                "timestamp": "2023-11-14T22:13:20Z",
                "precision": "s",
            },
        )
        assert not r.is_error, text(r)
        assert r.structured_content == {
            "bucket": "pysdk",
            "points": 1,
            "dropped": 0,
            "uncertain": 0,
            "line_protocol": 'weather,city=Oslo note="snow",ok=true,temp=-3.5 1700000000',
        }

        r = await s.call_tool(
            "query-data", {"query": "SELECT * FROM weather", "time_range": DAY}
        )
        assert not r.is_error, text(r)
        data = r.structured_content
        assert data["language"] == "influxql"
        assert data["rows"] == 1 and data["truncated"] is False
        assert data["tables"] == [
            {
                "name": "weather",
                "tags": {},
                "columns": ["time", "city", "note", "ok", "temp"],
                "rows": [["2023-11-14T22:13:20Z", "Oslo", "snow", True, -3.5]],
            }
        ]
        r = await s.call_tool(
            "query-data",
            {"query": "SELECT temp FROM weather", "time_range": DAY, "format": "csv"},
        )
        assert text(r) == "name,time,temp\nweather,2023-11-14T22:13:20Z,-3.5\n"

        r = await s.call_tool(
            "describe-measurement", {"measurement": "weather"}
        )
        assert r.structured_content["tag_keys"] == ["city"]
        assert {f["name"]: f["type"] for f in r.structured_content["field_keys"]} == {
            "note": "string", "ok": "boolean", "temp": "float",
        }

        r = await s.call_tool(
            "write-metrics", {"measurement": "weather", "fields": {"temp": "cold"}}
        )
        assert r.is_error and text(r).startswith("InvalidInput: "), text(r)

        conn = await s.read_resource("influxdesk://connection")
        c = json.loads(conn.contents[0].text)
        assert c["profile"] == "env" and c["effective_policy"] == "ask"
        p = await s.get_prompt("line-protocol-guide")
        assert "measurement[,tag=value...]" in p.messages[0].content.text

    asyncio.run(session_run(["--allow-writes"], env, body))


def test_a_saved_read_only_profile_reads_but_refuses_writes(influxd, tmp_path):
    env = base_env(tmp_path)
    urllib.request.urlopen(
        urllib.request.Request(
            f"{influxd}/query", data=b"q=CREATE+DATABASE+saved", method="POST"
        )
    )
    added = subprocess.run(
        [BIN, "profile", "add", "py", "--url", influxd, "--api", "v1", "--database", "saved"],
        env=env, capture_output=True, text=True,
    )
    assert added.returncode == 0, added.stderr

    async def body(s: ClientSession):
        r = await s.call_tool("write-metrics", {"measurement": "m", "fields": {"v": 1}})
        assert r.is_error
        assert text(r).startswith("Forbidden: ") and "read-only" in text(r), text(r)
        r = await s.call_tool(
            "query-data", {"query": "DROP DATABASE saved", "format": "table"}
        )
        assert r.is_error and text(r).startswith("Forbidden: query-data only reads"), text(r)
        assert "DROP DATABASE saved" in text(r), text(r)
        r = await s.call_tool("manage-buckets", {"action": "list"})
        assert not r.is_error
        assert "saved" in [b["name"] for b in r.structured_content["buckets"]]

    asyncio.run(session_run(["--profile", "py"], env, body))
