//! Load Data in the real WebKit webview against a real influxd: paste line protocol, see the
//! validation error on the right line, fix it, see the points as a table, write them (the
//! report says how many landed); write a file given by path and cancel it (the error says how
//! many points landed, and influxd holds exactly those); then open Explore and query them back. Screenshots go to
//! `test-artifacts/gui/` (`load-*.png`; the best are the README's `tests/screenshots/load-*`).

use influxdesk_testkit::secret_service::SecretService;

use crate::support::{influxd, run, scratch, text};
use crate::webdriver::{click, css, find_css, launch, shot, type_query, wait, wait_text};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paste_validate_fix_write_and_see_the_points_in_explore() {
    let ss = SecretService::start(true);
    let server = influxd(None);
    let config = scratch("gui-load-config-");
    let data = scratch("gui-load-data-");
    let mut env = ss.env();
    env.push(("INFLUXDESK_CONFIG_DIR".into(), config.display().to_string()));
    let ok = |args: &[&str]| {
        let o = run(args, &env, None);
        assert!(o.status.success(), "influxdesk {args:?}: {:?}", text(&o));
    };
    ok(&[
        "profile",
        "add",
        "local",
        "--url",
        &server.url(),
        "--database",
        "loaded",
    ]);
    ok(&["query", "CREATE DATABASE loaded"]);

    let app = launch("load", &ss.env(), &config, &data).await;
    let c = app.c.clone();

    wait_text(&c, "switcher-name", "local").await;
    click(&c, "nav-load").await;
    css(&c, "load-screen").await;
    let bucket = css(&c, "load-bucket").await;
    assert_eq!(
        bucket.prop("value").await.unwrap().as_deref(),
        Some("loaded"),
        "the profile's database is the target"
    );
    c.execute(
        "const s = document.querySelector('[data-testid=\"lp-precision\"]'); \
         s.value = 's'; s.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![],
    )
    .await
    .unwrap();

    // Three points a minute apart ending a minute ago; the second line has no field value.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let (t1, t2, t3) = (now - 180, now - 120, now - 60);
    let bad = format!(
        "weather,city=Paris temp=21.5 {t1}\nweather,city=Oslo temp= {t2}\nweather,city=Rome temp=25.25 {t3}"
    );
    let input = css(&c, "lp-input").await;
    // WebDriver types a line break as the Enter key.
    let keys = |s: &str| s.replace('\n', "\u{E007}");
    input.send_keys(&keys(&bad)).await.unwrap();
    let err = find_css(
        &c,
        "the error on line 2",
        "[data-testid=\"lp-error\"][data-line=\"2\"]",
    )
    .await;
    let why = err.text().await.unwrap();
    assert!(why.starts_with("line 2:"), "{why}");
    let write = css(&c, "lp-write").await;
    assert_eq!(
        write.attr("disabled").await.unwrap().as_deref(),
        Some("true"),
        "no write while a line is bad"
    );
    shot(&c, "load-lp-error").await;

    input.clear().await.unwrap();
    input
        .send_keys(&keys(&bad.replace("temp= ", "temp=-3.5 ")))
        .await
        .unwrap();
    let valid = wait_text(&c, "lp-valid", "3 points valid").await;
    assert!(valid.contains("field types match loaded"), "{valid}");
    let table = wait_text(&c, "lp-preview", "Oslo").await;
    assert!(table.contains("-3.5") && table.contains("25.25"), "{table}");
    shot(&c, "load-lp-valid").await;

    click(&c, "lp-write").await;
    let report = wait_text(&c, "load-report", "3 points written to loaded").await;
    assert!(report.contains("1 batch"), "{report}");
    shot(&c, "load-lp-written").await;

    // A file by typed path (the Choose file… button opens the system's dialog, which
    // WebDriver cannot drive), written, then cancelled once the first batches have landed:
    // the error says it was cancelled and how many points landed, and influxd holds exactly
    // those. (1.5M lines: cancelling after the first progress stops far before the end.)
    const BULK: u64 = 1_500_000;
    let big = data.join("bulk.lp");
    {
        use std::io::Write as _;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&big).unwrap());
        for i in 0..BULK {
            writeln!(out, "bulk,host=h{} v={i}i {}", i % 10, now - BULK + i).unwrap();
        }
        out.flush().unwrap();
    }
    css(&c, "lp-path")
        .await
        .send_keys(&big.display().to_string())
        .await
        .unwrap();
    click(&c, "lp-use-path").await;
    wait_text(&c, "lp-file", "bulk.lp").await;
    click(&c, "lp-write").await;
    wait(&c, "the first points to land", || async {
        let shown = c
            .execute(
                "const p = document.querySelector('[data-testid=\"load-progress\"] span'); \
                 return p ? p.textContent : '';",
                vec![],
            )
            .await
            .ok()?;
        let n: u64 = shown
            .as_str()?
            .split(" points")
            .next()?
            .replace([',', '.', '\u{a0}', '\u{202f}', ' '], "")
            .parse()
            .ok()?;
        (n > 0).then_some(())
    })
    .await;
    shot(&c, "load-lp-file-running").await;
    click(&c, "load-cancel").await;
    let said = wait_text(&c, "load-error", "cancelled").await;
    shot(&c, "load-lp-cancelled").await;
    let landed: u64 = said
        .split("Before that, ")
        .nth(1)
        .and_then(|m| m.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("the error says how many points landed: {said}"));
    assert!(landed > 0 && landed < BULK, "{said}");
    let o = run(
        &["query", "--format", "csv", "SELECT count(v) FROM bulk"],
        &env,
        None,
    );
    let (out, err) = text(&o);
    let counted = out
        .lines()
        .filter_map(|l| l.rsplit(',').next()?.trim().parse::<u64>().ok())
        .next_back();
    assert_eq!(
        counted,
        Some(landed),
        "influxd holds what the error said landed: {out} {err}"
    );
    let _ = std::fs::remove_file(&big);

    // The CSV tab: a file by path, the measurement, the columns' roles and types as inferred,
    // a preview, then the import.
    let csv = data.join("rooms.csv");
    let rows: String = (0..5)
        .map(|i| format!("{},r{},{}.5,{}\n", now - 300 + i * 60, i % 2, 20 + i, i * 2))
        .collect();
    std::fs::write(&csv, format!("time,room,temp,people\n{rows}")).unwrap();
    click(&c, "load-tab-csv").await;
    css(&c, "csv-path")
        .await
        .send_keys(&csv.display().to_string())
        .await
        .unwrap();
    css(&c, "csv-time-format").await.clear().await.unwrap();
    css(&c, "csv-time-format")
        .await
        .send_keys("s")
        .await
        .unwrap();
    css(&c, "csv-measurement")
        .await
        .send_keys("rooms")
        .await
        .unwrap();
    // The column editor appears once the file's preview is back: wait for it, then pick.
    find_css(
        &c,
        "the room column's role",
        "[data-testid=\"csv-role-room\"]",
    )
    .await;
    c.execute(
        "const s = document.querySelector('[data-testid=\"csv-role-room\"]'); \
         s.value = 'tag'; s.dispatchEvent(new Event('change', { bubbles: true }));",
        vec![],
    )
    .await
    .unwrap();
    let points = wait_text(&c, "csv-points", "rooms,room=r1").await;
    assert!(points.contains("people=2i"), "{points}");
    shot(&c, "load-csv").await;
    click(&c, "csv-import").await;
    wait_text(&c, "load-report", "5 points written to loaded").await;

    // The Setup tab: Telegraf for 1.x with this database, the secret never inlined.
    click(&c, "load-tab-setup").await;
    let telegraf = wait_text(&c, "setup-telegraf", "[[outputs.influxdb]]").await;
    assert!(telegraf.contains("database = \"loaded\""), "{telegraf}");
    css(&c, "setup-python").await;
    shot(&c, "load-setup").await;

    click(&c, "nav-explore").await;
    type_query(&c, "SELECT temp, city FROM weather WHERE $timeFilter").await;
    click(&c, "q-run").await;
    let summary = wait_text(&c, "q-summary", "rows").await;
    assert!(summary.contains("3 rows"), "the three points: {summary}");
    click(&c, "view-table").await;
    let table = wait_text(&c, "result-table", "Oslo").await;
    assert!(table.contains("-3.5") && table.contains("25.25"), "{table}");
    shot(&c, "load-explore").await;
    c.close().await.unwrap();
}
