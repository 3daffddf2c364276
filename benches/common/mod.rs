//! What the bench binaries (`lock`, `primitives`, `queue`) share: `BENCH_QUICK`, interleaved
//! medians, the ours-vs-reference table line, and the CPython comparison run as a subprocess.
//! A directory module, so Cargo does not take it for a bench target of its own.

// Each bench uses only part of this.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::time::Instant;

/// Repetitions per figure (after one warm-up run); the figure is their median.
pub const REPS: usize = 7;

/// `BENCH_QUICK=1` (CI smoke): iterations divided by 20, and `--quick` passed to CPython.
#[derive(Clone, Copy)]
pub struct Quick(pub bool);

impl Quick {
    pub fn from_env() -> Quick {
        Quick(matches!(std::env::var("BENCH_QUICK").as_deref(), Ok("1")))
    }

    /// What every iteration count is divided by.
    pub fn div(self) -> u64 {
        if self.0 {
            20
        } else {
            1
        }
    }

    /// The end of the first table's heading.
    pub fn note(self) -> &'static str {
        if self.0 {
            " (BENCH_QUICK)"
        } else {
            ""
        }
    }

    /// The CPython script's argument, as named in the second table's heading.
    pub fn flag(self) -> &'static str {
        if self.0 {
            " --quick"
        } else {
            ""
        }
    }
}

/// Nanoseconds per call of `op`, over `iters` calls.
pub fn ns_per_op(iters: u64, mut op: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        op();
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Runs every closure once to warm up, then `REPS` interleaved rounds; returns their medians.
pub fn measure<const N: usize>(mut runs: [&mut dyn FnMut() -> f64; N]) -> [f64; N] {
    for run in runs.iter_mut() {
        run();
    }
    let mut samples: [Vec<f64>; N] = std::array::from_fn(|_| Vec::with_capacity(REPS));
    for _ in 0..REPS {
        for (run, s) in runs.iter_mut().zip(samples.iter_mut()) {
            s.push(run());
        }
    }
    samples.map(median)
}

/// The column widths of a "shape, ours, reference, ref, ours/ref, goal" table.
pub struct Table {
    pub shape: usize,
    pub figure: usize,
    pub reference: usize,
}

impl Table {
    /// The heading line, `shape` naming the first column.
    pub fn heading(&self, shape: &str) {
        let Table {
            shape: s,
            figure: f,
            reference: r,
        } = *self;
        println!(
            "{shape:<s$}{:>f$}  {:<r$}{:>f$}{:>10}  goal",
            "ours", "reference", "ref", "ours/ref"
        );
    }

    /// One line without its goal, and ours / reference. An empty `shape` continues the shape
    /// above: `ours` is not repeated, only the ratio to another reference.
    pub fn line(&self, shape: &str, ours: f64, reference: &str, refv: f64) -> (String, f64) {
        let Table {
            shape: s,
            figure: f,
            reference: r,
        } = *self;
        let ours_s = if shape.is_empty() {
            String::new()
        } else {
            format!("{ours:.2}")
        };
        let ratio = ours / refv;
        let line = format!("{shape:<s$}{ours_s:>f$}  {reference:<r$}{refv:>f$.2}{ratio:>9.2}x");
        (line, ratio)
    }
}

/// The number after `"key":` in a flat JSON object.
fn json_number(text: &str, key: &str) -> Option<f64> {
    let pat = format!("\"{key}\"");
    let rest = &text[text.find(&pat)? + pat.len()..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| c == ',' || c == '}' || c.is_whitespace())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Runs `python3 <script>` (a path from the crate root; `--quick` if quick), which prints one
/// flat JSON object; returns `python3 --version` and the figures under `keys`.
fn run_cpython<const N: usize>(
    script: &str,
    quick: Quick,
    keys: [&str; N],
) -> Result<(String, [f64; N]), String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let mut cmd = Command::new("python3");
    cmd.arg(&script);
    if quick.0 {
        cmd.arg("--quick");
    }
    let out = cmd
        .output()
        .map_err(|e| format!("could not run python3: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().last().unwrap_or("").trim();
        return Err(format!(
            "{} failed ({}): {last}",
            script.display(),
            out.status
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let get = |key: &str| {
        json_number(&text, key)
            .ok_or_else(|| format!("no \"{key}\" in python3's output: {}", text.trim()))
    };
    let version = Command::new("python3")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "python3".to_string());
    let mut figures = [0.0; N];
    for (figure, key) in figures.iter_mut().zip(keys) {
        *figure = get(key)?;
    }
    Ok((version, figures))
}

/// The second table and the closing line: runs the CPython `script` (after ours, never
/// alongside) and hands python3's version and its figures under `keys` to `table`; without a
/// working python3, says why the comparison is skipped. Then the total time since `began`,
/// of which `rust_secs` were ours.
pub fn cpython_comparison<const N: usize>(
    script: &str,
    quick: Quick,
    keys: [&str; N],
    began: Instant,
    rust_secs: f64,
    table: impl FnOnce(&str, [f64; N]),
) {
    let py_began = Instant::now();
    match run_cpython(script, quick, keys) {
        Ok((version, figures)) => {
            println!();
            table(&version, figures);
        }
        Err(why) => {
            println!();
            println!("note: skipping the CPython comparison: {why}");
        }
    }
    println!(
        "total bench time: {:.1} s ({:.1} s Rust, {:.1} s CPython)",
        began.elapsed().as_secs_f64(),
        rust_secs,
        py_began.elapsed().as_secs_f64()
    );
}
