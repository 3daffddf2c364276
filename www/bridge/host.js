// The JavaScript side of the wasm backend, imported by the Rust crate
// (src/sys/wasm/host.rs). Runs in every agent that instantiates the module: the page (or a
// test runner's worker) and each pooled worker. Nothing here blocks.

// The coordinator worker, in the agent that started the pool.
let coordinator = null;
let ready = null;

/** How long the pool may take to start, counting only time this agent was running. */
const START_LIMIT_MS = 10_000;
const TICK_MS = 250;

export function is_worker() {
  return typeof WorkerGlobalScope !== 'undefined' && self instanceof WorkerGlobalScope;
}

export function now_ms() {
  return performance.timeOrigin + performance.now();
}

export function console_error(text) {
  console.error(text);
}

// One more pooled worker, please. From the agent that started the pool this goes straight to
// the coordinator; from a pooled worker it goes to the worker's parent, which is the
// coordinator too. postMessage is delivered even if the sender then parks in Atomics.wait.
export function request_worker() {
  const message = { type: 'grow' };
  if (coordinator) coordinator.postMessage(message);
  else self.postMessage(message);
}

// Resolves to `count` once that many pooled workers are ready. Rejects, and calls
// `onFail(message)` (which tells the pool in wasm), if a worker cannot start or the pool is not
// ready within START_LIMIT_MS: a page must be able to say so instead of waiting for ever.
// Without `onFail` the pool was already started, by another agent (this is one of its
// threads): there is nothing to start or wait for here.
export function start_coordinator(glueUrl, coordinatorUrl, workerUrl, module, memory, count, onFail) {
  if (ready) return ready;
  if (typeof onFail !== 'function') return Promise.resolve(count);
  ready = new Promise((resolve, reject) => {
    let heard = false;
    let created = 0;
    let up = 0;
    let settled = false;
    // Time is counted in ticks of this agent's own timer, not by the wall clock: a browser may
    // suspend a page, its timers and its workers (Firefox does while its print dialog is open,
    // which mdBook's print page opens at load), and a pool that carries on afterwards was
    // never stuck. A late tick counts for at most a second.
    let active = 0;
    let last = performance.now();
    const settle = (error) => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      if (!error) return resolve(count);
      console.error(`worker pool: ${error}`);
      onFail(error);
      reject(new Error(error));
    };
    const timer = setInterval(() => {
      const now = performance.now();
      active += Math.min(now - last, 1000);
      last = now;
      if (active < START_LIMIT_MS) return;
      const seconds = START_LIMIT_MS / 1000;
      settle(heard
        ? `the worker pool did not start within ${seconds} s: ${up} of ${count} workers came up ` +
          `(${created} created; the others never reported ready)`
        : `the worker pool did not start within ${seconds} s: its coordinator worker never ` +
          `started (0 of ${count} workers came up)`);
    }, TICK_MS);
    try {
      coordinator = new Worker(coordinatorUrl, { type: 'module', name: 'concurrency-coordinator' });
    } catch (err) {
      settle(`the coordinator worker could not be created: ${err?.message ?? err} ` +
        `(0 of ${count} workers came up)`);
      return;
    }
    coordinator.onmessage = (e) => {
      const m = e.data;
      if (m.type === 'progress') {
        heard = true;
        created = m.created;
        up = m.ready;
      } else if (m.type === 'ready') settle(null);
      else if (m.type === 'crashed') console.error(`a worker died: ${m.message}`);
      else if (m.type === 'error') {
        if (settled) console.error(`worker pool: ${m.message}`);
        else settle(`${m.message} (${up} of ${count} workers came up)`);
      }
    };
    coordinator.onerror = (e) => {
      e.preventDefault();
      settle(`the coordinator worker failed: ${e.message || 'it could not start'} ` +
        `(${up} of ${count} workers came up)`);
    };
    coordinator.postMessage({ type: 'init', glueUrl, workerUrl, module, memory, count });
  });
  return ready;
}
