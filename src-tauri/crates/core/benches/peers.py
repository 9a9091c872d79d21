"""The named peers of the parse benchmark: the official Python clients parsing the same bytes.

  influxdb (1.x client)        v1 /query JSON   -> ResultSet, every point materialized
  influxdb-client (2.x client) Flux annotated CSV -> FluxTable records (FluxCsvParser)
  json (stdlib)                v3 JSON Lines    -> one dict per row (no official 3.x parser)

Usage: python peers.py V1_JSON FLUX_CSV JSONL  -> prints JSON {"v1": s, "flux": s, "jsonl": s,
"rows": {...}} with the best of 3 wall-clock seconds for each.
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


def best(fn, data):
    times, rows = [], 0
    for _ in range(3):
        t = time.perf_counter()
        rows = fn(data)
        times.append(time.perf_counter() - t)
    return min(times), rows


def main():
    out, rows = {}, {}
    for name, fn, path in (("v1", v1, sys.argv[1]), ("flux", flux, sys.argv[2]), ("jsonl", jsonl, sys.argv[3])):
        with open(path, "rb") as f:
            data = f.read()
        out[name], rows[name] = best(fn, data)
    out["rows"] = rows
    print(json.dumps(out))


if __name__ == "__main__":
    main()
