//! Prompts: query help per language and a line protocol guide. Short, concrete, and about the
//! tools this server has.

use influxdesk_core::model::QueryLanguage;
use rmcp::model::{Prompt, PromptArgument};

pub const QUERY_HELP: &str = "query-help";
pub const LINE_PROTOCOL: &str = "line-protocol-guide";

pub fn list() -> Vec<Prompt> {
    vec![
        Prompt::new(
            QUERY_HELP,
            Some(
                "How to write InfluxQL, Flux or SQL queries for query-data and render-chart on \
                 this connection",
            ),
            Some(vec![
                PromptArgument::new("language")
                    .with_description("influxql, flux or sql; all three when absent")
                    .with_required(false),
            ]),
        ),
        Prompt::new(
            LINE_PROTOCOL,
            Some("How points are written: line protocol and the write-metrics tool"),
            None,
        ),
    ]
}

const INFLUXQL: &str = "\
InfluxQL (InfluxDB 1.x; 2.x through a DBRP mapping; 3.x):
- Explore first: SHOW DATABASES, SHOW MEASUREMENTS, SHOW TAG KEYS FROM cpu, \
SHOW TAG VALUES FROM cpu WITH KEY = \"host\", SHOW FIELD KEYS FROM cpu \
(or the list-measurements and describe-measurement tools).
- Read: SELECT mean(\"usage_user\") FROM \"cpu\" WHERE $timeFilter AND \"host\" = 'web-1' \
GROUP BY time($interval), \"host\" fill(none)
- Quote identifiers with double quotes and string values with single quotes. Tag values are \
strings; compare fields with numbers.
- $timeFilter and $interval follow query-data's time_range; a SELECT without a time condition \
gets the range (default: the last hour), so always state the range you mean.
- Aggregates: mean, median, min, max, sum, count, first, last, percentile(\"f\", 95), \
derivative, non_negative_derivative, difference, moving_average.
- `db/rp` as bucket picks a retention policy.
- query-data only reads: SELECT (without INTO), SHOW and EXPLAIN. Statements that write or \
change the server (SELECT ... INTO, DROP, DELETE, CREATE, ALTER, GRANT, REVOKE, KILL) are \
refused under every policy: write with write-metrics, manage databases with manage-buckets.
";

const FLUX: &str = "\
Flux (InfluxDB 2.x):
- Every query starts with a bucket and a range:
  from(bucket: \"telegraf\")
    |> range(start: v.timeRangeStart, stop: v.timeRangeStop)
    |> filter(fn: (r) => r._measurement == \"cpu\" and r._field == \"usage_user\")
    |> aggregateWindow(every: v.windowPeriod, fn: mean, createEmpty: false)
- v.timeRangeStart, v.timeRangeStop and v.windowPeriod follow query-data's time_range; or \
write range(start: -1h) yourself.
- Rows have _time, _value, _field, _measurement and the tags; group() and pivot(rowKey: \
[\"_time\"], columnKey: [\"_field\"], valueColumn: \"_value\") reshape them.
- Schema: import \"influxdata/influxdb/schema\" then schema.measurements(bucket: \"b\"), \
schema.measurementTagKeys(...), schema.fieldKeys(...) (or the schema tools).
- query-data only reads: to() and wideTo() (which write), imports beyond the pure packages \
(strings, math, regexp, date, array, dict, schema, v1, experimental, ...), http, requests, \
sql, secrets and a from(host:) on another server are refused under every policy.
";

const SQL: &str = "\
SQL (InfluxDB 3):
- Each measurement is a table; tags and fields are columns; time is `time`.
  SELECT date_bin(interval '5 minutes', time) AS t, host, avg(usage_user) AS usage
  FROM cpu WHERE $timeFilter GROUP BY 1, host ORDER BY 1
- $timeFilter follows query-data's time_range (also injected into a SELECT without a time \
condition; default: the last hour); or write time >= now() - interval '1 hour'.
- Quote identifiers with double quotes, strings with single quotes.
- Schema: SHOW TABLES, SHOW COLUMNS FROM cpu, information_schema.columns (or the schema \
tools).
- query-data only reads: one SELECT (or EXPLAIN, SHOW TABLES, SHOW COLUMNS) per call; \
INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, COPY and SELECT ... INTO are refused under every \
policy.
";

/// The help text for one language, or all three.
pub fn query_help(language: Option<QueryLanguage>) -> String {
    let head = "Use query-data to read (format json, csv or table; limit caps rows and the \
                result says when it cut) and render-chart to see a result as a PNG. When \
                language is absent, Flux is detected by |> or from(, otherwise the \
                connection's language is used.\n\n";
    let body = match language {
        Some(QueryLanguage::Influxql) => INFLUXQL.to_string(),
        Some(QueryLanguage::Flux) => FLUX.to_string(),
        Some(QueryLanguage::Sql) => SQL.to_string(),
        None => format!("{INFLUXQL}\n{FLUX}\n{SQL}"),
    };
    format!("{head}{body}")
}

pub const LINE_PROTOCOL_GUIDE: &str = "\
Line protocol: one point per line,
  measurement[,tag=value...] field=value[,field2=value2...] [timestamp]
e.g.
  cpu,host=web-1,region=eu usage_user=12.5,usage_system=3.1 1714564800000000000
  weather,city=New\\ York temp=21.5,ok=true,note=\"calm, clear\" 1714564800
- Tags (optional) are indexed strings that identify the series; fields (at least one) hold \
the values: floats (1.5), integers (3i), unsigned (3u), strings (\"x\") and booleans (true).
- A field keeps one type per measurement: writing a string to a float field is rejected.
- Escape spaces, commas and = in names and tag values with a backslash; quote string fields.
- The timestamp is an integer in the write's precision (ns by default); without one the \
server's clock is used. A point with the same measurement, tag set and timestamp as an \
existing one replaces its field values.

With write-metrics you do not write line protocol yourself: give bucket, measurement, tags \
{\"host\": \"web-1\"}, fields {\"usage_user\": 12.5}, timestamp as RFC 3339 \
(\"2024-05-01T12:00:00Z\") and precision (ns, us, ms, s), or a list of such points in points. \
The whole batch is checked before anything is sent (a missing field, a bad timestamp or a \
value of the wrong type for an existing field writes nothing), and the tool returns the line \
protocol it wrote. Writes follow the connection's assistant policy.
";
