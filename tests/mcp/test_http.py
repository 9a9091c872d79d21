"""`influxdesk serve --http` driven by the official Python MCP SDK (PyPI `mcp`) over streamable
HTTP, with the bearer token from the OS keychain (`influxdesk serve --print-token`).

The token lives in the Secret Service, so this runs inside a D-Bus session with an unlocked
keyring: `.ci/test` runs pytest inside one (its own HOME and XDG_RUNTIME_DIR). influxd, the
binary and the INFLUX_* helpers are test_stdio.py's.
"""

import asyncio
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from mcp import ClientSession
from mcp.types import Implementation

from test_stdio import BIN, DAY, base_env, free_port, influxd, text  # noqa: F401 (fixture)

try:  # mcp >= 2: the client brings its own httpx client for headers
    from mcp.client.streamable_http import streamable_http_client as _new_client
except ImportError:  # mcp 1.x
    _new_client = None
    from mcp.client.streamable_http import streamablehttp_client as _old_client


class _Http:
    """`streamable_http_client` (mcp 2) or `streamablehttp_client` (mcp 1) with headers."""

    def __init__(self, url: str, headers: dict):
        self.url, self.headers = url, headers

    async def __aenter__(self):
        if _new_client is not None:
            from mcp.shared._httpx_utils import create_mcp_http_client

            self._http = create_mcp_http_client(headers=self.headers)
            await self._http.__aenter__()
            self._cm = _new_client(self.url, http_client=self._http)
        else:
            self._http = None
            self._cm = _old_client(self.url, headers=self.headers)
        streams = await self._cm.__aenter__()
        return streams[0], streams[1]

    async def __aexit__(self, *exc):
        await self._cm.__aexit__(*exc)
        if self._http is not None:
            await self._http.__aexit__(*exc)


def status(url: str, headers: dict) -> int:
    """A raw `initialize` POST: the HTTP status (0 when nothing listens)."""
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "raw", "version": "1"},
            },
        }
    ).encode()
    req = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            **headers,
        },
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (urllib.error.URLError, ConnectionError):
        return 0  # nothing listens (yet)


def print_token(env: dict) -> str:
    out = subprocess.run(
        [BIN, "serve", "--print-token"], env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        pytest.fail(
            "influxdesk serve --print-token needs the OS keychain: run inside a D-Bus session "
            f"with an unlocked Secret Service (.ci/test does): {out.stderr}"
        )
    return out.stdout.strip()


def test_python_sdk_over_streamable_http_with_the_keychain_token(influxd, tmp_path):
    env = base_env(tmp_path)
    sock = tmp_path / "sock" / "mcp.sock"
    env["INFLUXDESK_SOCKET"] = str(sock)
    token = print_token(env)
    assert len(token) == 43, "32 random bytes, base64url"
    assert print_token(env) == token, "created once, then the same"

    port = free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    server_env = env | {
        "INFLUX_URL": influxd,
        "INFLUX_BUCKET": "pyhttp",
        "RUST_LOG": "debug",
    }
    log = open(tmp_path / "serve.log", "w+")
    proc = subprocess.Popen(
        [BIN, "serve", "--http", f"127.0.0.1:{port}", "--allow-writes"],
        env=server_env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.time() + 30
        while status(url, {}) != 401:
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"influxdesk serve did not start: {Path(log.name).read_text()}")
            time.sleep(0.1)

        # What must be refused, as a browser or a stranger would ask.
        assert status(url, {"Authorization": "Bearer wrong"}) == 401
        assert status(url, {"Authorization": f"Token {token}"}) == 401
        auth = {"Authorization": f"Bearer {token}"}
        assert status(url, auth | {"Host": f"evil.example:{port}"}) == 403
        assert status(url, auth | {"Origin": "http://evil.example"}) == 403
        assert status(url, auth | {"Origin": f"http://localhost:{port}"}) == 200

        async def session():
            seen = []
            async with _Http(url, auth) as (read, write):
                async with ClientSession(
                    read, write, client_info=Implementation(name="python-http", version="1.0")
                ) as s:
                    init = await s.initialize()
                    assert init.server_info.name == "influxdesk"
                    names = {t.name for t in (await s.list_tools()).tools}
                    assert {"query-data", "write-metrics", "manage-buckets"} <= names, names

                    r = await s.call_tool(
                        "manage-buckets", {"action": "create", "bucket_name": "pyhttp"}
                    )
                    assert not r.is_error, text(r)
                    seen.append(r.model_dump_json())
                    r = await s.call_tool(
                        "write-metrics",
                        {
                            "measurement": "weather",
                            "tags": {"city": "Oslo"},
                            "fields": {"temp": -3.5},
                            "timestamp": "2023-11-14T22:13:20Z",
                        },
                    )
                    assert not r.is_error, text(r)
                    seen.append(r.model_dump_json())
                    r = await s.call_tool(
                        "query-data", {"query": "SELECT temp, city FROM weather", "time_range": DAY}
                    )
                    assert not r.is_error, text(r)
                    assert r.structured_content["tables"][0]["rows"] == [
                        ["2023-11-14T22:13:20Z", -3.5, "Oslo"]
                    ]
                    seen.append(r.model_dump_json())
                    conn = await s.read_resource("influxdesk://connection")
                    seen.append(conn.model_dump_json())
                    assert json.loads(conn.contents[0].text)["profile"] == "env"
            return seen

        for out in asyncio.run(session()):
            assert token not in out, "the bearer token reached a tool result or resource"

        # The same server also hosts the socket `influxdesk mcp` bridges to.
        assert sock.is_socket()
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0
    assert not sock.exists(), "SIGTERM removes the socket"
    log.seek(0)
    logged = log.read()
    log.close()
    assert "stopped (SIGTERM)" in logged, logged
    assert token not in logged, "the bearer token is in serve's output"
