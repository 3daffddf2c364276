// The live demo of "Threads and locks": N threads add 1 to a shared counter, without and with
// a Lock. The program runs on pooled workers (src/web/demo.rs -> src/book/counter.rs); this
// page only starts it, drains the trace each frame and draws it.
import { startRuntime } from './runtime.js';
import { TraceModel } from './trace-model.js';
import { drawTimeline, COLORS } from './timeline.js';
import { RUNNING, HOLDING, BLOCKED } from './trace-model.js';

const root = document.getElementById('counter-demo');
// What the end-to-end test (tests/e2e/book.mjs) and curious readers can inspect.
const state = (window.concurrencyDemo = { ready: false, error: null, runs: [], readyMs: null });

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function ui() {
  const threads = el('select', { id: 'demo-threads' },
    ...[1, 2, 3, 4, 5, 6, 7, 8].map((n) => el('option', { value: n }, String(n))));
  threads.value = '4';
  const iterations = el('select', { id: 'demo-iterations' },
    ...[10_000, 100_000, 1_000_000].map((n) => el('option', { value: n }, n.toLocaleString('en'))));
  iterations.value = '100000';
  const unlocked = el('button', { id: 'run-unlocked', disabled: '' }, 'Run without lock');
  const locked = el('button', { id: 'run-locked', disabled: '' }, 'Run with the Lock');
  const status = el('p', { class: 'demo-status', id: 'demo-status' }, 'Starting the workers…');
  const canvas = el('canvas', { class: 'demo-timeline', id: 'demo-timeline' });
  const legend = el('p', { class: 'demo-legend' },
    ...[[RUNNING, 'running'], [HOLDING, 'holding the lock'], [BLOCKED, 'blocked (waiting)']]
      .map(([s, text]) => el('span', {}, el('i', { style: `background:${COLORS[s]}` }), text)));
  const lockPanel = el('p', { class: 'demo-lock', id: 'demo-lock' }, '');
  const results = el('table', { class: 'demo-results', id: 'demo-results' },
    el('tr', {}, ...['run', 'threads', 'total', 'expected', 'lost updates', 'time'].map((h) => el('th', {}, h))));
  root.replaceChildren(
    el('div', { class: 'demo-controls' },
      el('label', {}, 'Threads ', threads), el('label', {}, 'Increments per thread ', iterations),
      unlocked, locked),
    status, canvas, legend, lockPanel, results);
  return { threads, iterations, unlocked, locked, status, canvas, lockPanel, results };
}

async function main() {
  const view = ui();
  let runtime;
  try {
    runtime = await startRuntime();
  } catch (e) {
    state.error = String(e.message || e);
    view.status.textContent = state.error;
    view.status.classList.add('demo-error');
    return;
  }
  const { wasm, workers } = runtime;
  state.ready = true;
  state.readyMs = runtime.readyAt;
  view.status.textContent = `${workers} workers ready. Pick a number of threads and run.`;
  view.unlocked.disabled = view.locked.disabled = false;

  const model = new TraceModel((id) => wasm.trace_label(id));
  let current = null;

  function frame() {
    const batch = wasm.trace_drain();
    if (current) {
      model.apply(batch);
      model.flush();
      drawTimeline(view.canvas, model);
      showLock(view.lockPanel, model);
      const json = wasm.counter_demo_result(current.id);
      if (json) finish(JSON.parse(json));
    }
    requestAnimationFrame(frame);
  }

  function start(locked) {
    model.reset();
    const threads = Number(view.threads.value), iterations = Number(view.iterations.value);
    let id;
    try {
      id = wasm.counter_demo_start(threads, iterations, locked);
    } catch (e) {
      view.status.textContent = `Could not start: ${e.message || e}`;
      return;
    }
    current = { id, locked, threads, iterations, startedAt: performance.now() };
    view.unlocked.disabled = view.locked.disabled = true;
    view.status.textContent = `Running ${threads} thread${threads > 1 ? 's' : ''} ${locked ? 'with' : 'without'} the lock…`;
  }

  function finish(result) {
    const run = { ...current, result, finishedAt: performance.now(), dropped: wasm.trace_dropped(),
      lanes: [...model.lanes.values()].map(({ id, name, worker, start, end, panicked }) =>
        ({ id, name, worker, start, end, panicked })) };
    state.runs.push(run);
    current = null;
    view.unlocked.disabled = view.locked.disabled = false;
    if (result.error) {
      view.status.textContent = `The program failed: ${result.error}`;
      return;
    }
    const lost = result.expected - result.total;
    view.status.textContent = lost === 0
      ? `Total ${result.total.toLocaleString('en')}: exact.`
      : `Total ${result.total.toLocaleString('en')} instead of ${result.expected.toLocaleString('en')}: ${lost.toLocaleString('en')} updates were lost.`;
    view.results.append(el('tr', { class: lost ? 'demo-wrong' : 'demo-exact' },
      el('td', {}, run.locked ? 'with lock' : 'no lock'),
      el('td', {}, String(run.threads)),
      el('td', {}, result.total.toLocaleString('en')),
      el('td', {}, result.expected.toLocaleString('en')),
      el('td', {}, lost.toLocaleString('en')),
      el('td', {}, `${result.elapsed_ms.toFixed(1)} ms`)));
  }

  view.unlocked.addEventListener('click', () => start(false));
  view.locked.addEventListener('click', () => start(true));
  requestAnimationFrame(frame);
}

function showLock(panel, model) {
  const lanes = model.lanes;
  // Objects that were acquired (locks); threads that others joined are lanes, not objects.
  const locks = [...model.objects.values()].filter((o) => o.acquisitions > 0 && !lanes.has(o.id));
  const name = (id) => lanes.get(id)?.name ?? `thread ${id}`;
  panel.replaceChildren(...locks.map((o) => {
    const owner = o.owner === null ? 'free' : `held by ${name(o.owner)}`;
    const waiting = o.waiters.size ? [...o.waiters].map(name).join(', ') : 'nobody';
    return el('span', {},
      el('b', {}, o.name), `: ${owner} · waiting: ${waiting} · `,
      `${o.acquisitions.toLocaleString('en')} acquisitions, ${o.waits.toLocaleString('en')} had to wait`);
  }));
}

main();
