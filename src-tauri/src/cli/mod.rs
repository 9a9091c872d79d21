//! Headless subcommands. Each parses its flags into a core request, calls one `core::api`
//! function as `Actor::User`, and prints the result. Errors print as one line,
//! `error[Code]: message`, with a non-zero exit code.

mod admin;
mod alert;
mod alert_server;
mod alert_smtp;
mod dashboard;
mod dashboard_annotations;
mod import_csv;
mod ops;
mod output;
mod progress;
mod token;
mod user;

use std::io::{IsTerminal, Read};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use influxdesk_core::api::{charts, profiles};
use influxdesk_core::chart::{ChartSpec, ChartType, HistogramLayout};
use influxdesk_core::format::{self, Format};
use influxdesk_core::model::*;
use influxdesk_core::secrets::Secret;
use influxdesk_core::{Actor, Ctx, CtxOptions, Error, Result};

pub mod write;
use write::WriteArgs;

#[derive(Parser)]
#[command(
    name = "influxdesk",
    version,
    about = "A desktop explorer for InfluxDB 1.x, 2.x and 3.x.",
    long_about = "A desktop explorer for InfluxDB 1.x, 2.x and 3.x.\n\n\
        Run without a subcommand to open the app. The subcommands work headless, on the same \
        connection profiles the app shows. Tokens and passwords live in the OS keychain, never \
        in files or on the command line.\n\n\
        Environment: INFLUXDESK_CONFIG_DIR (profiles and settings), INFLUX_URL with \
        INFLUX_TOKEN, INFLUX_ORG, INFLUX_BUCKET, INFLUX_TIMEOUT, INFLUX_VERIFY_SSL (a \
        temporary profile named `env` that wins over the active one; the official InfluxDB 3 \
        MCP server's INFLUX_DB_INSTANCE_URL, INFLUX_DB_TOKEN and INFLUX_DB_PRODUCT_TYPE work too).",
    after_help = "Examples:\n  \
        echo \"$TOKEN\" | influxdesk profile add prod --url https://influx.example.com:8086 --org acme --bucket metrics --token-stdin\n  \
        influxdesk profile test prod\n  \
        influxdesk query --profile prod 'from(bucket:\"metrics\") |> range(start:-1h) |> limit(n:5)'\n  \
        influxdesk query --lang influxql --db telegraf --format csv 'SELECT mean(usage_user) FROM cpu WHERE time > now() - 1h GROUP BY time(5m)'\n  \
        influxdesk write --bucket telegraf points.lp\n  \
        influxdesk chart --range 6h --type line --out cpu.png 'SELECT mean(usage_user) FROM cpu WHERE $timeFilter GROUP BY time($interval), host'"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// Manage connection profiles (list, add, use, rm, test, import).
    #[command(subcommand)]
    Profile(ProfileCmd),
    /// Run a query and print the result.
    Query(QueryArgs),
    /// Alert rules: list, send a test notification, delete, allow a private host.
    #[command(subcommand)]
    Alert(alert::AlertCmd),
    /// Dashboards: list, export, import (also Chronograf and InfluxDB 2), render as one PNG,
    /// annotations.
    #[command(subcommand)]
    Dashboard(dashboard::DashboardCmd),
    /// Databases/buckets: list (retention, shard group, series, size), create, edit, rm.
    Db {
        #[command(flatten)]
        common: admin::Common,
        #[command(subcommand)]
        cmd: admin::DbCmd,
    },
    /// InfluxDB 1.x retention policies: list, create, edit, rm.
    Rp {
        #[command(flatten)]
        common: admin::Common,
        #[command(subcommand)]
        cmd: admin::RpCmd,
    },
    /// InfluxDB 1.x continuous queries: list, create, rm, and downsample (policy + CQ together).
    Cq {
        #[command(flatten)]
        common: admin::Common,
        #[command(subcommand)]
        cmd: admin::CqCmd,
    },
    /// InfluxDB 2.x tasks: list, enable, disable, run, runs, logs.
    Task {
        #[command(flatten)]
        common: admin::Common,
        #[command(subcommand)]
        cmd: admin::TaskCmd,
    },
    /// Write line protocol from a file or standard input.
    Write(WriteArgs),
    /// InfluxDB 1.x users: list, create, passwd, grant, revoke, admin, rm.
    User(user::UserArgs),
    /// API tokens (2.x, 3.x): list, create, disable, rm.
    Token(token::TokenArgs),
    /// The server's running queries; --kill ID stops one (InfluxDB 1.x KILL QUERY).
    Queries(ops::QueriesArgs),
    /// Delete a measurement's data by tag predicate and time range, or drop it; --dry-run
    /// prints the statements and exact counts first.
    Delete(ops::DeleteArgs),
    /// The server at a glance: version, uptime, databases, series, heap, disk, totals.
    Overview(ops::OverviewArgs),
    /// Is the server reachable, which version, how fast, do the credentials work.
    Health(ops::HealthArgs),
    /// Import a CSV file (plain, gzip, or InfluxDB 2 annotated CSV) as points.
    #[command(after_help = "Examples:\n  \
        influxdesk import-csv weather.csv --bucket telegraf --time-column when --time-format '%Y-%m-%d %H:%M:%S' --tags station --measurement weather --preview\n  \
        influxdesk import-csv export.csv.gz --bucket metrics --time-column ts --time-format ms --measurement-column name --type temp=float\n  \
        influxdesk import-csv flux-result.csv --bucket copy   # annotated CSV: its annotations say what each column is")]
    ImportCsv(import_csv::ImportCsvArgs),
    /// Run a query and draw its chart to a PNG or SVG file (the same chart the app shows).
    Chart(ChartArgs),
    /// Serve MCP on stdio for an AI assistant: bridges to the running app's socket, or serves
    /// in-process from the same profiles (the INFLUX_* `env` profile wins, as everywhere).
    Mcp(McpArgs),
    /// Host MCP without the app: the Unix socket `influxdesk mcp` bridges to, the alert
    /// evaluator, and with --http streamable HTTP on 127.0.0.1 (bearer token in the OS
    /// keychain). Runs until Ctrl-C or SIGTERM, then removes the socket.
    #[command(after_help = "Examples:\n  \
        influxdesk serve --profile prod --read-only\n  \
        influxdesk serve --http 127.0.0.1:8765\n  \
        TOKEN=$(influxdesk serve --print-token)   # for an HTTP client's Authorization: Bearer header\n  \
        influxdesk serve --rotate-token           # running servers refuse the old token within 5 s")]
    Serve(ServeArgs),
}

#[derive(Args)]
pub struct ServeArgs {
    /// Also serve MCP over streamable HTTP at http://127.0.0.1:PORT/mcp (127.0.0.1 only).
    /// Clients send `Authorization: Bearer <token>`; see --print-token.
    #[arg(long, value_name = "127.0.0.1:PORT", value_parser = parse_http_addr)]
    http: Option<std::net::SocketAddr>,
    /// Profile name or id for clients that do not pick one (default: the active profile).
    #[arg(long, short)]
    profile: Option<String>,
    /// Refuse every write and schema change, whatever the profiles' assistant policy says.
    #[arg(long, conflicts_with = "allow_writes")]
    read_only: bool,
    /// Approve writes on profiles whose assistant policy is "ask" (and on the INFLUX_* `env`
    /// profile): without the app there is no window to ask in.
    #[arg(long)]
    allow_writes: bool,
    /// Print the HTTP bearer token (created on first use) to standard output and exit, for
    /// setting up a client. It is a password: do not run this where output is logged.
    #[arg(long, conflicts_with_all = ["http", "profile", "read_only", "allow_writes"])]
    print_token: bool,
    /// Replace the HTTP bearer token with a new random one and exit (prints nothing secret;
    /// add --print-token to print the new one). Running servers refuse the old one within 5 s.
    #[arg(long, conflicts_with_all = ["http", "profile", "read_only", "allow_writes"])]
    rotate_token: bool,
}

fn parse_http_addr(s: &str) -> std::result::Result<std::net::SocketAddr, String> {
    influxdesk_mcp::parse_http_addr(s).map_err(|e| e.message().to_string())
}

#[derive(Args)]
pub struct McpArgs {
    /// Profile name or id for this session (default: the active profile).
    #[arg(long, short)]
    profile: Option<String>,
    /// Refuse every write and schema change, whatever the profile's assistant policy says.
    #[arg(long, conflicts_with = "allow_writes")]
    read_only: bool,
    /// Approve writes on profiles whose assistant policy is "ask" (and on the INFLUX_* `env`
    /// profile): without the app there is no window to ask in.
    #[arg(long)]
    allow_writes: bool,
}

#[derive(Subcommand)]
pub enum ProfileCmd {
    /// Add a connection profile. The token (v2/v3) or password (v1) is read from standard
    /// input with --token-stdin and stored in the OS keychain.
    Add(AddArgs),
    /// List profiles; the active one is marked with *.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Make NAME the active profile (used when --profile is not given).
    Use { name: String },
    /// Delete a profile and its keychain secret.
    #[command(alias = "remove", alias = "delete")]
    Rm { name: String },
    /// Connect and report the server kind, version, latency and databases/buckets.
    Test {
        /// Profile name or id (default: the active profile).
        name: Option<String>,
    },
    /// Import connections from the influx CLI config (~/.influxdbv2/configs), or save the
    /// INFLUX_* environment connection with --env.
    Import {
        /// The influx CLI config file (default: $INFLUX_CONFIGS_PATH or ~/.influxdbv2/configs).
        path: Option<PathBuf>,
        /// Save the connection defined by INFLUX_URL/INFLUX_TOKEN/... as a profile.
        #[arg(long, conflicts_with = "path")]
        env: bool,
        /// Name for the profile saved with --env.
        #[arg(long, requires = "env")]
        name: Option<String>,
    },
}

#[derive(Args)]
pub struct AddArgs {
    /// A unique name, e.g. "local" or "prod-eu".
    name: String,
    /// The server's base URL, e.g. http://localhost:8086.
    #[arg(long)]
    url: String,
    /// Which API the server speaks: auto (probe), v1, v2 or v3.
    #[arg(long, default_value = "auto", value_parser = parse_api)]
    api: ApiKind,
    /// Organization (InfluxDB 2.x).
    #[arg(long)]
    org: Option<String>,
    /// Default database (v1 `db` or `db/rp`, v3).
    #[arg(long, conflicts_with = "bucket")]
    database: Option<String>,
    /// Default bucket (v2).
    #[arg(long)]
    bucket: Option<String>,
    /// Username (InfluxDB 1.x with auth); the password comes from --token-stdin.
    #[arg(long)]
    username: Option<String>,
    /// Read the token (or v1 password) from standard input and store it in the OS keychain.
    #[arg(long)]
    token_stdin: bool,
    /// Accept any TLS certificate. Insecure: only for test servers.
    #[arg(long)]
    insecure_skip_verify: bool,
    /// PEM file with the CA that signed the server's certificate.
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// Request timeout in milliseconds (default 30000).
    #[arg(long, value_name = "MS")]
    timeout: Option<u64>,
    /// Make it the active profile.
    #[arg(long = "use")]
    activate: bool,
    /// What AI assistants (MCP) may do here: read-only (default), ask (writes wait for the
    /// user's approval in the app) or allow.
    #[arg(long, value_name = "POLICY", value_parser = parse_policy)]
    assistant_policy: Option<AssistantPolicy>,
    /// What AI assistants may administer (databases, retention, users, tokens, deletes):
    /// read-only, ask or allow (default: as --assistant-policy).
    #[arg(long, value_name = "POLICY", value_parser = parse_policy)]
    assistant_admin: Option<AssistantPolicy>,
    /// Whether AI assistants may read this connection: allow (default), ask or off.
    #[arg(long, value_name = "POLICY", value_parser = parse_read_policy)]
    assistant_read: Option<ReadPolicy>,
}

#[derive(Args)]
pub struct QueryArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long, short)]
    profile: Option<String>,
    /// influxql, flux or sql (default: what the server speaks natively).
    #[arg(long, value_parser = parse_lang)]
    lang: Option<QueryLanguage>,
    /// Database (`db` or `db/rp`) or bucket (default: the profile's).
    #[arg(long)]
    db: Option<String>,
    /// Output: table, csv or json.
    #[arg(long, default_value = "table")]
    format: String,
    /// Stop after this many rows.
    #[arg(long)]
    limit: Option<usize>,
    #[command(flatten)]
    range: RangeArgs,
    /// The query text.
    query: String,
}

/// The time range a query runs over; `$timeFilter`, `$interval` and Flux's
/// `v.timeRangeStart`/`v.timeRangeStop`/`v.windowPeriod` follow it, and a SELECT without a
/// time condition gets it.
#[derive(Args)]
pub struct RangeArgs {
    /// Relative range up to now, e.g. 15m, 6h, 7d.
    #[arg(long, value_name = "DURATION", conflicts_with_all = ["from", "to"])]
    range: Option<String>,
    /// Absolute start (RFC 3339), with --to.
    #[arg(long, requires = "to")]
    from: Option<String>,
    /// Absolute end (RFC 3339), with --from.
    #[arg(long, requires = "from")]
    to: Option<String>,
}

impl RangeArgs {
    fn time_range(self) -> Option<TimeRange> {
        match (self.range, self.from, self.to) {
            (Some(duration), _, _) => Some(TimeRange::Relative { duration }),
            (None, Some(from), Some(to)) => Some(TimeRange::Absolute { from, to }),
            _ => None,
        }
    }
}

#[derive(Args)]
pub struct ChartArgs {
    /// Profile name or id (default: the active profile).
    #[arg(long, short)]
    profile: Option<String>,
    /// influxql, flux or sql (default: what the server speaks natively).
    #[arg(long, value_parser = parse_lang)]
    lang: Option<QueryLanguage>,
    /// Database (`db` or `db/rp`) or bucket (default: the profile's).
    #[arg(long)]
    db: Option<String>,
    /// line, area, step, bar, scatter, single_stat, gauge, table, histogram or heatmap.
    #[arg(long = "type", default_value = "line", value_parser = parse_chart_type)]
    chart_type: ChartType,
    /// histogram: value bins (default 30); heatmap: value rows (default 20).
    #[arg(long)]
    bins: Option<u32>,
    /// heatmap: time columns (default 60).
    #[arg(long)]
    time_buckets: Option<u32>,
    /// histogram, heatmap: the lowest value binned (default the data's).
    #[arg(long, allow_negative_numbers = true)]
    bin_min: Option<f64>,
    /// histogram, heatmap: the highest value binned (default the data's).
    #[arg(long, allow_negative_numbers = true)]
    bin_max: Option<f64>,
    /// histogram: bars of several series side by side instead of stacked.
    #[arg(long)]
    side_by_side: bool,
    /// Image width in pixels.
    #[arg(long, default_value_t = 1200)]
    width: u32,
    /// Image height in pixels.
    #[arg(long, default_value_t = 400)]
    height: u32,
    /// A title above the chart.
    #[arg(long)]
    title: Option<String>,
    /// Unit shown after values, e.g. %, ms.
    #[arg(long)]
    unit: Option<String>,
    /// Decimals shown for values.
    #[arg(long)]
    decimals: Option<u8>,
    #[command(flatten)]
    range: RangeArgs,
    /// The image to write: FILE.png or FILE.svg.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The query text.
    query: String,
}

fn parse_chart_type(s: &str) -> std::result::Result<ChartType, String> {
    serde_json::from_value(serde_json::Value::String(s.to_string())).map_err(|_| {
        format!("\"{s}\" is not a chart type: use line, area, step, bar, scatter, single_stat, gauge, table, histogram or heatmap")
    })
}

fn parse_api(s: &str) -> std::result::Result<ApiKind, String> {
    ApiKind::parse(s).ok_or_else(|| format!("\"{s}\" is not an API: use auto, v1, v2 or v3"))
}
fn parse_read_policy(s: &str) -> std::result::Result<ReadPolicy, String> {
    match s.to_ascii_lowercase().as_str() {
        "allow" => Ok(ReadPolicy::Allow),
        "ask" => Ok(ReadPolicy::Ask),
        "off" => Ok(ReadPolicy::Off),
        _ => Err(format!(
            "unknown read policy \"{s}\": use allow, ask or off"
        )),
    }
}

fn parse_policy(s: &str) -> std::result::Result<AssistantPolicy, String> {
    match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
        "read_only" | "readonly" => Ok(AssistantPolicy::ReadOnly),
        "ask" => Ok(AssistantPolicy::Ask),
        "allow" => Ok(AssistantPolicy::Allow),
        _ => Err(format!(
            "\"{s}\" is not a policy: use read-only, ask or allow"
        )),
    }
}

pub(crate) fn parse_lang(s: &str) -> std::result::Result<QueryLanguage, String> {
    QueryLanguage::parse(s)
        .ok_or_else(|| format!("\"{s}\" is not a language: use influxql, flux or sql"))
}
pub(crate) fn parse_precision(s: &str) -> std::result::Result<Precision, String> {
    Precision::parse(s).ok_or_else(|| format!("\"{s}\" is not a precision: use ns, us, ms or s"))
}

/// Run a subcommand; returns the process exit code.
pub fn run(cmd: Command) -> i32 {
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error[Internal]: could not start the async runtime: {e}");
            return 1;
        }
    };
    let result = rt.block_on(async move {
        let ctx = Ctx::new(CtxOptions::from_env()?);
        dispatch(&ctx, cmd).await
    });
    match result {
        Ok(out) => {
            print!("{out}");
            0
        }
        Err(e) => {
            eprintln!("error[{}]: {}", e.code(), e.message());
            2
        }
    }
}

fn read_stdin(what: &str) -> Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .map_err(|e| Error::invalid(format!("could not read {what} from standard input: {e}")))?;
    Ok(s)
}

async fn dispatch(ctx: &Ctx, cmd: Command) -> Result<String> {
    let me = Actor::User;
    match cmd {
        Command::Profile(ProfileCmd::Add(a)) => {
            let secret = if a.token_stdin {
                if std::io::stdin().is_terminal() {
                    eprint!("Token or password (input is not hidden; prefer piping it): ");
                }
                let t = read_stdin("the token")?;
                let t = t.trim_end_matches(['\r', '\n']).to_string();
                if t.is_empty() {
                    return Err(Error::invalid(
                        "--token-stdin was given but standard input was empty",
                    ));
                }
                SecretChange::Set(Secret::new(t))
            } else {
                SecretChange::Keep
            };
            let fields = ProfileFields {
                name: a.name,
                url: a.url,
                api: a.api,
                org: a.org,
                database: a.database.or(a.bucket),
                username: a.username,
                tls: TlsOptions {
                    skip_verify: a.insecure_skip_verify,
                    ca_cert: a.ca_cert.map(|p| p.display().to_string()),
                },
                timeout_ms: a.timeout,
                assistant_policy: a.assistant_policy,
                assistant_admin: a.assistant_admin,
                assistant_read: a.assistant_read,
            };
            let p = profiles::add(
                ctx,
                &me,
                AddProfileReq {
                    fields,
                    secret,
                    activate: a.activate,
                },
            )
            .await?;
            Ok(format!(
                "added profile \"{}\" ({}){}\n",
                p.name,
                p.url,
                if p.secret_stored {
                    ", secret stored in the OS keychain"
                } else {
                    ""
                }
            ))
        }
        Command::Profile(ProfileCmd::List { json }) => {
            let list = profiles::list(ctx).await?;
            if json {
                return output::json(&list);
            }
            Ok(profile_table(&list))
        }
        Command::Profile(ProfileCmd::Use { name }) => {
            let p = profiles::activate(ctx, &me, &name).await?;
            Ok(format!("active profile: {}\n", p.name))
        }
        Command::Profile(ProfileCmd::Rm { name }) => {
            profiles::delete(ctx, &me, &name).await?;
            Ok(format!("deleted profile \"{name}\"\n"))
        }
        Command::Profile(ProfileCmd::Test { name }) => {
            let info = profiles::test(ctx, &me, TestProfileReq::Saved { profile: name }).await?;
            Ok(format!(
                "ok: {} {} (API {}), {:.1} ms, credentials accepted\n{} database(s)/bucket(s): {}\n",
                info.product,
                info.version,
                info.api.as_str(),
                info.latency_ms,
                info.databases.len(),
                info.databases.join(", ")
            ))
        }
        Command::Profile(ProfileCmd::Import { path, env, name }) => {
            let r = if env {
                profiles::import_env(ctx, &me, name).await?
            } else {
                profiles::import_influx_cli(ctx, &me, path.as_deref()).await?
            };
            Ok(format!(
                "imported {} profile(s) from {}: {}{}\n",
                r.imported.len(),
                r.source,
                r.imported.join(", "),
                if r.skipped.is_empty() {
                    String::new()
                } else {
                    format!(" (skipped existing: {})", r.skipped.join(", "))
                }
            ))
        }
        Command::Query(q) => {
            let fmt = Format::parse(&q.format)?;
            let req = RunQueryReq {
                profile: q.profile,
                language: q.lang,
                database: q.db,
                query: q.query,
                row_limit: q.limit,
                time_range: q.range.time_range(),
                query_id: None,
            };
            let r = influxdesk_core::api::query::run(ctx, &me, req).await?;
            Ok(format::render(&r, fmt))
        }
        Command::Chart(a) => {
            let format = match a
                .out
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
                .as_deref()
            {
                Some("png") => ExportFormat::Png,
                Some("svg") => ExportFormat::Svg,
                _ => return Err(Error::invalid("--out must end in .png or .svg")),
            };
            let spec = ChartSpec {
                chart_type: a.chart_type,
                width: a.width,
                height: a.height,
                title: a.title,
                unit: a.unit,
                decimals: a.decimals,
                bins: a.bins,
                time_buckets: a.time_buckets,
                bin_min: a.bin_min,
                bin_max: a.bin_max,
                histogram_layout: a.side_by_side.then_some(HistogramLayout::SideBySide),
                ..ChartSpec::default()
            };
            let req = RunQueryReq {
                profile: a.profile,
                language: a.lang,
                database: a.db,
                query: a.query,
                row_limit: None,
                time_range: a.range.time_range(),
                query_id: None,
            };
            let (bytes, summary) =
                charts::render_query(ctx, &me, req, spec.clone(), format).await?;
            influxdesk_core::store::write_atomic(&a.out, &bytes)?;
            Ok(format!(
                "{}wrote {} ({} bytes)\n",
                summary.text(&spec),
                a.out.display(),
                bytes.len()
            ))
        }
        Command::Mcp(a) => {
            // The server shares its context with its session tasks, so it owns one (an Arc).
            let ctx = Ctx::new(CtxOptions::from_env()?);
            let opts = influxdesk_mcp::StdioOptions {
                profile: a.profile,
                read_only: a.read_only,
                allow_writes: a.allow_writes,
            };
            influxdesk_mcp::run_stdio(ctx.clone(), opts).await?;
            ctx.flush();
            // A bridge's stdin read may still be pending and cannot be cancelled: end here.
            std::process::exit(0)
        }
        Command::Serve(a) => serve(a).await,
        Command::Alert(a) => alert::run(ctx, a).await,
        Command::Dashboard(a) => dashboard::run(ctx, a).await,
        Command::Db { common, cmd } => admin::db(ctx, common, cmd).await,
        Command::Rp { common, cmd } => admin::rp(ctx, common, cmd).await,
        Command::Cq { common, cmd } => admin::cq(ctx, common, cmd).await,
        Command::Task { common, cmd } => admin::task(ctx, common, cmd).await,
        Command::Write(w) => write::run(ctx, &me, w).await,
        Command::User(a) => user::run(ctx, a).await,
        Command::Token(a) => token::run(ctx, a).await,
        Command::Queries(a) => ops::queries(ctx, a).await,
        Command::Delete(a) => ops::delete(ctx, a).await,
        Command::Overview(a) => ops::overview(ctx, a).await,
        Command::Health(a) => ops::health(ctx, a).await,
        Command::ImportCsv(a) => import_csv::run(ctx, &me, a).await,
    }
}

/// `influxdesk serve`: host MCP headless until SIGINT/SIGTERM, or manage the HTTP token.
async fn serve(a: ServeArgs) -> Result<String> {
    use influxdesk_core::secrets::SecretStore;
    use std::io::Write;
    let secrets = SecretStore::keychain();
    if a.rotate_token || a.print_token {
        let mut out = String::new();
        let token = if a.rotate_token {
            let t = influxdesk_mcp::rotate_http_token(&secrets).await?;
            if !a.print_token {
                out.push_str(
                    "rotated the MCP HTTP bearer token; running servers refuse the old one \
                     within 5 s. Give clients the new one: influxdesk serve --print-token\n",
                );
            }
            t
        } else {
            influxdesk_mcp::http_token(&secrets).await?
        };
        if a.print_token {
            out.push_str(token.expose());
            out.push('\n');
        }
        return Ok(out);
    }
    // The server shares its context with its session tasks, so it owns one (an Arc).
    let ctx = Ctx::new(CtxOptions::from_env()?);
    if let Some(p) = &a.profile {
        // Fail before serving, with the known profiles in the message.
        profiles::resolve(&ctx, Some(p)).await?;
    }
    if a.read_only {
        ctx.set_assistant_read_only(true);
    }
    if a.allow_writes {
        ctx.set_approver(std::sync::Arc::new(
            influxdesk_core::api::policy::Headless { allow_writes: true },
        ));
    }
    let session = influxdesk_mcp::Session { profile: a.profile };
    // Listen for signals first, so one that comes while we start up is not the default kill.
    let stop = shutdown_signal()?;
    let path = influxdesk_mcp::socket_path();
    let socket = influxdesk_mcp::serve_unix_session(ctx.clone(), &path, session.clone()).await?;
    let http = match a.http {
        Some(addr) => {
            let mut opts = influxdesk_mcp::HttpOptions::new(addr, secrets);
            opts.session = session;
            Some(influxdesk_mcp::serve_http(ctx.clone(), opts).await?)
        }
        None => None,
    };
    let alerts = tokio::spawn(influxdesk_core::api::alerts::run(
        ctx.clone(),
        "influxdesk serve".into(),
    ));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "MCP socket: {}", path.display());
    if let Some(h) = &http {
        let _ = writeln!(
            out,
            "MCP HTTP: {} (Authorization: Bearer <token>; print it with `influxdesk serve \
             --print-token`)",
            h.url()
        );
    }
    // One process evaluates the rules: this one, unless the app (or another serve) does.
    match influxdesk_core::api::alerts::lead(&ctx, "influxdesk serve") {
        Ok(s) => writeln!(out, "alerts: {}", s.message),
        Err(e) => writeln!(out, "alerts: {e}"),
    }
    .ok();
    let _ = writeln!(out, "alert evaluator running; stop with Ctrl-C or SIGTERM");
    let _ = out.flush();
    drop(out);
    let signal = stop.await;
    tracing::info!("{signal}: stopping");
    alerts.abort();
    influxdesk_core::api::alerts::step_down(&ctx);
    if let Some(h) = http {
        h.shutdown().await;
    }
    // Dropping the server removes the socket.
    drop(socket);
    Ok(format!("stopped ({signal})\n"))
}

/// Resolves with the signal's name on SIGINT or SIGTERM.
fn shutdown_signal() -> Result<impl std::future::Future<Output = &'static str>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let listen = |k: SignalKind| {
            signal(k).map_err(|e| Error::Internal(format!("could not listen for signals: {e}")))
        };
        let (mut term, mut int) = (
            listen(SignalKind::terminate())?,
            listen(SignalKind::interrupt())?,
        );
        Ok(async move {
            tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = int.recv() => "SIGINT",
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async move {
            let _ = tokio::signal::ctrl_c().await;
            "Ctrl-C"
        })
    }
}

/// The assistant access of a profile in a few words, e.g. `write ask, admin off`.
fn access(p: &Profile) -> String {
    let level = |a: AssistantPolicy| match a {
        AssistantPolicy::ReadOnly => "off",
        AssistantPolicy::Ask => "ask",
        AssistantPolicy::Allow => "allow",
    };
    let read = match p.assistant_read {
        ReadPolicy::Allow => "",
        ReadPolicy::Ask => "read ask, ",
        ReadPolicy::Off => "read off, ",
    };
    format!(
        "{read}write {}, admin {}",
        level(p.assistant_policy),
        level(p.admin_policy())
    )
}

fn profile_table(list: &ProfileList) -> String {
    if list.profiles.is_empty() {
        return "no profiles yet: add one with `influxdesk profile add NAME --url URL`\n".into();
    }
    let mut out = String::from(
        "  NAME                 API   URL                                  DATABASE/BUCKET   SECRET        ASSISTANT\n",
    );
    for p in &list.profiles {
        let mark = if list.active.as_deref() == Some(p.id.as_str()) {
            "*"
        } else {
            " "
        };
        out.push_str(&format!(
            "{mark} {:<20} {:<5} {:<36} {:<17} {:<13} {}\n",
            p.name,
            p.api.as_str(),
            p.url,
            p.database.as_deref().unwrap_or("-"),
            match (p.source, p.secret_stored) {
                (ProfileSource::Env, true) => "INFLUX_TOKEN",
                (_, true) => "keychain",
                _ => "none",
            },
            access(p)
        ));
    }
    out
}
