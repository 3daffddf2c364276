//! CPython's shutdown cases (TH-24, TH-25, TH-27): at the end of the main program the
//! interpreter waits for non-daemon threads, not for daemon ones. Rust ends the process when
//! `main` returns, so the crate offers `concurrency::shutdown()`; this binary (its own `main`,
//! so it runs on the real main thread) checks it. Also: a thread whose `Local` value panics
//! when dropped at its exit does not hold shutdown up (issue 9 item 5). A watchdog fails the
//! binary if shutdown hangs.

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    use concurrency::{shutdown, Thread};
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    const WATCHDOG: Duration = Duration::from_secs(60);
    std::thread::spawn(|| {
        std::thread::sleep(WATCHDOG);
        eprintln!("shutdown hung: no result within {WATCHDOG:?}");
        std::process::exit(1);
    });

    // TH-27: daemon threads that never end do not hold shutdown up.
    let spinning = Arc::new(AtomicUsize::new(0));
    for _ in 0..4 {
        let s = spinning.clone();
        let t = Thread::builder()
            .daemon(true)
            .target(move || loop {
                s.fetch_add(1, SeqCst);
                concurrency::sleep(Duration::from_millis(1)).unwrap();
            })
            .build();
        t.start().unwrap();
    }
    // TH-24: a non-daemon thread that sleeps when the main program ends is waited for.
    let woke = Arc::new(AtomicBool::new(false));
    let w = woke.clone();
    Thread::new(move || {
        concurrency::sleep(Duration::from_millis(200)).unwrap();
        w.store(true, SeqCst);
    })
    .start()
    .unwrap();
    // TH-25: a non-daemon thread started from another thread (after a delay, joined by nobody)
    // is waited for too.
    let late = Arc::new(AtomicBool::new(false));
    let l = late.clone();
    Thread::new(move || {
        concurrency::sleep(Duration::from_millis(50)).unwrap();
        let l = l.clone();
        Thread::new(move || {
            concurrency::sleep(Duration::from_millis(100)).unwrap();
            l.store(true, SeqCst);
        })
        .start()
        .unwrap();
    })
    .start()
    .unwrap();

    // A non-daemon thread whose Local value panics when dropped at its exit: reported to the
    // excepthook, and the thread still ends (it used to never be marked finished).
    struct PanicsOnDrop;
    impl Drop for PanicsOnDrop {
        fn drop(&mut self) {
            panic!("drop failed");
        }
    }
    let reported = Arc::new(AtomicUsize::new(0));
    let r = reported.clone();
    concurrency::thread::set_excepthook(move |args| {
        if args.message == "drop failed" {
            r.fetch_add(1, SeqCst);
        }
    });
    // (Kept alive here, so the value is dropped by the thread's exit, not with the Local.)
    let local = Arc::new(concurrency::Local::new(|| None::<PanicsOnDrop>));
    let l = local.clone();
    Thread::new(move || l.with(|v| *v = Some(PanicsOnDrop)).unwrap())
        .start()
        .unwrap();

    let start = Instant::now();
    shutdown().unwrap();
    let took = start.elapsed();
    assert!(
        woke.load(SeqCst),
        "TH-24: shutdown waited for the sleeping non-daemon thread"
    );
    assert!(
        late.load(SeqCst),
        "TH-25: and for the one started from another thread"
    );
    assert!(
        took < Duration::from_secs(10),
        "TH-27: daemon threads did not hold it up ({took:?})"
    );
    assert!(spinning.load(SeqCst) > 0, "the daemon threads were running");
    assert_eq!(
        reported.load(SeqCst),
        1,
        "the panicking Drop was reported, and shutdown returned"
    );
    drop(local);
    println!("TH-24, TH-25, TH-27 shutdown, and a Local's Drop panicking at exit: ok");
}
