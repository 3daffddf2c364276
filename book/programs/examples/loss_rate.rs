//! How often the unlocked counter loses updates, natively: `cargo run --release -p
//! concurrency-book --example loss_rate -- THREADS ITERATIONS RUNS`. Prints how many runs lost
//! at least one update, the mean share lost and the mean time of a run. The page's defaults are chosen from this.

use concurrency_book::common::Stop;
use concurrency_book::counter::count_without_lock;

fn main() -> Result<(), concurrency::Error> {
    let arg = |i: usize, default: u64| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let (threads, iterations, runs) = (arg(1, 4), arg(2, 100_000), arg(3, 20));
    let expected = threads * iterations;
    let (mut lossy, mut lost) = (0, 0.0);
    let started = concurrency::monotonic();
    for _ in 0..runs {
        let total = count_without_lock(threads as usize, iterations, &Stop::new())?;
        if total < expected {
            lossy += 1;
        }
        lost += (expected - total) as f64 / expected as f64;
    }
    let ms = (concurrency::monotonic() - started).as_secs_f64() * 1e3 / runs as f64;
    println!(
        "{threads} threads x {iterations}: {lossy}/{runs} runs lost updates, \
         {:.1}% lost on average, {ms:.1} ms a run",
        100.0 * lost / runs as f64
    );
    Ok(())
}
