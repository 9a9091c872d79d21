"""The assistant boundary under hostile input, through the official Python MCP SDK.

More than a thousand hostile or malformed tool calls go to `influxdesk mcp` against a real
influxd the test starts and fills: statements that write or change the server disguised every
way the classifier must see through (case, whitespace, comments, unicode separators, chaining,
regex and quote tricks, Flux aliases and imports, SQL escapes), injection through names, and
arguments of the wrong type, size or range. The connection's assistant policy is *allow*, the
most permissive: query-data and render-chart must still only read. Afterwards the server's
databases, users, retention policies, continuous queries, measurements and point counts are
exactly as before, every call was answered, and the session still works.

The calls are generated from a fixed seed, so a failure names a call that can be replayed.
"""

import asyncio
import json
import random
import subprocess
import urllib.parse
import urllib.request

from mcp import ClientSession

from test_stdio import BIN, base_env, influxd, session_run, text  # noqa: F401 (fixture)

# Every call must be answered; a generous bound only so that a hang fails instead of blocking.
ANSWER_WITHIN_S = 120

NON_READS = [
    "DROP DATABASE telegraf",
    "DROP DATABASE other",
    "DELETE FROM cpu",
    "DELETE FROM cpu WHERE time < now()",
    "DROP MEASUREMENT cpu",
    "DROP SERIES FROM cpu",
    "CREATE DATABASE pwned",
    "CREATE USER evil WITH PASSWORD 'x' WITH ALL PRIVILEGES",
    "DROP USER bob",
    "GRANT ALL TO bob",
    "REVOKE ALL PRIVILEGES FROM bob",
    "SET PASSWORD FOR bob = 'changed'",
    "ALTER RETENTION POLICY short ON telegraf DURATION 1h",
    "DROP RETENTION POLICY short ON telegraf",
    "CREATE RETENTION POLICY r2 ON telegraf DURATION 2d REPLICATION 1 DEFAULT",
    "DROP CONTINUOUS QUERY cq1 ON telegraf",
    "SELECT * INTO telegraf.autogen.copied FROM cpu GROUP BY *",
    "SELECT mean(v) INTO other..stolen FROM telegraf..cpu GROUP BY time(1m)",
    "KILL QUERY 1",
    "DROP SHARD 1",
]

# Reads that leave a quote, regex or comment open in some reading of the text.
PREFIXES = [
    "SELECT * FROM cpu GROUP BY /'/",
    "SELECT max(/'|x/) FROM cpu",
    "SELECT * FROM cpu /'/",
    "SELECT v /'/ FROM cpu",
    "SELECT * FROM cpu WHERE host =~ /*'/",
    "SELECT * FROM cpu WHERE host =~ /\\/'/",
    "SELECT * FROM cpu WHERE host = 'it\\'s'",
    'SELECT "a\\"b" FROM cpu',
    "SELECT * FROM cpu -- '\n",
    "SELECT * FROM cpu /* ' */",
    "SELECT * FROM cpu WHERE host = '/*'",
    "SHOW DATABASES",
    "SHOW MEASUREMENTS WITH MEASUREMENT =~ /\"/",
    "EXPLAIN SELECT * FROM cpu",
    "",
]
# Whole exploits found by reading the server's scanner (each was once classified a read).
EXPLOITS = [
    "SELECT * FROM cpu WHERE host =~ /a\\\\/ AND x = '/; DROP DATABASE telegraf; SELECT * FROM cpu WHERE a = 'x' -- '",
    "SELECT * FROM cpu; -- x\rDROP DATABASE telegraf",
    "SELECT * FROM cpu; -- x\u0000DROP DATABASE telegraf",
    "SELECT v FROM cpu WHERE * /'/' = 1; DROP DATABASE telegraf; SELECT v FROM cpu WHERE a = 'x' -- '",
    "SELECT * FROM cpu GROUP BY /'/; DROP DATABASE telegraf; SELECT * FROM cpu WHERE host = 'x'",
]
SUFFIXES = [
    "",
    "SELECT * FROM cpu WHERE host = 'x'",
    "SELECT '/' FROM cpu",
    "SELECT * FROM cpu WHERE a = '/",
    "SELECT '*/' FROM cpu",
    "SELECT \"'\" FROM cpu",
]
SEPARATORS = [" ", "\t", "\n", "  ", " /* c */ ", " -- c\n", "\u00a0", "\u2028", "\r\n"]

FLUX_NON_READS = [
    'from(bucket: "telegraf") |> range(start: -1h) |> to(bucket: "other")',
    'w = to\nfrom(bucket: "telegraf") |> range(start: -1h) |> w(bucket: "other")',
    'import "experimental"\nfrom(bucket: "telegraf") |> range(start: -1h) |> experimental.to(bucket: "other")',
    'import e "experimental"\nfrom(bucket: "a") |> range(start: -1h) |> e.to(bucket: "b")',
    'import "http"\nhttp.post(url: "http://169.254.169.254/latest/meta-data/")',
    'import "experimental/http/requests"\nrequests.get(url: "http://127.0.0.1:1/")',
    'import "sql"\nsql.from(driverName: "sqlite3", dataSourceName: "file:/tmp/x", query: "select 1")',
    'import "influxdata/influxdb/secrets"\nx = secrets.get(key: "k")',
    'from(bucket: "telegraf", host: "http://127.0.0.1:1", token: "t") |> range(start: -1h)',
    's = "${to}"\nfrom(bucket: "telegraf") |> range(start: -1h)',
    'x = 1 /"/ |> to(bucket: "other") // "',
    'import "csv"\ncsv.from(file: "/etc/passwd")',
    'import "experimental"\nfrom(bucket: "telegraf") |> range(start: -1h) |> experimental["to"](bucket: "other")',
    'import "influxdata/influxdb/v1"\nv1.json(file: "/etc/passwd")',
]

SQL_NON_READS = [
    "DROP TABLE cpu",
    "DELETE FROM cpu",
    "INSERT INTO cpu VALUES (1)",
    "SELECT * INTO copied FROM cpu",
    "CREATE TABLE t (a int)",
    "COPY (SELECT * FROM cpu) TO '/tmp/out.csv'",
    "SELECT 1; DROP TABLE cpu",
    "SELECT * FROM cpu WHERE note = E'\\''; DROP TABLE cpu; --'",
    "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
    "SET datafusion.execution.batch_size = 1",
]


def disguise(rng: random.Random, stmt: str) -> str:
    """Random case on words, random separators between them."""
    words = stmt.split(" ")
    out = []
    for w in words:
        if rng.random() < 0.6 and not w.startswith("'"):
            w = "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in w)
        out.append(w)
    return "".join(
        w + (rng.choice(SEPARATORS) if i < len(out) - 1 else "") for i, w in enumerate(out)
    )


def hostile_influxql(rng: random.Random) -> str:
    stmt = disguise(rng, rng.choice(NON_READS))
    pre, suf = rng.choice(PREFIXES), rng.choice(SUFFIXES)
    sep = rng.choice(SEPARATORS)
    q = stmt
    if pre:
        q = pre + ";" + sep + q
    if suf:
        q = q + ";" + sep + suf
    return q


def malformed_calls(rng: random.Random):
    """Arguments of the wrong type, size or range, and injection through names."""
    inject = [
        'telegraf"; DROP DATABASE other; SELECT * FROM "x',
        "telegraf'; DROP DATABASE other; --",
        'cpu" ; DROP DATABASE telegraf ; SELECT * FROM "cpu',
        "cpu\nDROP DATABASE telegraf",
        "../../etc/passwd",
        "\u0000",
        "x" * 300_000,
    ]
    ranges = [
        "-99999999999d", "99999999999999999999h", "-0s", "", "..", "now..", "x", "1h30",
        "1970-01-01T00:00:00Z..9999-12-31T23:59:59Z", "2024-01-02T00:00:00Z..2024-01-01T00:00:00Z",
        "\u0000", "-" * 5000, "9223372036854775807ms", "-9223372036854775808s", "1w" * 2000,
    ]
    calls = []
    for r in ranges:
        calls.append(("query-data", {"query": "SELECT * FROM cpu", "time_range": r}))
        calls.append(("render-chart", {"query": "SELECT v FROM cpu", "time_range": r}))
        calls.append(("get-metrics", {"metric_type": "query", "time_range": r}))
    for name in inject:
        calls.append(("list-measurements", {"bucket": name}))
        calls.append(("describe-measurement", {"measurement": name}))
        calls.append(("describe-measurement", {"measurement": "cpu", "bucket": name}))
        calls.append(("query-data", {"query": "SELECT * FROM cpu", "bucket": name}))
        calls.append(("manage-buckets", {"action": "list", "bucket_name": name}))
    for limit in [-1, 0, 2**64, 1e308, "ten", None, [], {}]:
        calls.append(("query-data", {"query": "SELECT * FROM cpu", "limit": limit}))
    for fmt in ["xml", "", 5, None]:
        calls.append(("query-data", {"query": "SELECT * FROM cpu", "format": fmt}))
    for chart in [
        {"width": 0}, {"width": 10**9, "height": 10**9}, {"type": "pie"}, {"decimals": -5},
        {"decimals": 10**6}, "line", [], {"width": -1}, {"height": 2**40},
    ]:
        calls.append(("render-chart", {"query": "SELECT v FROM cpu", "chart": chart}))
    for lang in ["cobol", "", 1, "FLUX", "Sql"]:
        calls.append(("query-data", {"query": "SELECT * FROM cpu", "language": lang}))
    junk = [None, 1, -1, True, [], {}, "", "x" * 10_000, {"query": {"nested": [1, 2]}}]
    for tool in [
        "query-data", "render-chart", "list-measurements", "describe-measurement",
        "get-metrics", "list-alerts", "no-such-tool", "create-alerts", "manage-buckets",
    ]:
        for j in junk:
            calls.append((tool, {"query": j, "measurement": j, "metric_type": j}))
    # Alert rules whose query writes: refused even under "allow" (the scheduler runs them
    # unattended).
    for _ in range(20):
        calls.append((
            "create-alerts",
            {
                "alert_name": f"hostile-{rng.randrange(10**9)}",
                "query": hostile_influxql(rng),
                "threshold": {"operator": ">", "value": 1},
                "notification": {"channels": ["desktop"]},
            },
        ))
    rng.shuffle(calls)
    return calls


def influxql(url: str, query: str, db: str = "", post: bool = False):
    """One statement straight to influxd's /query (GET reads, POST changes); its results."""
    params = urllib.parse.urlencode({"q": query, **({"db": db} if db else {})})
    req = (
        urllib.request.Request(f"{url}/query", data=params.encode(), method="POST")
        if post
        else f"{url}/query?{params}"
    )
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())["results"]


def snapshot(url: str) -> dict:
    """Everything a hostile call could change, read straight from influxd."""
    q = lambda query, db="": influxql(url, query, db)  # noqa: E731
    dbs = sorted(v[0] for v in q("SHOW DATABASES")[0]["series"][0]["values"])
    out = {
        "databases": dbs,
        "users": q("SHOW USERS")[0].get("series"),
        "cqs": q("SHOW CONTINUOUS QUERIES")[0].get("series"),
    }
    for db in dbs:
        out[f"rp:{db}"] = q(f'SHOW RETENTION POLICIES ON "{db}"')[0].get("series")
        out[f"measurements:{db}"] = q("SHOW MEASUREMENTS", db)[0].get("series")
        out[f"counts:{db}"] = q("SELECT count(*) FROM /.*/", db)[0].get("series")
    return out


def seed(url: str):
    for stmt in [
        "CREATE DATABASE telegraf",
        "CREATE DATABASE other",
        "CREATE USER bob WITH PASSWORD 'bobpw'",
        "GRANT READ ON telegraf TO bob",
        "CREATE RETENTION POLICY short ON telegraf DURATION 7d REPLICATION 1",
        "CREATE CONTINUOUS QUERY cq1 ON telegraf BEGIN SELECT mean(v) INTO cpu_1h FROM cpu "
        "GROUP BY time(1h) END",
    ]:
        influxql(url, stmt, post=True)
    # Points at fixed times, whatever the clock says.
    lines = "\n".join(
        f"cpu,host=h{i % 3} v={i}.5,note=\"n{i}\" {1_700_000_000 + 60 * i}" for i in range(300)
    )
    for db in ["telegraf", "other"]:
        urllib.request.urlopen(
            urllib.request.Request(
                f"{url}/write?db={db}&precision=s", data=lines.encode(), method="POST"
            )
        ).read()


def test_a_thousand_hostile_calls_change_nothing(influxd, tmp_path):
    env = base_env(tmp_path)
    seed(influxd)
    added = subprocess.run(
        [
            BIN, "profile", "add", "hostile", "--url", influxd, "--api", "v1",
            "--database", "telegraf", "--assistant-policy", "allow", "--use",
        ],
        env=env, capture_output=True, text=True,
    )
    assert added.returncode == 0, added.stderr
    before = snapshot(influxd)

    rng = random.Random(20261130)
    calls = []
    for _ in range(700):
        q = hostile_influxql(rng)
        tool = rng.choice(["query-data", "query-data", "render-chart"])
        args = {"query": q, "time_range": "2023-11-14T00:00:00Z..2023-11-16T00:00:00Z"}
        if rng.random() < 0.3:
            args["language"] = "influxql"
        calls.append((tool, args))
    for q in EXPLOITS:
        for tool in ["query-data", "render-chart"]:
            calls.append((tool, {"query": q, "time_range": "-1h"}))
    for stmt in FLUX_NON_READS:
        for _ in range(8):
            calls.append(("query-data", {"query": disguise(rng, stmt), "language": "flux"}))
    for stmt in SQL_NON_READS:
        for _ in range(6):
            calls.append(("query-data", {"query": disguise(rng, stmt), "language": "sql"}))
    calls += malformed_calls(rng)
    assert len(calls) >= 1000, len(calls)

    async def body(s: ClientSession):
        refused = answered = 0
        for i, (tool, args) in enumerate(calls):
            try:
                r = await asyncio.wait_for(s.call_tool(tool, args), ANSWER_WITHIN_S)
            except asyncio.TimeoutError:
                raise AssertionError(f"call {i} ({tool}) was never answered: {args!r:.300}")
            except Exception as e:  # a protocol-level error is an answer too
                answered += 1
                assert "Internal" not in str(e), f"call {i} ({tool}): {e}"
                continue
            answered += 1
            body = text(r)
            assert "hit a bug" not in body, f"call {i} ({tool}) panicked: {body}"
            refused += bool(r.is_error)
        assert answered == len(calls)
        # The session is still alive and sane after all of it.
        tools = await s.list_tools()
        assert any(t.name == "query-data" for t in tools.tools)
        r = await s.call_tool(
            "query-data",
            {"query": "SELECT count(v) FROM cpu", "time_range": "2023-11-14T00:00:00Z..2023-11-16T00:00:00Z"},
        )
        assert not r.is_error, text(r)
        return refused

    refused = asyncio.run(session_run([], env, body))
    assert refused > 700, f"only {refused} calls were refused"
    after = snapshot(influxd)
    assert after == before, "a hostile call changed the server"


def test_every_disguised_statement_is_refused_with_a_reason(influxd, tmp_path):
    """Each non-read statement, disguised, is refused as Forbidden and names what it does."""
    env = base_env(tmp_path)
    seed(influxd)
    added = subprocess.run(
        [
            BIN, "profile", "add", "allow", "--url", influxd, "--api", "v1",
            "--database", "telegraf", "--assistant-policy", "allow", "--use",
        ],
        env=env, capture_output=True, text=True,
    )
    assert added.returncode == 0, added.stderr
    rng = random.Random(7)

    async def body(s: ClientSession):
        for stmt in NON_READS:
            q = rng.choice(PREFIXES[:6]) + ";\n" + disguise(rng, stmt)
            r = await s.call_tool("query-data", {"query": q, "time_range": "-1h"})
            assert r.is_error, f"{q!r} ran"
            assert text(r).startswith("Forbidden: query-data only reads"), text(r)
        r = await s.call_tool(
            "query-data", {"query": "SELECT count(v) FROM cpu", "time_range": "-99999999999d"}
        )
        assert r.is_error and text(r).startswith("InvalidInput: "), text(r)

    asyncio.run(session_run([], env, body))
