"""The named peers of the parse benchmark: the official Python clients parsing the same bytes.

  influxdb (1.x client)        v1 /query JSON   -> ResultSet, every point materialized
  influxdb-client (2.x client) Flux annotated CSV -> FluxTable records (FluxCsvParser)
  json (stdlib)                v3 JSON Lines    -> one dict per row (the 3.x client reads Arrow,
                                                   not JSON Lines: see `v3` below)

Usage: python peers.py V1_JSON FLUX_CSV JSONL  -> prints JSON {"v1": [wall, cpu], ...,
"rows": {...}} with the best of 3 wall-clock and thread-CPU seconds for each.

       python peers.py v3 URL DATABASE QUERY  -> the official InfluxDB 3 client
(`influxdb3-python`, Arrow Flight) running QUERY on a real 3 Core, best of 3: prints
{"v3": [wall, cpu], "rows": n}. Its Arrow decoding runs on other threads, so its CPU here is
the process's (`time.process_time`).
"""
import json
import sys
import time

from influxdb.resultset import ResultSet
from influxdb_client.client.flux_csv_parser import FluxCsvParser, FluxSerializationMode


class _Response:
    """What FluxCsvParser reads from: a finished HTTP response."""

    def __init__(self, data):
        self.data = data
        self.closed = True

    def close(self):
        pass


def v1(data):
    # What InfluxDBClient.query does with the body, then reading every point.
    results = [ResultSet(r) for r in json.loads(data).get("results", [])]
    return sum(1 for rs in results for _ in rs.get_points())


def flux(data):
    with FluxCsvParser(_Response(data), FluxSerializationMode.tables) as parser:
        list(parser.generator())
        return sum(len(t.records) for t in parser.tables)


def jsonl(data):
    return sum(1 for line in data.splitlines() if line.strip() and json.loads(line) is not None)


def best(fn, arg, cpu_clock=time.thread_time):
    walls, cpus, rows = [], [], 0
    for _ in range(3):
        t, c = time.perf_counter(), cpu_clock()
        rows = fn(arg)
        walls.append(time.perf_counter() - t)
        cpus.append(cpu_clock() - c)
    return [min(walls), min(cpus)], rows


def v3(url, database, query):
    from influxdb_client_3 import InfluxDBClient3

    # The server runs without auth; the client insists on a token.
    with InfluxDBClient3(host=url, token="unused", database=database) as client:
        # Each run: the query over Flight and every row as a pyarrow Table.
        return best(lambda q: client.query(query=q, language="sql").num_rows, query,
                    cpu_clock=time.process_time)


def main():
    if sys.argv[1] == "v3":
        secs, rows = v3(sys.argv[2], sys.argv[3], sys.argv[4])
        print(json.dumps({"v3": secs, "rows": rows}))
        return
    out, rows = {}, {}
    for name, fn, path in (("v1", v1, sys.argv[1]), ("flux", flux, sys.argv[2]), ("jsonl", jsonl, sys.argv[3])):
        with open(path, "rb") as f:
            data = f.read()
        out[name], rows[name] = best(fn, data)
    out["rows"] = rows
    print(json.dumps(out))


if __name__ == "__main__":
    main()
