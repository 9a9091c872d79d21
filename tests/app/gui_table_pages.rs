//! Explore's table on a result larger than what a run sends to the window, in the real
//! WebKitGTK webview over WebDriver, on a real influxd 1.6.7: the run answers with the first
//! page, and the rows further down (the middle, the last row) appear as the user scrolls to
//! them, read page by page from the kept result, with the values the server holds.

use crate::support::GuiWorld;
use crate::webdriver::{click, css, js, launch, shot, table_rows, type_query, wait, wait_text};

/// More rows than the run's first page (500) by many pages, not a multiple of a page.
const POINTS: usize = 12_345;

/// Scroll the table to row `row` (at the top of the view) and return the text of the row
/// drawn with that index once its page is there (no cell still "loading").
async fn row_text(c: &fantoccini::Client, row: usize) -> String {
    js(
        c,
        &format!(
            "const el = document.querySelector('[data-testid=\"result-table\"]'); \
             el.scrollTop = {row} * 22; el.dispatchEvent(new Event('scroll')); return true;"
        ),
    )
    .await;
    wait(c, &format!("row {row} drawn with its values"), || async {
        let v = js(
            c,
            &format!(
                "const r = document.querySelector('[data-testid=\"result-row\"][data-row=\"{row}\"]'); \
                 if (!r || r.querySelector('.loading')) return null; return r.textContent;"
            ),
        )
        .await;
        v.as_str().map(str::to_string)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_table_reads_the_rows_past_the_first_page_as_it_scrolls() {
    let w = GuiWorld::v1("gui-pages-", "pages", &[]);
    // One point a second, ending a minute ago (inside Explore's default range).
    let now_s = chrono::Utc::now().timestamp() - 60;
    let lines: String = (0..POINTS)
        .map(|i| {
            format!(
                "m n={i}i,note=\"row {i}\" {}\n",
                now_s - (POINTS - i) as i64
            )
        })
        .collect();
    w.ok(
        &["write", "--bucket", "pages", "--precision", "s", "-"],
        Some(&lines),
    );

    let app = launch("table-pages", &w.env, &w.config, &w.data).await;
    let c = &app.c;
    wait_text(c, "switcher-status", "1.6.7").await;
    click(c, "nav-explore").await;
    type_query(c, "SELECT n, note FROM m WHERE $timeFilter").await;
    click(c, "q-run").await;
    let summary = wait_text(c, "q-summary", "rows").await;
    assert!(summary.contains("12,345 rows"), "every point: {summary}");
    let total = table_rows(c).await;
    assert_eq!(
        total, POINTS,
        "the table counts every row, not the first page's"
    );

    // The first rows came with the run; the middle and the end are read as they come into view
    // (and the first ones again after the scroll back, from the run's head).
    for row in [0, 499, 500, 6_789, POINTS - 1, 3] {
        let text = row_text(c, row).await;
        assert!(
            text.contains(&format!("row {row}")) && text.contains(&row.to_string()),
            "row {row} shows its own values: {text}"
        );
    }
    row_text(c, POINTS - 1).await;
    shot(c, "table-pages").await;
    let none: serde_json::Value = js(
        c,
        "return document.querySelector('[data-testid=\"result-pages-error\"]') === null",
    )
    .await;
    assert_eq!(none, serde_json::json!(true), "no page failed");

    // The row limit's popover (its look is shared with the other popovers): it holds the
    // limit in force.
    click(c, "row-limit-open").await;
    let limit = css(c, "row-limit").await.prop("value").await.unwrap();
    assert_eq!(limit.as_deref(), Some("100000"), "the default row limit");
    shot(c, "table-pages-row-limit").await;
    c.clone().close().await.unwrap();
}
