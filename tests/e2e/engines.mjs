// End-to-end in the other engines: the served book in Debian's Firefox ESR (geckodriver) and in
// WebKitGTK's MiniBrowser (WebKitWebDriver), driven through WebDriver by selenium-webdriver.
// Checks in each engine: isolation and SharedArrayBuffer, the pool starts, the unlocked race
// loses updates and the locked total is exact, every chapter's demos run to a correct result
// (the Event's set() and Stop on a deadlock included), the drawing equals the library's
// snapshot at the deadlock, and the page reports no error (the page keeps its own list,
// `window.concurrencyErrors`: WebKitGTK's driver cannot read the console). Screenshots go to
// SCREENSHOT_DIR as <engine>-*.png; timings are printed.
//
// Run by `cargo xtask test` under `xvfb-run` (WebKitGTK needs a display), with BOOK_URL, the
// drivers' paths (GECKODRIVER, WEBKIT_DRIVER) and JSC_useSharedArrayBuffer=1 (WebKitGTK only
// turns SharedArrayBuffer on with it; Safari on macOS does by itself).
import { Builder } from 'selenium-webdriver';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import assert from 'node:assert/strict';

const base = process.env.BOOK_URL ?? 'http://127.0.0.1:3000/';
const shots = process.env.SCREENSHOT_DIR ?? '../../target/e2e';
const LIMIT = 60_000;
mkdirSync(shots, { recursive: true });

const engines = {
  firefox: {
    driver: process.env.GECKODRIVER ?? 'geckodriver',
    args: (port) => ['--port', String(port)],
    caps: {
      browserName: 'firefox',
      'moz:firefoxOptions': { binary: '/usr/bin/firefox-esr', args: ['-headless'] },
    },
  },
  webkit: {
    driver: process.env.WEBKIT_DRIVER ?? '/usr/bin/WebKitWebDriver',
    args: (port) => [`--port=${port}`],
    caps: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': {
        binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
        args: ['--automation'],
      },
    },
  },
};

const freePort = () => new Promise((resolve, reject) => {
  const s = createServer();
  s.once('error', reject);
  s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
});

/** Starts the engine's WebDriver on a free port and a session on it; runs `body(driver)`. */
async function withEngine(name, body) {
  const engine = engines[name];
  const port = await freePort();
  const service = spawn(engine.driver, engine.args(port), {
    stdio: 'ignore', env: { ...process.env, JSC_useSharedArrayBuffer: '1' },
  });
  try {
    const url = `http://127.0.0.1:${port}`;
    const start = Date.now();
    for (;;) {
      try {
        const status = await (await fetch(`${url}/status`)).json();
        if (status.value?.ready !== false) break;
      } catch { /* not listening yet */ }
      assert.ok(Date.now() - start < LIMIT, `${name}: its WebDriver never came up`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const driver = await new Builder().usingServer(url).withCapabilities(engine.caps).build();
    try {
      await driver.manage().setTimeouts({ script: LIMIT, pageLoad: LIMIT });
      return await body(driver);
    } finally {
      await driver.quit().catch(() => {});
    }
  } finally {
    service.kill();
  }
}

/** The checks, the same in every engine; returns what it measured. */
async function checkEngine(name, driver) {
  const js = (fn, ...args) => driver.executeScript(`return (${fn})(...arguments)`, ...args);
  const until = async (what, fn, ...args) => {
    const start = Date.now();
    for (;;) {
      const v = await js(fn, ...args);
      if (v) return v;
      assert.ok(Date.now() - start < LIMIT, `${name}: never ${what}`);
      await driver.sleep(50);
    }
  };
  const errors = [];
  const open = (file) => driver.get(new URL(file, base).href);
  const ready = async (root) => {
    const state = await until(`${root} ready`, (r) => {
      const d = window.concurrencyDemos?.[r];
      return d && (d.ready || d.error) ? { error: d.error, readyMs: d.readyMs } : null;
    }, root);
    assert.equal(state.error, null, `${name}: ${root} failed to start: ${state.error}`);
    return state.readyMs;
  };
  const runs = (root) => js((r) => window.concurrencyDemos[r].runs.length, root);
  const press = (root, attr, id) => js((r, a, i) => document.querySelector(`[data-demo="${r}"] [data-${a}="${i}"]`).click(), root, attr, id);
  const finished = async (root, before) => {
    await until(`${root} finished`, (r, n) => window.concurrencyDemos[r].runs.length > n, root, before);
    return js((r) => JSON.parse(JSON.stringify(window.concurrencyDemos[r].runs.at(-1))), root);
  };
  const run = async (root, id, during) => {
    const before = await runs(root);
    await press(root, 'run', id);
    if (during) await during();
    const r = await finished(root, before);
    assert.equal(r.result.error, undefined, `${name}: ${root}/${id}: ${r.result.error}`);
    return r;
  };
  const pageErrors = async () => errors.push(...await js(() => self.concurrencyErrors ?? []));

  await open('threads-and-locks.html');
  assert.equal(await js(() => self.crossOriginIsolated), true, `${name}: crossOriginIsolated`);
  assert.equal(await js(() => typeof SharedArrayBuffer), 'function', `${name}: SharedArrayBuffer`);
  const readyMs = await ready('counter-demo');
  const lost = [];
  for (let i = 0; i < 5; i++) {
    const r = await run('counter-demo', 'unlocked');
    lost.push(r.result.expected - r.result.total);
  }
  const firstResultMs = await js(() => window.concurrencyDemos['counter-demo'].runs[0].finishedAt);
  assert.ok(lost.filter((n) => n > 0).length >= 3, `${name}: the race lost updates in too few runs: ${lost}`);
  const locked = await run('counter-demo', 'locked');
  assert.equal(locked.result.total, locked.result.expected, `${name}: the locked total is exact`);
  await js(() => document.getElementById('counter-demo').scrollIntoView());
  writeFileSync(`${shots}/${name}-threads-and-locks.png`, await driver.takeScreenshot(), 'base64');
  await pageErrors();

  const results = {};
  const chapter = async (file, demos) => {
    await open(file);
    for (const [root, id, check, during] of demos) {
      await ready(root);
      const r = await run(root, id, during);
      check(r.result);
      results[`${root}/${id}`] = r.result;
    }
    await pageErrors();
  };
  await chapter('rlock.html', [
    ['rlock-demo', 'run', (r) => assert.equal(r.balance, r.expected)],
    ['rlock-owner-demo', 'run', (r) => assert.ok(r.still_locked && r.free_after, JSON.stringify(r))],
  ]);
  await chapter('semaphores.html', [
    ['semaphore-demo', 'run', (r) => assert.ok(r.most >= 1 && r.most <= r.permits, JSON.stringify(r))],
    ['bounded-demo', 'run', (r) => assert.equal(r.value, 2)],
  ]);
  await chapter('event.html', [
    ['event-demo', 'run', (r) => assert.equal(r.saw, r.runners), async () => {
      await until('all runners waiting', () => window.concurrencyDemos['event-demo'].view()
        .lanes.filter((l) => l.name.startsWith('runner-') && l.state === 'blocked').length === 4);
      await press('event-demo', 'action', 'set');
    }],
  ]);
  await chapter('condition.html', [['condition-demo', 'run', (r) => assert.equal(r.consumed, r.expected)]]);
  await chapter('barrier.html', [
    ['barrier-demo', 'run', (r) => assert.equal(r.trips, r.rounds)],
    ['barrier-broken-demo', 'run', (r) => assert.ok(r.outcomes.some((o) => o !== 'passed'), JSON.stringify(r))],
  ]);
  await chapter('queues.html', [
    ['queue-demo', 'run', (r) => assert.equal(r.used, r.expected)],
    ['orders-demo', 'run', (r) => assert.deepEqual(r.priority, [1, 2, 3, 4, 5])],
  ]);

  // The deadlock: reached, drawn as the library sees it, then stopped by the reader.
  await open('deadlock.html');
  await ready('deadlock-demo');
  const before = await runs('deadlock-demo');
  await press('deadlock-demo', 'run', 'opposite');
  await until('deadlocked', () => {
    const v = window.concurrencyDemos['deadlock-demo'].view();
    return ['transfer-0', 'transfer-1'].every((n) => v.lanes.find((l) => l.name === n)?.state === 'blocked');
  });
  let compared;
  for (let i = 0; i < 10; i++) {
    compared = await js(() => window.concurrencyDemos['deadlock-demo'].checkpoint());
    if (!compared.mismatches.length) break;
    await driver.sleep(30);
  }
  assert.deepEqual(compared.mismatches, [], `${name}: the drawing differs from the snapshot at the deadlock`);
  await js(() => document.getElementById('deadlock-demo').scrollIntoView());
  writeFileSync(`${shots}/${name}-deadlock.png`, await driver.takeScreenshot(), 'base64');
  await press('deadlock-demo', 'action', 'stop');
  const stopped = await finished('deadlock-demo', before);
  assert.equal(stopped.result.stopped, true);
  const ordered = await run('deadlock-demo', 'ordered');
  assert.deepEqual(ordered.result.outcomes, ['done', 'done']);
  await pageErrors();

  assert.deepEqual(errors, [], `${name}: errors the page reported`);
  return {
    ready_ms: Math.round(readyMs), first_result_ms: Math.round(firstResultMs), race_lost_updates: lost,
    deadlock_checkpoint: { lanes: compared.lanes, objects: compared.objects },
    screenshots: [`${shots}/${name}-threads-and-locks.png`, `${shots}/${name}-deadlock.png`],
  };
}

const only = process.argv.slice(2);
const report = {};
const watchdog = setTimeout(() => { console.error('engines e2e: timed out'); process.exit(1); }, 10 * LIMIT);
try {
  for (const name of only.length ? only : Object.keys(engines)) {
    report[name] = await withEngine(name, (driver) => checkEngine(name, driver));
  }
} finally {
  clearTimeout(watchdog);
}
console.log(JSON.stringify(report, null, 1));
