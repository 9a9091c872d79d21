"""`influxdesk mcp` over stdio, driven by the official Python MCP SDK, against a real InfluxDB 3
Core (3.10, auth on, an admin token from `influxdb3 create token --admin`): every tool through
the seed's INFLUX_* drop-in (INFLUX_URL, INFLUX_TOKEN, INFLUX_BUCKET).

The server binary is $INFLUXDB3_BIN, else ../shared/servers/influxdb3 beside the repo. Without
it these tests are SKIPPED with the reason (under CI=true they fail instead: CI always runs
this layer).
"""

import asyncio
import datetime
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from mcp import ClientSession

from test_stdio import BIN, base_env, session_run, text

ROOT = Path(__file__).resolve().parents[2]


def influxdb3_bin() -> Path | None:
    env = os.environ.get("INFLUXDB3_BIN")
    p = Path(env) if env else ROOT.parent / "shared" / "servers" / "influxdb3"
    return p if p.is_file() else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def core3():
    """A private InfluxDB 3 Core with auth on; yields (url, admin token)."""
    exe = influxdb3_bin()
    if exe is None:
        why = "InfluxDB 3 Core layer SKIPPED: set INFLUXDB3_BIN or provide ../shared/servers/influxdb3"
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    d = Path(tempfile.mkdtemp(prefix="influxdesk-py-influxdb3-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(d / "influxdb3.log", "w")
    proc = subprocess.Popen(
        [str(exe), "serve", "--node-id", "py", "--object-store", "file",
         "--data-dir", str(d / "data"), "--http-bind", f"127.0.0.1:{port}",
         "--disable-telemetry-upload", "--wal-flush-interval", "10ms"],
        stdout=log, stderr=log, stdin=subprocess.DEVNULL,
    )
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=1)
            break
        except urllib.error.HTTPError as e:
            if e.code == 401:  # auth on: it answers, so it is up
                break
        except Exception:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            pytest.fail(f"influxdb3 did not start: {(d / 'influxdb3.log').read_text()}")
        time.sleep(0.05)
    out = subprocess.run(
        [str(exe), "create", "token", "--admin", "--format", "json", "--host", url],
        capture_output=True, text=True, check=True,
    )
    token = json.loads(out.stdout)["token"]
    yield url, token
    proc.terminate()
    proc.wait(timeout=30)
    log.close()
    shutil.rmtree(d, ignore_errors=True)


def ago(seconds: int) -> str:
    t = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return (t - datetime.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_every_tool_on_influxdb3_core(core3, tmp_path):
    url, token = core3
    env = base_env(tmp_path) | {
        "INFLUX_URL": url, "INFLUX_TOKEN": token, "INFLUX_BUCKET": "pysdk-v3",
    }
    at = ago(120)

    async def body(s: ClientSession):
        r = await s.call_tool(
            "manage-buckets",
            {"action": "create", "bucket_name": "pysdk-v3", "retention_period": "7d"},
        )
        assert not r.is_error, text(r)
        assert r.structured_content["bucket"]["retention"] == "7d", r.structured_content
        r = await s.call_tool(
            "write-metrics",
            {"measurement": "weather", "tags": {"city": "Oslo"},
             "fields": {"temp": -3.5, "ok": True, "note": "snow"},
             "timestamp": at, "precision": "s"},
        )
        assert not r.is_error, text(r)
        assert r.structured_content["points"] == 1

        r = await s.call_tool(
            "query-data", {"query": "SELECT time, city, note, ok, temp FROM weather"}
        )
        assert not r.is_error, text(r)
        data = r.structured_content
        assert data["language"] == "sql"
        assert data["tables"][0]["rows"] == [[at, "Oslo", "snow", True, -3.5]]
        r = await s.call_tool(
            "query-data",
            {"query": "SELECT temp FROM weather", "language": "influxql", "format": "csv"},
        )
        assert not r.is_error, text(r)
        assert text(r) == f"name,time,temp\nweather,{at},-3.5\n"

        r = await s.call_tool("list-measurements", {})
        assert r.structured_content["measurements"] == ["weather"], text(r)
        r = await s.call_tool("describe-measurement", {"measurement": "weather"})
        assert r.structured_content["tag_keys"] == ["city"]
        assert {f["name"]: f["type"] for f in r.structured_content["field_keys"]} == {
            "note": "string", "ok": "boolean", "temp": "float",
        }

        r = await s.call_tool(
            "render-chart",
            {"query": "SELECT time, temp FROM weather", "time_range": "1h", "chart_type": "line"},
        )
        assert not r.is_error, text(r)
        assert any(getattr(c, "type", "") == "image" for c in r.content)

        r = await s.call_tool("get-metrics", {"metric_type": "database"})
        assert not r.is_error, text(r)
        counts = {
            m["labels"].get("database"): m["value"]
            for m in r.structured_content["metrics"] if m["name"] == "measurements"
        }
        assert counts.get("pysdk-v3") == 1, counts

        r = await s.call_tool("manage-buckets", {"action": "list"})
        mine = [b for b in r.structured_content["buckets"] if b["name"] == "pysdk-v3"]
        assert mine and mine[0]["retention"] == "7d", r.structured_content
        r = await s.call_tool(
            "manage-buckets", {"action": "delete", "bucket_name": "pysdk-v3"}
        )
        assert not r.is_error, text(r)
        r = await s.call_tool("manage-buckets", {"action": "list"})
        assert not any(
            b["name"].startswith("pysdk-v3") for b in r.structured_content["buckets"]
        ), "a soft-deleted database is not listed"

    asyncio.run(session_run(["--allow-writes"], env, body))


def test_a_missing_token_says_to_use_an_admin_token(core3, tmp_path):
    url, _ = core3
    env = base_env(tmp_path) | {"INFLUX_URL": url, "INFLUX_API": "v3", "INFLUX_BUCKET": "x"}

    async def body(s: ClientSession):
        r = await s.call_tool("list-measurements", {})
        assert r.is_error and text(r).startswith("Unauthorized: "), text(r)
        assert "create token --admin" in text(r), text(r)

    asyncio.run(session_run([], env, body))
