//! Flux: a read imports only side-effect-free packages and never uses (calls, aliases or passes)
//! an identifier that writes or reaches out: `to`, `wideTo`, a package's `to`, the packages
//! that send or fetch (`http`, `requests`, `sql`, `slack`, `mqtt`, `pagerduty`, `secrets`, ...)
//! or a remote `host:`/`token:` argument (`from(host: ...)` queries another server).
//!
//! The lexer knows Flux's strings with `${...}` interpolation (code inside a string), comments
//! and regex literals. Like InfluxQL, Flux reads `/` as a regex or as division depending on
//! the parser; both readings are followed, and a query is a read only when every reading is.

use std::collections::HashSet;

use super::{Class, Verdict};

/// Packages a read may import: pure functions over tables and values.
const ALLOWED_IMPORTS: [&str; 16] = [
    "array",
    "date",
    "dict",
    "experimental",
    "experimental/aggregate",
    "experimental/array",
    "experimental/table",
    "influxdata/influxdb/schema",
    "influxdata/influxdb/v1",
    "interpolate",
    "join",
    "math",
    "regexp",
    "strings",
    "timezone",
    "types",
];

/// Identifiers that write or reach out, refused wherever they are used (not as a record
/// label or a member of a record).
const FORBIDDEN: [&str; 29] = [
    "to",
    "wideTo",
    "http",
    "requests",
    "sql",
    "slack",
    "mqtt",
    "pagerduty",
    "secrets",
    "socket",
    "csv",
    "influxdb",
    "monitor",
    "sample",
    "prometheus",
    "bigtable",
    "kafka",
    "opsgenie",
    "sensu",
    "teams",
    "telegram",
    "victorops",
    "discord",
    "zenoss",
    "servicenow",
    "bigpanda",
    "webexteams",
    "pushbullet",
    "alerta",
];

/// Call arguments that point a function at another server, a file or a URL
/// (`from(host:)`, `v1.json(file:)`).
const OUTSIDE_ARGS: [&str; 4] = ["host", "token", "file", "url"];

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Frame {
    Paren,
    Brace,
    Bracket,
    Str,
    /// `${` inside a string: code until its `}`.
    Interp,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Prev {
    None,
    /// An identifier (its span), for `pkg.member`.
    Ident(u32, u32),
    /// `.` after an identifier.
    DotAfter(u32, u32),
    /// `.` after anything else.
    Dot,
    /// `import`, or `import alias`.
    Import,
    /// A literal or a closing bracket: a `/` after it may be division.
    Operand,
    /// `=~` or `!~`: a regex follows.
    RegexOp,
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct State {
    pos: usize,
    stack: Vec<Frame>,
    prev: Prev,
}

/// Stop walking after this many states: such a query is refused as too complex to check.
const MAX_STATES: usize = 2_000_000;

pub fn classify(q: &str) -> Verdict {
    let b = q.as_bytes();
    // Flux's regex escapes are not pinned down here: follow both "a backslash escapes any
    // character" and "a backslash escapes only `/`".
    let regex_end = ends(b, |c| c == b'/', |_| true);
    let regex_end_slash = ends(b, |c| c == b'/', |c| c == b'/');
    let mut imports: Vec<String> = Vec::new();
    let mut seen: HashSet<State> = HashSet::new();
    let mut todo = vec![State {
        pos: 0,
        stack: Vec::new(),
        prev: Prev::None,
    }];
    while let Some(st) = todo.pop() {
        if seen.len() > MAX_STATES {
            return Verdict::new(Class::Admin, "a Flux query too complex to check");
        }
        if !seen.insert(st.clone()) {
            continue;
        }
        match step(q, b, [&regex_end, &regex_end_slash], st, &mut imports) {
            Ok(next) => todo.extend(next),
            Err(v) => return v,
        }
    }
    Verdict::read()
}

/// For each p: where a `/`-delimited body starting at p ends (a backslash escapes).
fn ends(b: &[u8], close: impl Fn(u8) -> bool, escapes: impl Fn(u8) -> bool) -> Vec<u32> {
    let n = b.len();
    let mut end = vec![n as u32; n + 2];
    for p in (0..n).rev() {
        end[p] = match b[p] {
            b'\\' if b.get(p + 1).is_some_and(|&c| escapes(c)) => end[p + 2],
            c if close(c) => p as u32,
            _ => end[p + 1],
        };
    }
    end
}

fn refuse(class: Class, what: impl Into<String>) -> Verdict {
    Verdict::new(class, what)
}

/// One token from `st`: the states that follow (two at a `/`), or the reason it is no read.
fn step(
    q: &str,
    b: &[u8],
    regex_ends: [&[u32]; 2],
    st: State,
    imports: &mut Vec<String>,
) -> Result<Vec<State>, Verdict> {
    let n = b.len();
    let State {
        pos: p,
        mut stack,
        prev,
    } = st;
    if p >= n {
        return Ok(Vec::new());
    }
    let at = |pos: usize, stack: Vec<Frame>, prev: Prev| State { pos, stack, prev };
    // Inside a string: up to its end or an interpolation.
    if stack.last() == Some(&Frame::Str) {
        let mut e = p;
        while e < n {
            match b[e] {
                b'\\' => e += 2,
                b'"' => {
                    stack.pop();
                    let closed = at(e + 1, stack, Prev::Operand);
                    if prev == Prev::Import {
                        import(q, p, e, imports)?;
                    }
                    return Ok(vec![closed]);
                }
                b'$' if b.get(e + 1) == Some(&b'{') => {
                    stack.push(Frame::Interp);
                    return Ok(vec![at(e + 2, stack, Prev::None)]);
                }
                _ => e += 1,
            }
        }
        return Ok(Vec::new());
    }
    let c = b[p];
    let next = b.get(p + 1).copied();
    let other = |stack: Vec<Frame>, len: usize| Ok(vec![at(p + len, stack, Prev::Other)]);
    match c {
        c if c.is_ascii_whitespace() => Ok(vec![at(p + 1, stack, prev)]),
        b'"' => {
            stack.push(Frame::Str);
            // An import path keeps the Import mark until the string closes.
            let prev = if prev == Prev::Import {
                Prev::Import
            } else {
                Prev::Other
            };
            Ok(vec![at(p + 1, stack, prev)])
        }
        b'/' if next == Some(b'/') => {
            // A comment in every reading (Flux's scanner takes `//` as one before a regex).
            let eol = b[p..].iter().position(|&x| x == b'\n').map_or(n, |k| p + k);
            Ok(vec![at(eol, stack, prev)])
        }
        b'/' => {
            let mut readings: Vec<State> = regex_ends
                .iter()
                .map(|end| {
                    at(
                        (end[p + 1] as usize + 1).min(n),
                        stack.clone(),
                        Prev::Operand,
                    )
                })
                .collect();
            // After an operand the parser may read division; follow that reading too.
            if matches!(prev, Prev::Ident(..) | Prev::Operand) {
                readings.push(at(p + 1, stack, Prev::Other));
            }
            Ok(readings)
        }
        b'=' | b'!' if next == Some(b'~') => Ok(vec![at(p + 2, stack, Prev::RegexOp)]),
        b'(' => {
            stack.push(Frame::Paren);
            other(stack, 1)
        }
        b'[' => {
            stack.push(Frame::Bracket);
            other(stack, 1)
        }
        b'{' => {
            stack.push(Frame::Brace);
            other(stack, 1)
        }
        b')' | b']' | b'}' => {
            let want = match c {
                b')' => Frame::Paren,
                b']' => Frame::Bracket,
                _ => Frame::Brace,
            };
            match stack.last() {
                Some(top) if *top == want => {
                    stack.pop();
                }
                Some(Frame::Interp) if c == b'}' => {
                    // Back into the string.
                    stack.pop();
                    return Ok(vec![at(p + 1, stack, Prev::Other)]);
                }
                _ => {}
            }
            Ok(vec![at(p + 1, stack, Prev::Operand)])
        }
        b'.' if !next.is_some_and(|d| d.is_ascii_digit()) => {
            let prev = match prev {
                Prev::Ident(s, e) => Prev::DotAfter(s, e),
                _ => Prev::Dot,
            };
            Ok(vec![at(p + 1, stack, prev)])
        }
        b'0'..=b'9' | b'.' => Ok(vec![at(p + number_len(&b[p..]), stack, Prev::Operand)]),
        _ => {
            let ch = q[p..].chars().next().unwrap_or(' ');
            if !(ch.is_alphabetic() || ch == '_') {
                return other(stack, ch.len_utf8());
            }
            let len = q[p..]
                .char_indices()
                .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
                .map_or(q.len() - p, |(i, _)| i);
            let ident = &q[p..p + len];
            let e = p + len;
            let label = q[e..].trim_start().starts_with(':');
            match &prev {
                Prev::Import => {
                    // `import alias "path"`: the alias names the package.
                    imports.push(ident.to_string());
                    return Ok(vec![at(e, stack, Prev::Import)]);
                }
                Prev::DotAfter(s, oe) => {
                    let object = &q[*s as usize..*oe as usize];
                    let package = imports.iter().any(|i| i == object)
                        || FORBIDDEN.contains(&object)
                        || ALLOWED_IMPORTS.iter().any(|a| last_segment(a) == object);
                    if package && (ident == "to" || ident == "wideTo") {
                        return Err(refuse(Class::Write, format!("{object}.{ident}()")));
                    }
                }
                Prev::Dot => {}
                _ if ident == "import" => return Ok(vec![at(e, stack, Prev::Import)]),
                // `pkg["to"]` is `pkg.to`: a package is never indexed in a read.
                _ if q[e..].trim_start().starts_with('[')
                    && (imports.iter().any(|i| i == ident)
                        || FORBIDDEN.contains(&ident)
                        || ALLOWED_IMPORTS.iter().any(|a| last_segment(a) == ident)) =>
                {
                    return Err(refuse(
                        Class::Admin,
                        format!("{ident}[...] (a package member by name)"),
                    ));
                }
                _ if label => {
                    if OUTSIDE_ARGS.contains(&ident) && stack.last() == Some(&Frame::Paren) {
                        return Err(refuse(
                            Class::Admin,
                            format!("a {ident}: argument (it reaches out of the server)"),
                        ));
                    }
                }
                _ => {
                    if FORBIDDEN.contains(&ident) {
                        let class = if ident == "to" || ident == "wideTo" {
                            Class::Write
                        } else {
                            Class::Admin
                        };
                        let what = if class == Class::Write {
                            format!("{ident}()")
                        } else {
                            format!("the {ident} package (it reaches out of the query)")
                        };
                        return Err(refuse(class, what));
                    }
                }
            }
            Ok(vec![at(e, stack, Prev::Ident(p as u32, e as u32))])
        }
    }
}

fn last_segment(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

/// Check an import path against the allow-list and remember its name.
fn import(q: &str, start: usize, end: usize, imports: &mut Vec<String>) -> Result<(), Verdict> {
    let path = &q[start..end];
    if !ALLOWED_IMPORTS.contains(&path) {
        return Err(refuse(
            Class::Admin,
            format!("import \"{}\"", path.chars().take(80).collect::<String>()),
        ));
    }
    imports.push(last_segment(path).to_string());
    Ok(())
}

/// Digits, a fraction, and duration units (`1h30m`, `5mo`): one literal.
fn number_len(b: &[u8]) -> usize {
    let mut e = 0;
    while e < b.len() && (b[e].is_ascii_digit() || b[e] == b'.') {
        e += 1;
    }
    const UNITS: [&[u8]; 11] = [
        b"ns",
        b"us",
        "µs".as_bytes(),
        b"ms",
        b"mo",
        b"s",
        b"m",
        b"h",
        b"d",
        b"w",
        b"y",
    ];
    while let Some(unit) = UNITS.iter().find(|u| b[e..].starts_with(u)) {
        e += unit.len();
        let d = b[e..].iter().take_while(|c| c.is_ascii_digit()).count();
        if d == 0 {
            break;
        }
        e += d;
    }
    e.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads() {
        for q in [
            "from(bucket: \"to(\") |> range(start: -1h)",
            "from(bucket: \"a\") |> range(start: -1h) // |> to(bucket: \"b\")",
            "from(bucket: \"a\") |> range(start: -1h) |> filter(fn: (r) => r.to == \"x\")",
            "from(bucket: \"a\") |> range(start: -1h) |> filter(fn: (r) => r.host =~ /to(a|b)/)",
            "import \"strings\"\nfrom(bucket: \"a\") |> range(start: -1h) |> map(fn: (r) => ({r with s: strings.toUpper(v: r.s)}))",
            "from(bucket: \"a\") |> range(start: -1h) |> toFloat()",
            "x = {to: 1}\nfrom(bucket: \"a\") |> range(start: -1h)",
            "from(bucket: \"a\") |> range(start: -1h) |> map(fn: (r) => ({r with v: r._value / 2.0}))",
            "s = \"say \\\"to(\\\" \"\nfrom(bucket: \"a\") |> range(start: -1h)",
            "import \"influxdata/influxdb/schema\"\nschema.measurements(bucket: \"b\")",
            "from(bucket: \"a\") |> range(start: -1h30m) |> aggregateWindow(every: 5m, fn: mean)",
            "s = \"${r.host}: http\"\nfrom(bucket: \"a\") |> range(start: -1h)",
        ] {
            assert_eq!(classify(q), Verdict::read(), "{q} only reads");
        }
    }

    #[test]
    fn writes_and_reaching_out_are_refused() {
        for (q, class) in [
            (
                "from(bucket: \"a\") |> range(start: -1h) |> to(bucket: \"b\")",
                Class::Write,
            ),
            (
                "from(bucket:\"a\")|>range(start:-1h)|>to (bucket:\"b\")",
                Class::Write,
            ),
            (
                "import \"experimental\"\ndata |> experimental.to(bucket: \"b\")",
                Class::Write,
            ),
            (
                "import e \"experimental\"\ndata |> e.to(bucket: \"b\")",
                Class::Write,
            ),
            (
                "import \"influxdata/influxdb\"\ndata |> influxdb.wideTo(bucket: \"b\")",
                Class::Admin,
            ),
            ("data |> wideTo(bucket: \"b\")", Class::Write),
            (
                "w = to\nfrom(bucket: \"a\") |> range(start: -1h) |> w(bucket: \"b\")",
                Class::Write,
            ),
            (
                "import \"http\"\nhttp.post(url: \"http://169.254.169.254/\")",
                Class::Admin,
            ),
            (
                "import \"experimental/http/requests\"\nrequests.get(url: \"x\")",
                Class::Admin,
            ),
            (
                "import \"sql\"\nsql.from(driverName: \"postgres\", dataSourceName: \"x\", query: \"q\")",
                Class::Admin,
            ),
            (
                "import \"influxdata/influxdb/secrets\"\nsecrets.get(key: \"k\")",
                Class::Admin,
            ),
            ("s = \"${to}\"", Class::Write),
            ("s = \"a ${ {x: to}.x } b\"", Class::Write),
            (
                "from(bucket: \"a\", host: \"http://10.0.0.1:8086\", token: \"t\")",
                Class::Admin,
            ),
            ("x = 1 /2/ to", Class::Write),
            ("x = a /\"/ |> to(bucket: \"b\") // \"", Class::Write),
            (
                "import \"csv\"\ncsv.from(file: \"/etc/passwd\")",
                Class::Admin,
            ),
            ("from(bucket: \"a\") |> 1to(bucket: \"b\")", Class::Write),
            (
                "import \"experimental\"\ndata |> experimental[\"to\"](bucket: \"b\")",
                Class::Admin,
            ),
            (
                "import \"universe\"\ndata |> universe[\"to\"](bucket: \"b\")",
                Class::Admin,
            ),
            (
                "import \"influxdata/influxdb/v1\"\nv1.json(file: \"/etc/passwd\")",
                Class::Admin,
            ),
            ("x = a /\\\\/ |> to(bucket: \"b\") // /", Class::Write),
        ] {
            assert_eq!(classify(q).class, class, "{q}");
        }
    }
}
