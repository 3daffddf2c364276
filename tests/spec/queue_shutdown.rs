//! `test_queue.BaseQueueTestMixin`, Q-07…Q-24 (spec §8.1): `shutdown()` and
//! `shutdown(immediate=True)` against put, get, `task_done()` and `join()`, in one thread and in
//! many. Q-01…Q-06 are in `queue_basic.rs`; the shared kinds and helpers in `queue_common.rs`.

use super::queue_common::{new, per_kind, FifoKind, Kind, LifoKind, PriorityKind, Q};
use super::{join, spawn, spawn_n, timed, wait_blocked_on, SHORT};
use concurrency::{Barrier, Error, Event};
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn shutdown_empty<K: Kind>() {
    let q = new::<K, &'static str>(0);
    q.shutdown(false);
    let e = q.put("data", true, None).unwrap_err();
    assert_eq!((e.error, e.item), (Error::ShutDown, "data"));
    assert_eq!(q.get(true, None), Err(Error::ShutDown));
}

per_kind! {
    /// Q-07 `test_shutdown_empty`: after `shutdown()`, put and get are ShutDown.
    shutdown_empty() => q_07_shutdown_empty_fifo, q_07_shutdown_empty_lifo, q_07_shutdown_empty_priority
}

fn shutdown_nonempty<K: Kind>() {
    let q = new::<K, &'static str>(0);
    q.put("data", true, None).unwrap();
    q.shutdown(false);
    assert_eq!(q.get(true, None), Ok("data"));
    assert_eq!(q.get(true, None), Err(Error::ShutDown));
}

per_kind! {
    /// Q-08 `test_shutdown_nonempty`: the queued item is still handed out; then ShutDown.
    shutdown_nonempty() => q_08_shutdown_nonempty_fifo, q_08_shutdown_nonempty_lifo, q_08_shutdown_nonempty_priority
}

fn shutdown_immediate<K: Kind>() {
    let q = new::<K, &'static str>(0);
    q.put("data", true, None).unwrap();
    q.shutdown(true);
    assert_eq!(q.get(true, None), Err(Error::ShutDown));
    assert_eq!(q.qsize(), 0, "the item was discarded");
}

per_kind! {
    /// Q-09 `test_shutdown_immediate`: `shutdown(immediate=True)` discards the item.
    shutdown_immediate() => q_09_shutdown_immediate_fifo, q_09_shutdown_immediate_lifo, q_09_shutdown_immediate_priority
}

fn shutdown_allowed_transitions<K: Kind>() {
    let q = new::<K, i32>(0);
    assert!(!q.is_shutdown());
    q.shutdown(false);
    assert!(q.is_shutdown());
    q.shutdown(true);
    assert!(q.is_shutdown());
    q.shutdown(false);
    assert!(q.is_shutdown(), "there is no way back");
}

per_kind! {
    /// Q-10 `test_shutdown_allowed_transitions`: alive → shutdown → immediate; repeatable.
    shutdown_allowed_transitions()
        => q_10_shutdown_allowed_transitions_fifo,
           q_10_shutdown_allowed_transitions_lifo,
           q_10_shutdown_allowed_transitions_priority
}

fn shutdown_all_methods_in_one_thread<K: Kind>(immediate: bool) {
    let q = new::<K, &'static str>(2);
    q.put("L", true, None).unwrap();
    q.put_nowait("O").unwrap();
    q.shutdown(immediate);
    assert_eq!(q.put("E", true, None).unwrap_err().error, Error::ShutDown);
    assert_eq!(q.put_nowait("W").unwrap_err().error, Error::ShutDown);
    if immediate {
        assert_eq!(q.get(true, None), Err(Error::ShutDown));
        assert_eq!(q.get_nowait(), Err(Error::ShutDown));
        assert_eq!(q.task_done(), Err(Error::TaskDoneTooManyTimes));
        q.join().unwrap();
    } else {
        assert!("LO".contains(q.get(true, None).unwrap()));
        q.task_done().unwrap();
        assert!("LO".contains(q.get(true, None).unwrap()));
        q.task_done().unwrap();
        q.join().unwrap();
        // Shut down and empty: ShutDown, not Empty, and no waiting.
        assert_eq!(q.get(true, None), Err(Error::ShutDown));
        assert_eq!(q.get_nowait(), Err(Error::ShutDown));
        let (r, took) = timed(|| q.get(true, 1.0));
        assert_eq!(r, Err(Error::ShutDown));
        assert!(
            took < Duration::from_millis(500),
            "get(True, 1.0) waited {took:?}"
        );
    }
}

per_kind! {
    /// Q-11 `test_shutdown_all_methods_in_one_thread`.
    shutdown_all_methods_in_one_thread(false)
        => q_11_shutdown_all_methods_in_one_thread_fifo,
           q_11_shutdown_all_methods_in_one_thread_lifo,
           q_11_shutdown_all_methods_in_one_thread_priority
}

per_kind! {
    /// Q-12 `test_shutdown_immediate_all_methods_in_one_thread`: the drained items count as
    /// done, so `task_done()` is ValueError and `join()` returns.
    shutdown_all_methods_in_one_thread(true)
        => q_12_shutdown_immediate_all_methods_in_one_thread_fifo,
           q_12_shutdown_immediate_all_methods_in_one_thread_lifo,
           q_12_shutdown_immediate_all_methods_in_one_thread_priority
}

/// Q-13/Q-14's message count. CPython: 65,536; reduced so the browser run stays fast.
const NB_MSGS: u32 = 4096;

fn shutdown_all_methods_in_many_threads<K: Kind>(immediate: bool) {
    const WRITE_THREADS: u32 = 4;
    const READ_THREADS: u32 = 6;
    const JOIN_THREADS: u32 = 2;
    let nb_msgs_w = NB_MSGS / WRITE_THREADS;
    let when_exec_shutdown = nb_msgs_w / 2;
    let q = new::<K, u32>(0);
    let nparties = WRITE_THREADS + READ_THREADS + if immediate { JOIN_THREADS } else { 0 };
    // A default timeout: a party that fails cannot leave the others waiting forever.
    let barrier_start = Arc::new(Barrier::with(nparties, None, SHORT).unwrap());
    let ev_exec_shutdown = Arc::new(Event::new());
    let (res_puts, res_gets, res_shutdown) = (
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
        Arc::new(Mutex::new(Vec::new())),
    );
    let mut threads = Vec::new();
    let (qq, b, ev, res) = (
        q.clone(),
        barrier_start.clone(),
        ev_exec_shutdown.clone(),
        res_puts.clone(),
    );
    threads.extend(spawn_n("writer", WRITE_THREADS as usize, move |_| {
        for i in 0..when_exec_shutdown / 2 {
            qq.put(i, true, None).unwrap();
        }
        b.wait(None).unwrap();
        for i in when_exec_shutdown / 2..nb_msgs_w {
            if let Err(e) = qq.put(i, true, None) {
                assert_eq!(e.error, Error::ShutDown);
                res.lock().unwrap().push(false);
                break;
            }
            // Trigger the queue's shutdown; only one writer should.
            if i == when_exec_shutdown && !ev.is_set() {
                ev.set();
                res.lock().unwrap().push(true);
            }
        }
    }));
    let (qq, b, res) = (q.clone(), barrier_start.clone(), res_gets.clone());
    threads.extend(spawn_n("reader", READ_THREADS as usize, move |_| {
        qq.get(true, None).unwrap(); // get at least one item
        qq.task_done().unwrap();
        b.wait(None).unwrap();
        loop {
            match qq.get(false, None) {
                Ok(_) => qq.task_done().unwrap(),
                Err(Error::ShutDown) => {
                    res.lock().unwrap().push(true);
                    break;
                }
                Err(Error::Empty) => std::thread::yield_now(),
                Err(e) => panic!("{e:?}"),
            }
        }
    }));
    let (qq, ev, res) = (q.clone(), ev_exec_shutdown.clone(), res_shutdown.clone());
    threads.push(spawn("shutdown", move || {
        ev.wait(None).unwrap();
        qq.shutdown(immediate);
        res.lock().unwrap().push(qq.qsize() == 0);
    }));
    if immediate {
        let (qq, b) = (q.clone(), barrier_start.clone());
        threads.extend(spawn_n("joiner", JOIN_THREADS as usize, move |_| {
            b.wait(None).unwrap();
            qq.join().unwrap();
        }));
    }
    threads.iter().for_each(join);
    assert!(
        res_puts.lock().unwrap().contains(&true),
        "a writer triggered the shutdown"
    );
    assert_eq!(
        res_gets.lock().unwrap().iter().filter(|&&r| r).count(),
        READ_THREADS as usize,
        "every reader got ShutDown"
    );
    if immediate {
        assert_eq!(*res_shutdown.lock().unwrap(), [true]);
        assert!(q.empty());
    }
    assert_eq!(q.unfinished_tasks(), 0);
}

per_kind! {
    /// Q-13 `test_shutdown_all_methods_in_many_threads`: 4 writers and 6 readers (4,096
    /// messages instead of 65,536); a shutdown mid-stream ends every one of them.
    shutdown_all_methods_in_many_threads(false)
        => q_13_shutdown_all_methods_in_many_threads_fifo,
           q_13_shutdown_all_methods_in_many_threads_lifo,
           q_13_shutdown_all_methods_in_many_threads_priority
}

per_kind! {
    /// Q-14 `test_shutdown_immediate_all_methods_in_many_threads`: as Q-13 with
    /// `immediate=True` and 2 threads in `join()`, which return.
    shutdown_all_methods_in_many_threads(true)
        => q_14_shutdown_immediate_all_methods_in_many_threads_fifo,
           q_14_shutdown_immediate_all_methods_in_many_threads_lifo,
           q_14_shutdown_immediate_all_methods_in_many_threads_priority
}

type Results = Arc<Mutex<Vec<Result<&'static str, Error>>>>;

/// The results, the items got first (in order), then the errors.
fn sorted(results: &Results) -> Vec<Result<&'static str, Error>> {
    let mut r = results.lock().unwrap().clone();
    r.sort_by_key(|r| (r.is_err(), r.as_ref().ok().copied()));
    r
}

fn shutdown_get<K: Kind>(immediate: bool) {
    let q = new::<K, &'static str>(2);
    let results: Results = Arc::default();
    let go = Arc::new(Event::new());
    q.put("Y", true, None).unwrap();
    q.put("D", true, None).unwrap(); // queue full
    let n = if immediate { 2 } else { 3 };
    let (qq, g, res) = (q.clone(), go.clone(), results.clone());
    let threads = spawn_n("getter", n, move |_| {
        g.wait(None).unwrap();
        let r = qq.get(true, None);
        res.lock().unwrap().push(r);
    });
    q.shutdown(immediate);
    go.set();
    threads.iter().for_each(join);
    let results = sorted(&results);
    if immediate {
        assert_eq!(results, [Err(Error::ShutDown), Err(Error::ShutDown)]);
    } else {
        assert_eq!(results, [Ok("D"), Ok("Y"), Err(Error::ShutDown)]);
    }
}

per_kind! {
    /// Q-15 `test_shutdown_get`: of 3 getters on 2 items after `shutdown()`, exactly one gets
    /// ShutDown.
    shutdown_get(false) => q_15_shutdown_get_fifo, q_15_shutdown_get_lifo, q_15_shutdown_get_priority
}

per_kind! {
    /// Q-16 `test_shutdown_immediate_get`: after `shutdown(immediate=True)` both getters get
    /// ShutDown.
    shutdown_get(true)
        => q_16_shutdown_immediate_get_fifo,
           q_16_shutdown_immediate_get_lifo,
           q_16_shutdown_immediate_get_priority
}

/// CPython's `_shutdown_put`: two putters on a full `Queue(2)` both get ShutDown. With
/// `blocked_first` they are Blocked on the full queue before the shutdown wakes them (CPython
/// lets them start only after it).
fn shutdown_put<K: Kind>(immediate: bool, blocked_first: bool) {
    let q = new::<K, &'static str>(2);
    let results: Results = Arc::default();
    let go = Arc::new(Event::new());
    q.put("Y", true, None).unwrap();
    q.put("D", true, None).unwrap(); // queue full
    let (qq, g, res) = (q.clone(), go.clone(), results.clone());
    let threads = spawn_n("putter", 2, move |i| {
        g.wait(None).unwrap();
        let r = qq.put(["E", "W"][i], true, None);
        res.lock()
            .unwrap()
            .push(r.map(|()| "put").map_err(|e| e.error));
    });
    if blocked_first {
        go.set();
        wait_blocked_on(&threads, q.trace_id());
        q.shutdown(immediate);
    } else {
        q.shutdown(immediate);
        go.set();
    }
    threads.iter().for_each(join);
    assert_eq!(
        *results.lock().unwrap(),
        [Err(Error::ShutDown), Err(Error::ShutDown)]
    );
    assert_eq!(q.qsize(), if immediate { 0 } else { 2 });
}

fn shutdown_put_cases<K: Kind>() {
    shutdown_put::<K>(false, false);
    shutdown_put::<K>(false, true);
}

per_kind! {
    /// Q-17 `test_shutdown_put`: putters on a full queue get ShutDown after `shutdown()`,
    /// whether they start after it (as in CPython) or were blocked before it.
    shutdown_put_cases() => q_17_shutdown_put_fifo, q_17_shutdown_put_lifo, q_17_shutdown_put_priority
}

fn shutdown_immediate_put_cases<K: Kind>() {
    // CPython's `test_shutdown_immediate_put` calls plain `shutdown()`; we also run the
    // immediate one it is named for.
    shutdown_put::<K>(false, false);
    shutdown_put::<K>(true, false);
    shutdown_put::<K>(true, true);
}

per_kind! {
    /// Q-18 `test_shutdown_immediate_put`.
    shutdown_immediate_put_cases()
        => q_18_shutdown_immediate_put_fifo,
           q_18_shutdown_immediate_put_lifo,
           q_18_shutdown_immediate_put_priority
}

fn joiners<K: Kind>(q: &Arc<Q<K, &'static str>>, n: usize) -> (Vec<concurrency::Thread>, Results) {
    let results: Results = Arc::default();
    let (qq, res) = (q.clone(), results.clone());
    let threads = spawn_n("joiner", n, move |_| {
        let r = qq.join();
        res.lock().unwrap().push(r.map(|()| "joined"));
    });
    (threads, results)
}

fn shutdown_join<K: Kind>(immediate: bool) {
    let q = new::<K, &'static str>(0);
    q.put("Y", true, None).unwrap();
    let go = Arc::new(Event::new());
    let (mut threads, results) = joiners::<K>(&q, 2);
    // The joiners wait: an item is unfinished (CPython starts them and carries on).
    wait_blocked_on(&threads, q.trace_id());
    if !immediate {
        let (qq, g) = (q.clone(), go.clone());
        threads.push(spawn("get_task_done", move || {
            g.wait(None).unwrap();
            assert_eq!(qq.get(true, None), Ok("Y"));
            qq.task_done().unwrap();
        }));
    }
    q.shutdown(immediate);
    go.set();
    threads.iter().for_each(join);
    assert_eq!(*results.lock().unwrap(), [Ok("joined"), Ok("joined")]);
    assert_eq!(q.unfinished_tasks(), 0);
}

per_kind! {
    /// Q-19 `test_shutdown_join`: `shutdown()` does not release the joiners; the item's
    /// `task_done()` does.
    shutdown_join(false) => q_19_shutdown_join_fifo, q_19_shutdown_join_lifo, q_19_shutdown_join_priority
}

per_kind! {
    /// Q-20 `test_shutdown_immediate_join`: the drained item counts as done; both joins return.
    shutdown_join(true)
        => q_20_shutdown_immediate_join_fifo,
           q_20_shutdown_immediate_join_lifo,
           q_20_shutdown_immediate_join_priority
}

fn shutdown_put_join<K: Kind>(immediate: bool) {
    let q = new::<K, &'static str>(2);
    let go = Arc::new(Event::new());
    q.put("Y", true, None).unwrap(); // queue not full
    let put_result: Results = Arc::default();
    let (qq, g, res) = (q.clone(), go.clone(), put_result.clone());
    let putter = spawn("putter", move || {
        g.wait(None).unwrap();
        let r = qq.put("E", true, None);
        res.lock()
            .unwrap()
            .push(r.map(|()| "put").map_err(|e| e.error));
    });
    let (joiner, join_result) = joiners::<K>(&q, 1);
    assert_eq!(q.unfinished_tasks(), 1);
    q.shutdown(immediate);
    go.set();
    if immediate {
        assert_eq!(q.get_nowait(), Err(Error::ShutDown));
    } else {
        assert_eq!(q.get(true, None), Ok("Y"));
        q.task_done().unwrap();
    }
    join(&putter);
    joiner.iter().for_each(join);
    assert_eq!(*put_result.lock().unwrap(), [Err(Error::ShutDown)]);
    assert_eq!(*join_result.lock().unwrap(), [Ok("joined")]);
}

per_kind! {
    /// Q-21 `test_shutdown_put_join`: the putter gets ShutDown; the joiner returns once the
    /// remaining item is got and done.
    shutdown_put_join(false) => q_21_shutdown_put_join_fifo, q_21_shutdown_put_join_lifo, q_21_shutdown_put_join_priority
}

per_kind! {
    /// Q-22 `test_shutdown_immediate_put_join`: the item is discarded (`get_nowait()` is
    /// ShutDown) and the joiner returns.
    shutdown_put_join(true)
        => q_22_shutdown_immediate_put_join_fifo,
           q_22_shutdown_immediate_put_join_lifo,
           q_22_shutdown_immediate_put_join_priority
}

fn shutdown_get_task_done_join<K: Kind>() {
    let q = new::<K, &'static str>(2);
    let go = Arc::new(Event::new());
    q.put("Y", true, None).unwrap();
    q.put("D", true, None).unwrap();
    assert_eq!(q.unfinished_tasks(), q.qsize());
    let got: Results = Arc::default();
    let (qq, g, res) = (q.clone(), go.clone(), got.clone());
    let mut threads = spawn_n("get_task_done", 2, move |_| {
        g.wait(None).unwrap();
        let r = qq.get(true, None);
        if r.is_ok() {
            qq.task_done().unwrap();
        }
        res.lock().unwrap().push(r);
    });
    let (joiners, joined) = joiners::<K>(&q, 2);
    threads.extend(joiners);
    go.set();
    q.shutdown(false);
    threads.iter().for_each(join);
    let got = sorted(&got);
    assert_eq!(got, [Ok("D"), Ok("Y")]);
    assert_eq!(*joined.lock().unwrap(), [Ok("joined"), Ok("joined")]);
}

per_kind! {
    /// Q-23 `test_shutdown_get_task_done_join`: getters, `task_done()`s and joiners all
    /// succeed across a `shutdown()`.
    shutdown_get_task_done_join()
        => q_23_shutdown_get_task_done_join_fifo,
           q_23_shutdown_get_task_done_join_lifo,
           q_23_shutdown_get_task_done_join_priority
}

fn shutdown_pending_get<K: Kind>() {
    let q = new::<K, i32>(0);
    let results = Arc::new(Mutex::new(Vec::new()));
    let (qq, res) = (q.clone(), results.clone());
    let get_thread = spawn("get", move || res.lock().unwrap().push(qq.get(true, None)));
    // CPython starts it and shuts down at once; here it is surely waiting first.
    wait_blocked_on(std::slice::from_ref(&get_thread), q.trace_id());
    q.shutdown(false);
    assert_eq!(get_thread.join(10.0), Ok(true), "the pending get ended");
    assert_eq!(*results.lock().unwrap(), [Err(Error::ShutDown)]);
}

per_kind! {
    /// Q-24 `test_shutdown_pending_get`: a get blocked on an empty queue wakes with ShutDown.
    shutdown_pending_get()
        => q_24_shutdown_pending_get_fifo,
           q_24_shutdown_pending_get_lifo,
           q_24_shutdown_pending_get_priority
}
