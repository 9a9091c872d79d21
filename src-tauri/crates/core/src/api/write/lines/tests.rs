//! The batches and checks of `lines`, on inputs made to cross their edges.

use std::sync::Arc;

use super::*;

#[tokio::test]
async fn batches_cut_by_lines_keep_offsets_and_numbers() {
    let input = b"# header\r\nm v=1 1\r\nm v=2\n\nm v=3 3\nm v=4 4";
    let mut lines = Lines::new(&input[..], 0, 0);
    let mut v = Validator::default();
    let a = lines.batch(&mut v, 3).await.unwrap().unwrap();
    assert_eq!(a.body, b"m v=1 1\nm v=2", "comment skipped, CR LF cut");
    assert_eq!((a.points, a.timestamped), (2, false));
    assert_eq!((a.first_line, a.last_line, a.end_offset), (1, 3, 25));
    let b = lines.batch(&mut v, 3).await.unwrap().unwrap();
    assert_eq!(b.body, b"m v=3 3\nm v=4 4");
    assert_eq!((b.points, b.timestamped), (2, true));
    assert_eq!((b.first_line, b.last_line), (4, 6));
    assert_eq!(b.end_offset, input.len() as u64);
    assert!(lines.batch(&mut v, 3).await.unwrap().is_none());
    assert!(!v.has_errors());

    // Resuming at an offset numbers lines on from there.
    let mut lines = Lines::new(&input[25..], 25, 3);
    let c = lines.batch(&mut v, 10).await.unwrap().unwrap();
    assert_eq!((c.first_line, c.last_line, c.points), (4, 6, 2));
}

#[tokio::test]
async fn a_file_is_cut_into_the_same_batches_without_a_second_check() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("in.lp");
    // A line longer than the read buffer, too.
    let long = format!("m s=\"{}\" 9", "x".repeat(CHUNK + 10));
    let input = format!("# header\r\nm v=1 1\r\nm v=2\n\n  m v=3 3\n{long}\nm v=4 4");
    std::fs::write(&path, &input).unwrap();
    let (v, end, shape) = validate_file(&path, 0, 0).await.unwrap();
    assert_eq!((v.points, v.without_timestamp, v.bad_lines()), (5, 1, 0));
    assert_eq!(
        shape,
        Shape {
            stamps: None,
            verbatim: false
        }
    );
    assert_eq!(end, input.len() as u64);
    // Bytes appended after the check are not sent.
    std::fs::write(&path, format!("{input}\nm v=5 5\n")).unwrap();
    let pool = Arc::new(Pool::default());
    let mut batches = FileBatches::start(&path, (0, 0, end), shape, 3, 2, pool.clone());
    let a = batches.next().await.unwrap().unwrap();
    assert_eq!(a.body, b"m v=1 1\nm v=2");
    assert_eq!(
        (a.points, a.timestamped),
        (2, false),
        "mixed: asked per line"
    );
    assert_eq!((a.first_line, a.last_line, a.end_offset), (1, 3, 25));
    pool.give(a.body);
    let b = batches.next().await.unwrap().unwrap();
    assert_eq!(b.body, format!("  m v=3 3\n{long}").as_bytes());
    assert_eq!((b.points, b.timestamped), (2, true));
    assert_eq!((b.first_line, b.last_line), (4, 6));
    let c = batches.next().await.unwrap().unwrap();
    assert_eq!(
        (c.body.as_slice(), c.first_line, c.last_line),
        (&b"m v=4 4"[..], 7, 7)
    );
    assert_eq!(c.end_offset, input.len() as u64);
    assert!(batches.next().await.unwrap().is_none());

    // Resuming at an offset numbers lines on from there.
    std::fs::write(&path, &input).unwrap();
    let (v, end, shape) = validate_file(&path, 25, 3).await.unwrap();
    assert_eq!(v.points, 3);
    let mut batches = FileBatches::start(&path, (25, 3, end), shape, 10, 2, pool);
    let c = batches.next().await.unwrap().unwrap();
    assert_eq!((c.first_line, c.last_line, c.points), (4, 7, 3));
}

/// Every batch of `input` cut with `shape`, as (body, points, first, last, end offset),
/// read through a tiny buffer so that runs cross refills.
fn all_batches(
    input: &[u8],
    shape: Shape,
    max_lines: usize,
) -> Vec<(Vec<u8>, usize, usize, usize, u64)> {
    let mut r = LineReader::new(input, 0, 0);
    r.buf = vec![0; 7];
    let mut out = Vec::new();
    while let Some(b) = cut(&mut r, shape, max_lines, Vec::new()).unwrap() {
        out.push((b.body, b.points, b.first_line, b.last_line, b.end_offset));
    }
    out
}

#[test]
fn verbatim_runs_are_cut_like_line_by_line() {
    let long = format!("m s=\"{}\" 9", "y".repeat(40));
    for input in [
        "m v=1 1\nm v=2 2\nm v=3 3\nm v=4 4\nm v=5 5".to_string(),
        "m v=1 1\nm v=2 2\nm v=3 3\n".to_string(),
        format!("m v=1 1\n{long}\n  m v=3 3\nm v=4 4\n"),
        "m v=1 1".to_string(),
    ] {
        let mut v = Validator::default();
        let verbatim = check_lines(&mut LineReader::new(input.as_bytes(), 0, 0), &mut v).unwrap();
        let shape = Shape::of(&v, verbatim);
        assert_eq!(
            shape,
            Shape {
                stamps: Some(true),
                verbatim: true
            },
            "{input}"
        );
        let slow = Shape {
            verbatim: false,
            ..shape
        };
        for max in [1, 2, 3, 10] {
            assert_eq!(
                all_batches(input.as_bytes(), shape, max),
                all_batches(input.as_bytes(), slow, max),
                "{input:?} by {max}"
            );
        }
    }
    // Blank lines, comments and CR LF are not sent as they are.
    for input in ["m v=1 1\n\nm v=2 2", "# c\nm v=1 1", "m v=1 1\r\nm v=2 2"] {
        let mut v = Validator::default();
        assert!(!check_lines(&mut LineReader::new(input.as_bytes(), 0, 0), &mut v).unwrap());
        assert_eq!(v.points, 2 - usize::from(input.starts_with('#')));
    }
}

#[test]
fn a_run_stops_at_the_byte_budget() {
    let mut r = LineReader::new(&b"aa 1\nbb 2\ncc 3\ndd 4"[..], 0, 0);
    let (n, run) = r.take_lines(10, 6).unwrap().unwrap();
    assert_eq!(
        (n, run),
        (2, &b"aa 1\nbb 2\n"[..]),
        "the line that crosses is taken"
    );
    assert_eq!((r.line, r.offset), (2, 10));
    let (n, run) = r.take_lines(10, 100).unwrap().unwrap();
    assert_eq!((n, run), (1, &b"cc 3\n"[..]), "the whole lines read so far");
    let (n, run) = r.take_lines(10, 100).unwrap().unwrap();
    assert_eq!(
        (n, run),
        (1, &b"dd 4"[..]),
        "the last line has no line ending"
    );
    assert_eq!((r.line, r.offset), (4, 19));
    assert!(r.take_lines(10, 100).unwrap().is_none());
}

#[test]
fn a_block_that_is_not_utf8_is_checked_line_by_line() {
    let input = b"m v=1 1\nm v=2 2\n\xff v=1\r\nm v=\"\xc3\xa9\" 4\n";
    let mut v = Validator::default();
    let mut r = LineReader::new(&input[..], 0, 0);
    check_lines(&mut r, &mut v).unwrap();
    assert_eq!((v.points, v.bad_lines(), r.line), (3, 1, 4));
    assert_eq!(v.errors()[0].0, 3);
}

#[tokio::test]
async fn bad_lines_are_recorded_with_their_numbers() {
    let input = b"m v=1 1\nm\n\xff v=1\n";
    let mut v = Validator::default();
    Lines::new(&input[..], 0, 0)
        .validate_all(&mut v)
        .await
        .unwrap();
    let e = v.finish().unwrap_err();
    assert!(e.message().contains("line 2: no fields"), "{}", e.message());
    assert!(
        e.message().contains("line 3: the line is not UTF-8"),
        "{}",
        e.message()
    );
}
