//! Setup for writing to a bucket from elsewhere: a Telegraf output section
//! (`[[outputs.influxdb]]` for 1.x, `[[outputs.influxdb_v2]]` for 2.x and 3.x) and client
//! snippets (Python, Go, JavaScript, Rust) with the profile's URL, org and bucket. The token
//! (the password on 1.x) is read from an environment variable in every one of them, never
//! written into the text: these snippets get pasted into files, chats and repositories.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::target;
use crate::api::Ctx;
use crate::error::Result;
use crate::model::{Actor, ApiKind, Profile};

/// The setup for writing to a bucket from Telegraf or a client library.
#[derive(Debug, Clone, Default, Deserialize, JsonSchema, ts_rs::TS)]
#[ts(export)]
pub struct SetupReq {
    /// Profile id or name; the active profile when absent.
    #[serde(default)]
    pub profile: Option<String>,
    /// Bucket (v2), database (v3) or `db` / `db/rp` (v1); the profile's default when absent.
    #[serde(default)]
    pub bucket: Option<String>,
}

/// One piece of configuration or code.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Snippet {
    /// `telegraf`, `python`, `go`, `javascript` or `rust`.
    pub language: String,
    pub title: String,
    pub code: String,
}

/// Telegraf and client setup for one bucket.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Setup {
    pub bucket: String,
    /// The API the snippets are for: `v1`, `v2` or `v3`.
    pub api: String,
    /// The environment variable the snippets read the token (or 1.x password) from; empty
    /// when the connection needs none.
    pub secret_env: String,
    pub snippets: Vec<Snippet>,
}

/// The Telegraf section and client snippets for writing to the bucket.
pub async fn setup(ctx: &Ctx, actor: &Actor, req: SetupReq) -> Result<Setup> {
    let _ = actor;
    let (profile, bucket) = target(ctx, req.profile.as_deref(), req.bucket.as_deref()).await?;
    let api = match profile.api {
        ApiKind::Auto => match ctx.client(&profile).await {
            Ok(c) => c.api(),
            // Unreachable now: 2.x-style snippets also work with 3.x.
            Err(_) => ApiKind::V2,
        },
        other => other,
    };
    Ok(snippets(&profile, &bucket, api))
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A string literal for TOML, Python, Go, JavaScript and Rust alike.
fn lit(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

/// The snippets for `profile`'s `bucket` spoken as `api`.
pub fn snippets(profile: &Profile, bucket: &str, api: ApiKind) -> Setup {
    let url = profile.url.trim_end_matches('/');
    let org = profile.org.clone().unwrap_or_default();
    let user = profile.username.clone().filter(|u| !u.is_empty());
    let mut out = Vec::new();
    let mut add = |language: &str, title: &str, code: String| {
        out.push(Snippet {
            language: language.into(),
            title: title.into(),
            code,
        });
    };
    let line = "cpu,host=server01 usage_user=12.5";
    let secret_env;
    match api {
        ApiKind::V1 => {
            let (db, rp) = bucket.split_once('/').unwrap_or((bucket, ""));
            secret_env = if user.is_some() {
                "INFLUX_PASSWORD"
            } else {
                ""
            };
            let mut t = format!(
                "[[outputs.influxdb]]\n  urls = [{}]\n  database = {}\n  skip_database_creation = true\n",
                lit(url),
                lit(db)
            );
            if !rp.is_empty() {
                t += &format!("  retention_policy = {}\n", lit(rp));
            }
            if let Some(u) = &user {
                t += &format!(
                    "  username = {}\n  password = \"${{INFLUX_PASSWORD}}\"\n",
                    lit(u)
                );
            }
            add("telegraf", "Telegraf ([[outputs.influxdb]])", t);
            let endpoint = format!(
                "{url}/write?db={}{}",
                enc(db),
                if rp.is_empty() {
                    String::new()
                } else {
                    format!("&rp={}", enc(rp))
                }
            );
            let (py_auth, auth_note) = match &user {
                Some(u) => (
                    format!(
                        "username={}, password=os.environ[\"INFLUX_PASSWORD\"], ",
                        lit(u)
                    ),
                    true,
                ),
                None => (String::new(), false),
            };
            let host_port = url.rsplit_once("://").map_or(url, |(_, h)| h);
            let (host, port) = host_port.rsplit_once(':').unwrap_or((host_port, "8086"));
            add(
                "python",
                "Python (pip install influxdb)",
                format!(
                    "import os\nfrom influxdb import InfluxDBClient\n\nclient = InfluxDBClient(host={}, port={}, {py_auth}database={}{})\nclient.write_points([{}], protocol=\"line\"{})\n",
                    lit(host),
                    port.trim_end_matches('/'),
                    lit(db),
                    if url.starts_with("https") {
                        ", ssl=True, verify_ssl=True"
                    } else {
                        ""
                    },
                    lit(line),
                    if rp.is_empty() {
                        String::new()
                    } else {
                        format!(", retention_policy={}", lit(rp))
                    }
                ),
            );
            http_snippets(
                &mut add,
                &endpoint,
                line,
                if auth_note {
                    Auth::Basic(user.unwrap_or_default())
                } else {
                    Auth::None
                },
            );
        }
        ApiKind::V2 | ApiKind::Auto | ApiKind::V3 => {
            secret_env = "INFLUX_TOKEN";
            add(
                "telegraf",
                "Telegraf ([[outputs.influxdb_v2]])",
                format!(
                    "[[outputs.influxdb_v2]]\n  urls = [{}]\n  token = \"${{INFLUX_TOKEN}}\"\n  organization = {}\n  bucket = {}\n",
                    lit(url),
                    lit(&org),
                    lit(bucket)
                ),
            );
            if api == ApiKind::V3 {
                add(
                    "python",
                    "Python (pip install influxdb3-python)",
                    format!(
                        "import os\nfrom influxdb_client_3 import InfluxDBClient3\n\nclient = InfluxDBClient3(host={}, token=os.environ[\"INFLUX_TOKEN\"], database={})\nclient.write(record={})\n",
                        lit(url),
                        lit(bucket),
                        lit(line)
                    ),
                );
                let endpoint = format!("{url}/api/v3/write_lp?db={}", enc(bucket));
                http_snippets(&mut add, &endpoint, line, Auth::Bearer);
            } else {
                add(
                    "python",
                    "Python (pip install influxdb-client)",
                    format!(
                        "import os\nfrom influxdb_client import InfluxDBClient\nfrom influxdb_client.client.write_api import SYNCHRONOUS\n\nwith InfluxDBClient(url={}, token=os.environ[\"INFLUX_TOKEN\"], org={}) as client:\n    client.write_api(write_options=SYNCHRONOUS).write(bucket={}, record={})\n",
                        lit(url),
                        lit(&org),
                        lit(bucket),
                        lit(line)
                    ),
                );
                let endpoint = format!(
                    "{url}/api/v2/write?org={}&bucket={}",
                    enc(&org),
                    enc(bucket)
                );
                http_snippets(&mut add, &endpoint, line, Auth::Token);
            }
        }
    }
    Setup {
        bucket: bucket.to_string(),
        api: match api {
            ApiKind::V1 => "v1",
            ApiKind::V3 => "v3",
            _ => "v2",
        }
        .to_string(),
        secret_env: secret_env.to_string(),
        snippets: out,
    }
}

enum Auth {
    None,
    Basic(String),
    Token,
    Bearer,
}

/// Go, JavaScript and Rust: one HTTP POST of line protocol to the write endpoint (the
/// standard library or the most common HTTP crate; no client library to pin).
fn http_snippets(add: &mut impl FnMut(&str, &str, String), endpoint: &str, line: &str, auth: Auth) {
    let scheme = match &auth {
        Auth::Token => "Token ",
        Auth::Bearer => "Bearer ",
        _ => "",
    };
    let go_auth = match &auth {
        Auth::None => String::new(),
        Auth::Basic(u) => format!(
            "\treq.SetBasicAuth({}, os.Getenv(\"INFLUX_PASSWORD\"))\n",
            lit(u)
        ),
        _ => format!(
            "\treq.Header.Set(\"Authorization\", \"{scheme}\"+os.Getenv(\"INFLUX_TOKEN\"))\n"
        ),
    };
    let go_os = if go_auth.is_empty() { "" } else { "\t\"os\"\n" };
    add(
        "go",
        "Go (net/http)",
        format!(
            "package main\n\nimport (\n\t\"log\"\n\t\"net/http\"\n{go_os}\t\"strings\"\n)\n\nfunc main() {{\n\treq, err := http.NewRequest(\"POST\", {}, strings.NewReader({}))\n\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}\n{go_auth}\tresp, err := http.DefaultClient.Do(req)\n\tif err != nil {{\n\t\tlog.Fatal(err)\n\t}}\n\tdefer resp.Body.Close()\n\tif resp.StatusCode != http.StatusNoContent {{\n\t\tlog.Fatalf(\"write failed: %s\", resp.Status)\n\t}}\n}}\n",
            lit(endpoint),
            lit(line)
        ),
    );
    let js_auth = match &auth {
        Auth::None => String::new(),
        Auth::Basic(u) => format!(
            "  headers: {{ Authorization: 'Basic ' + Buffer.from({} + ':' + process.env.INFLUX_PASSWORD).toString('base64') }},\n",
            lit(u)
        ),
        _ => format!("  headers: {{ Authorization: '{scheme}' + process.env.INFLUX_TOKEN }},\n"),
    };
    add(
        "javascript",
        "JavaScript (Node 18+, fetch)",
        format!(
            "const res = await fetch({}, {{\n  method: 'POST',\n{js_auth}  body: {},\n}});\nif (!res.ok) throw new Error(`write failed: ${{res.status}} ${{await res.text()}}`);\n",
            lit(endpoint),
            lit(line)
        ),
    );
    let rs_auth = match &auth {
        Auth::None => String::new(),
        Auth::Basic(u) => format!(
            "\n        .basic_auth({}, Some(std::env::var(\"INFLUX_PASSWORD\")?))",
            lit(u)
        ),
        _ => format!(
            "\n        .header(\"Authorization\", format!(\"{scheme}{{}}\", std::env::var(\"INFLUX_TOKEN\")?))"
        ),
    };
    add(
        "rust",
        "Rust (reqwest, blocking)",
        format!(
            "fn main() -> Result<(), Box<dyn std::error::Error>> {{\n    let res = reqwest::blocking::Client::new()\n        .post({}){rs_auth}\n        .body({})\n        .send()?;\n    if !res.status().is_success() {{\n        return Err(format!(\"write failed: {{}}\", res.text()?).into());\n    }}\n    Ok(())\n}}\n",
            lit(endpoint),
            lit(line)
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(url: &str, org: Option<&str>, user: Option<&str>) -> Profile {
        Profile {
            url: url.into(),
            org: org.map(Into::into),
            username: user.map(Into::into),
            ..Profile::default()
        }
    }

    #[test]
    fn v2_setup_names_the_bucket_and_reads_the_token_from_the_environment() {
        let p = profile("https://eu.example.com/", Some("acme & co"), None);
        let s = snippets(&p, "metrics", ApiKind::V2);
        assert_eq!(
            (s.api.as_str(), s.secret_env.as_str()),
            ("v2", "INFLUX_TOKEN")
        );
        let langs: Vec<&str> = s.snippets.iter().map(|x| x.language.as_str()).collect();
        assert_eq!(langs, ["telegraf", "python", "go", "javascript", "rust"]);
        assert_eq!(
            s.snippets[0].code,
            "[[outputs.influxdb_v2]]\n  urls = [\"https://eu.example.com\"]\n  token = \
             \"${INFLUX_TOKEN}\"\n  organization = \"acme & co\"\n  bucket = \"metrics\"\n"
        );
        for x in &s.snippets[1..] {
            assert!(x.code.contains("INFLUX_TOKEN"), "{}", x.code);
        }
        assert!(
            s.snippets[2]
                .code
                .contains("https://eu.example.com/api/v2/write?org=acme+%26+co&bucket=metrics"),
            "{}",
            s.snippets[2].code
        );
    }

    #[test]
    fn v1_setup_has_the_retention_policy_and_the_password_from_the_environment() {
        let p = profile("http://127.0.0.1:8086", None, Some("writer"));
        let s = snippets(&p, "telegraf/autogen", ApiKind::V1);
        assert_eq!(s.secret_env, "INFLUX_PASSWORD");
        let t = &s.snippets[0].code;
        assert!(t.starts_with("[[outputs.influxdb]]\n"), "{t}");
        assert!(
            t.contains("database = \"telegraf\"") && t.contains("retention_policy = \"autogen\"")
        );
        assert!(t.contains("password = \"${INFLUX_PASSWORD}\""), "{t}");
        assert!(
            s.snippets[1].code.contains("host=\"127.0.0.1\", port=8086"),
            "{}",
            s.snippets[1].code
        );
        assert!(s.snippets[4].code.contains("/write?db=telegraf&rp=autogen"));
        let v3 = snippets(&p, "db", ApiKind::V3);
        assert!(v3.snippets[2].code.contains("/api/v3/write_lp?db=db"));
        assert!(
            v3.snippets[3]
                .code
                .contains("'Bearer ' + process.env.INFLUX_TOKEN")
        );
    }
}
