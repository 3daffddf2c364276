// End-to-end: the served book in headless Debian Chromium, checked as a reader would look at it.
// - The page is cross-origin isolated; demos run on several workers whose threads overlap.
// - The race shows at the defaults: the unlocked counter loses updates in at least 9 of 10
//   runs, also with one core kept busy by another process; the locked total is always exact.
// - Two demos on one page never corrupt each other: run one after the other and at the same
//   time, both demos' lanes and panels are complete.
// - At checkpoints where the threads hold still (deadlock reached, RLock held twice, a full
//   queue, runners waiting for an Event), what is drawn equals the library's own
//   `inspect::snapshot()` taken at that moment (`checkpoint()` in www/live/checkpoint.js).
// - Nothing logs an error, nothing is fetched off-site. Screenshots go to SCREENSHOT_DIR.
// Buttons are found by their data attributes (`data-run`, `data-action`), never by label.
// Run by `cargo xtask test` (BOOK_URL = the server it started).
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import assert from 'node:assert/strict';

const base = process.env.BOOK_URL ?? 'http://127.0.0.1:3000/';
const shots = process.env.SCREENSHOT_DIR ?? '../../target/e2e';
const LIMIT = 60_000;
const RACE_RUNS = 10;
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const watchdog = setTimeout(() => { console.error('e2e: timed out'); process.exit(1); }, 8 * LIMIT);
let busy = null;
try {
  const page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  const pending = new Map(); // request -> when it was made (to diagnose a stalled load)
  page.on('request', (r) => pending.set(r, Date.now()));
  page.on('requestfinished', (r) => pending.delete(r));
  page.on('requestfailed', (r) => pending.delete(r));
  const offsite = [];
  page.on('request', (r) => {
    const url = r.url();
    if (/^(https?|wss?):/.test(url) && !url.startsWith(base)) offsite.push(url);
  });

  // A stalled first load is retried once, printed (see the git history: a keep-alive server
  // once stalled mdBook's stylesheet requests). A second failure is a real one.
  const open = async (file) => {
    const url = new URL(file, base).href;
    try {
      await page.goto(url, { waitUntil: 'load', timeout: LIMIT });
    } catch (e) {
      const stuck = [...pending].map(([r, t]) => `${r.url()} (${Date.now() - t} ms)`);
      console.error(`e2e: first load of ${file} failed (${e.message.split('\n')[0]}); ` +
        `still pending: ${stuck.join(', ') || 'nothing'}; retrying once`);
      await page.goto(url, { waitUntil: 'load', timeout: LIMIT });
    }
  };
  const ready = async (root) => {
    await page.waitForFunction((r) => window.concurrencyDemos?.[r]?.ready || window.concurrencyDemos?.[r]?.error,
      root, { timeout: LIMIT });
    const error = await page.evaluate((r) => window.concurrencyDemos[r].error, root);
    assert.equal(error, null, `${root} failed to start: ${error}`);
  };
  const runs = (root) => page.evaluate((r) => window.concurrencyDemos[r].runs.length, root);
  const press = (root, attr, id) => page.click(`[data-demo="${root}"] [data-${attr}="${id}"]`);
  const finished = async (root, before) => {
    await page.waitForFunction(([r, n]) => window.concurrencyDemos[r].runs.length > n, [root, before], { timeout: LIMIT });
    return page.evaluate((r) => window.concurrencyDemos[r].runs.at(-1), root);
  };
  // Starts run `id` of `root`, lets `during` act while it runs, returns the finished run.
  const run = async (root, id, during) => {
    const before = await runs(root);
    await press(root, 'run', id);
    if (during) await during();
    const r = await finished(root, before);
    assert.equal(r.result.error, undefined, `${root}/${id}: ${r.result.error}`);
    return r;
  };
  const view = (root) => page.evaluate((r) => window.concurrencyDemos[r].view(), root);
  const waitView = async (root, what, test) => {
    const start = Date.now();
    for (;;) {
      const v = await view(root);
      if (test(v)) return v;
      assert.ok(Date.now() - start < LIMIT, `${root}: never ${what}: ${JSON.stringify(v)}`);
      await page.waitForTimeout(20);
    }
  };
  // The drawing against the library's snapshot; a transition in flight gets a few retries.
  const checkpoints = {};
  const checkpoint = async (root, name) => {
    let last;
    for (let i = 0; i < 10; i++) {
      last = await page.evaluate((r) => window.concurrencyDemos[r].checkpoint(), root);
      if (!last.mismatches.length) break;
      await page.waitForTimeout(30);
    }
    assert.deepEqual(last.mismatches, [], `${root} at "${name}": the drawing differs from the snapshot`);
    assert.ok(last.lanes > 0 && last.objects > 0, `${root} at "${name}": nothing compared ${JSON.stringify(last)}`);
    await page.locator(`#${root}`).screenshot({ path: `${shots}/checkpoint-${name}.png` });
    checkpoints[name] = { lanes: last.lanes, objects: last.objects };
  };
  const lane = (v, name) => v.lanes.find((l) => l.name === name);

  // 1. The race, at the page's defaults.
  await open('threads-and-locks.html');
  assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'crossOriginIsolated');
  await ready('counter-demo');
  const readyMs = await page.evaluate(() => window.concurrencyDemos['counter-demo'].readyMs);
  const race = async () => {
    const lost = [];
    for (let i = 0; i < RACE_RUNS; i++) {
      const r = await run('counter-demo', 'unlocked');
      assert.ok(r.result.total <= r.result.expected, JSON.stringify(r.result));
      lost.push(r.result.expected - r.result.total);
    }
    const locked = await run('counter-demo', 'locked');
    assert.equal(locked.result.total, locked.result.expected, 'the locked total is exact');
    return { lost, locked };
  };
  const quiet = await race();
  const firstResultMs = (await page.evaluate(() => window.concurrencyDemos['counter-demo'].runs[0].finishedAt));
  // The same with one core kept busy by another process.
  busy = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  const loaded = await race();
  busy.kill();
  busy = null;
  for (const [when, r] of [['quiet', quiet], ['one core busy', loaded]]) {
    const lossy = r.lost.filter((n) => n > 0).length;
    assert.ok(lossy >= 9, `${when}: the unlocked race lost updates in only ${lossy} of ${RACE_RUNS} runs: ${r.lost}`);
  }
  await page.locator('#counter-demo').screenshot({ path: `${shots}/threads-and-locks-demo.png` });
  await page.screenshot({ path: `${shots}/threads-and-locks.png`, fullPage: false });
  // At least two distinct workers ran adder threads whose time spans overlap.
  const adders = loaded.locked.lanes.filter((l) => l.name.startsWith('adder-') && l.start !== null && l.end !== null);
  assert.ok(adders.length >= 2, `adder lanes: ${JSON.stringify(loaded.locked.lanes)}`);
  const workers = new Set(adders.map((l) => l.worker));
  assert.ok(workers.size >= 2, `adders ran on ${workers.size} worker(s)`);
  assert.ok(adders.some((a) => adders.some((b) => a.worker !== b.worker && a.start < b.end && b.start < a.end)),
    `overlapping spans on distinct workers: ${JSON.stringify(adders)}`);
  assert.ok(!loaded.locked.lanes.some((l) => /MainThread/.test(l.name)), 'no lane for the page itself');

  // 2. Two demos on one page: complete lanes and panels, one after the other and at once.
  const complete = async (root, r, lanes, objects) => {
    const names = r.lanes.map((l) => l.name);
    for (const want of lanes) assert.ok(names.includes(want), `${root}: no lane ${want} in ${names}`);
    assert.ok(r.lanes.every((l) => l.start !== null && l.end !== null), `${root}: a lane never started or ended: ${JSON.stringify(r.lanes)}`);
    assert.equal(r.dropped, 0, `${root}: events lost`);
    const v = await view(root);
    assert.ok(v.objects.every((o) => o.waiters.length === 0), `${root}: stale waiters ${JSON.stringify(v.objects)}`);
    const panel = await page.locator(`#${root} .demo-objects`).innerText();
    for (const want of objects) assert.ok(panel.includes(want), `${root}: panel lacks "${want}": ${panel}`);
  };
  const pairs = [
    ['semaphores.html', ['semaphore-demo', 'run', ['download-0', 'download-5'], ['connections: 2 permits free']],
      ['bounded-demo', 'run', [], []]],
    ['rlock.html', ['rlock-demo', 'run', ['clerk-0', 'clerk-2'], ['account lock: free']],
      ['rlock-owner-demo', 'run', ['owner-0', 'intruder-0'], []]],
    ['barrier.html', ['barrier-demo', 'run', ['worker-0', 'worker-3'], ['round barrier: 0 arrived']],
      ['barrier-broken-demo', 'run', [], []]],
    ['queues.html', ['queue-demo', 'run', ['producer-0', 'producer-1', 'consumer-0', 'consumer-1'], ['work queue: 0 items', 'unfinished tasks: 0']],
      ['orders-demo', 'run', [], []]],
  ];
  const pagesPairs = {};
  for (const [file, a, b] of pairs) {
    await open(file);
    await ready(a[0]);
    await ready(b[0]);
    const first = await run(a[0], a[1]);
    await complete(a[0], first, a[2], a[3]);
    pagesPairs[a[0]] = first.result;
    await complete(b[0], await run(b[0], b[1]), b[2], b[3]);
    const [na, nb] = [await runs(a[0]), await runs(b[0])];
    await press(a[0], 'run', a[1]);
    await press(b[0], 'run', b[1]);
    const [ra, rb] = [await finished(a[0], na), await finished(b[0], nb)];
    await complete(a[0], ra, a[2], a[3]);
    await complete(b[0], rb, b[2], b[3]);
    await page.screenshot({ path: `${shots}/${file.replace('.html', '')}-two-demos.png`, fullPage: true });
  }

  // 3. Checkpoints: the drawing equals the library's snapshot.
  // Deadlock reached: both transfers blocked, each on the lock the other holds.
  await open('deadlock.html');
  await ready('deadlock-demo');
  let before = await runs('deadlock-demo');
  await press('deadlock-demo', 'run', 'opposite');
  await waitView('deadlock-demo', 'deadlocked', (v) => ['transfer-0', 'transfer-1'].every((n) => lane(v, n)?.state === 'blocked' && lane(v, n).held.length === 1));
  await checkpoint('deadlock-demo', 'deadlock');
  await page.waitForFunction(() => document.querySelector('#deadlock-demo .demo-cycle'), null, { timeout: LIMIT });
  // Stop: the page stops waiting; the two threads stay blocked until their own patience.
  await press('deadlock-demo', 'action', 'stop');
  const stopped = await finished('deadlock-demo', before);
  assert.equal(stopped.result.stopped, true);
  const stopText = await page.locator('#deadlock-demo .demo-status').innerText();
  assert.match(stopText, /Stopped\. 3 threads are still blocked/); // the two transfers, and main joining them
  const ordered = await run('deadlock-demo', 'ordered');
  assert.deepEqual(ordered.result.outcomes, ['done', 'done']);
  const detected = await run('deadlock-demo', 'detect');
  assert.ok(detected.result.outcomes.some((o) => o.startsWith('refused')), JSON.stringify(detected.result));

  // RLock held twice: the clerk inside the nested deposit.
  await open('rlock.html');
  await ready('rlock-demo');
  await page.selectOption('#rlock-demo-work', '100');
  before = await runs('rlock-demo');
  await press('rlock-demo', 'run', 'run');
  await waitView('rlock-demo', 'held twice', (v) => v.objects.some((o) => o.kind === 3 && o.value === 2));
  await checkpoint('rlock-demo', 'rlock-held-twice');
  const clerks = await finished('rlock-demo', before);
  assert.equal(clerks.result.balance, clerks.result.expected);

  // A full queue: slow consumers, producers blocked for room.
  await open('queues.html');
  await ready('queue-demo');
  await page.selectOption('#queue-demo-maxsize', '2');
  await page.selectOption('#queue-demo-make', '5');
  await page.selectOption('#queue-demo-take', '200');
  before = await runs('queue-demo');
  await press('queue-demo', 'run', 'run');
  await waitView('queue-demo', 'full', (v) => v.objects.some((o) => o.kind === 9 && o.value === 2)
    && v.lanes.some((l) => l.name.startsWith('producer') && l.state === 'blocked'));
  await checkpoint('queue-demo', 'queue-full');
  await press('queue-demo', 'action', 'shutdown-now');
  const cut = await finished('queue-demo', before);
  assert.ok(cut.result.made < cut.result.expected, `shut down early: ${JSON.stringify(cut.result)}`);

  // Runners waiting for the Event; then the page's set().
  await open('event.html');
  await ready('event-demo');
  before = await runs('event-demo');
  await press('event-demo', 'run', 'run');
  await waitView('event-demo', 'all runners waiting', (v) => v.lanes.filter((l) => l.name.startsWith('runner-') && l.state === 'blocked').length === 4);
  await checkpoint('event-demo', 'event-waiting');
  await press('event-demo', 'action', 'set');
  const fired = await finished('event-demo', before);
  assert.equal(fired.result.saw, fired.result.runners);

  // 4. The other demos run and their results hold.
  const pages = {};
  for (const [file, root, id, check] of [
    ['condition.html', 'condition-demo', 'run', (r) => assert.equal(r.consumed, r.expected)],
    ['barrier.html', 'barrier-demo', 'run', (r) => assert.equal(r.trips, r.rounds)],
    ['rlock.html', 'rlock-owner-demo', 'run', (r) => {
      assert.match(r.refused, /un-acquired|not own/);
      assert.ok(r.count >= 1 && r.still_locked && r.free_after, JSON.stringify(r));
    }],
    ['barrier.html', 'barrier-broken-demo', 'run', (r) => assert.ok(r.outcomes.some((o) => o !== 'passed'), JSON.stringify(r))],
    ['queues.html', 'orders-demo', 'run', (r) => assert.deepEqual([r.fifo, r.lifo, r.priority], [[5, 1, 4, 2, 3], [3, 2, 4, 1, 5], [1, 2, 3, 4, 5]])],
  ]) {
    await open(file);
    await ready(root);
    const r = await run(root, id);
    check(r.result);
    pages[root] = r.result;
  }

  assert.deepEqual(errors, [], 'console errors');
  assert.deepEqual(offsite, [], 'requests that left the served site');

  console.log(JSON.stringify({
    ready_ms: Math.round(readyMs),
    first_result_ms: Math.round(firstResultMs),
    race_lost_updates: { quiet: quiet.lost, one_core_busy: loaded.lost },
    workers: [...workers],
    checkpoints,
    pages: { ...pagesPairs, ...pages },
  }, null, 1));
} finally {
  clearTimeout(watchdog);
  busy?.kill();
  await browser.close();
}
