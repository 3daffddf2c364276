// A live demo: controls, a run button per variant, the timeline of threads, a panel per
// primitive, the wait-for cycles (if asked), and a table of results. Each chapter's script
// only describes its program (see counter-demo.js); this file does the rest.
//
// The program runs on pooled workers (book/programs/src/demo.rs, web.rs). The page starts it, then on every
// animation frame drains the trace ring, updates the model and redraws. It never blocks.
import { startRuntime } from './runtime.js';
import { TraceModel, ObjectKind, WaitReason, RUNNING, HOLDING, BLOCKED } from './trace-model.js';
import { drawTimeline, COLORS } from './timeline.js';

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v;
    else if (v !== false && v !== undefined) e.setAttribute(k, v === true ? '' : v);
  }
  e.append(...children);
  return e;
}

/**
 * cfg = {
 *   root: element id,
 *   controls: [{ id, label, options: [numbers], value }],
 *   runs: [{ id, label, program, args: (values) => [numbers] }],
 *   actions: [{ id, label, whileRunning: (ctx) => void }]   // buttons usable during a run
 *   columns: [header...], row: (result, run) => [cells], summary: (result, run) => text,
 *   deadlocks: bool,                                        // poll and draw wait-for cycles
 *   capacity: (values) => number,                           // a queue's maxsize, for its bar
 * }
 * Returns the demo's state, also at window.concurrencyDemos[root].
 */
export function mountDemo(cfg) {
  const root = document.getElementById(cfg.root);
  const state = { ready: false, error: null, runs: [], readyMs: null, current: null };
  (window.concurrencyDemos ??= {})[cfg.root] = state;
  if (!root) return state;

  const controls = (cfg.controls ?? []).map((c) => {
    const select = el('select', { id: `${cfg.root}-${c.id}` },
      ...c.options.map((n) => el('option', { value: n }, n.toLocaleString('en'))));
    select.value = String(c.value);
    return { ...c, select };
  });
  const runButtons = cfg.runs.map((r) => ({ ...r, button: el('button', { id: `${cfg.root}-${r.id}`, disabled: true }, r.label) }));
  const actionButtons = (cfg.actions ?? []).map((a) => ({ ...a, button: el('button', { id: `${cfg.root}-${a.id}`, disabled: true }, a.label) }));
  const status = el('p', { class: 'demo-status' }, 'Starting the workers…');
  const canvas = el('canvas', { class: 'demo-timeline' });
  const legend = el('p', { class: 'demo-legend' },
    ...[[RUNNING, 'running'], [HOLDING, 'holding a lock'], [BLOCKED, 'blocked (waiting)']]
      .map(([s, text]) => el('span', {}, el('i', { style: `background:${COLORS[s]}` }), text)));
  const objects = el('div', { class: 'demo-objects' });
  const cycles = el('div', { class: 'demo-cycles' });
  const results = el('table', { class: 'demo-results' },
    el('tr', {}, ...['run', ...cfg.columns, 'time'].map((h) => el('th', {}, h))));
  root.replaceChildren(
    el('div', { class: 'demo-controls' },
      ...controls.map((c) => el('label', {}, `${c.label} `, c.select)),
      ...runButtons.map((r) => r.button), ...actionButtons.map((a) => a.button)),
    status, canvas, legend, objects, cycles, results);

  const setIdle = (idle) => {
    for (const r of runButtons) r.button.disabled = !idle;
    for (const a of actionButtons) a.button.disabled = idle;
  };

  startRuntime().then(({ wasm, workers, readyAt }) => {
    state.ready = true;
    state.readyMs = readyAt;
    status.textContent = `${workers} workers ready.`;
    setIdle(true);
    const model = new TraceModel((id) => wasm.trace_label(id));
    let lastCyclePoll = 0;

    const frame = (now) => {
      const batch = wasm.trace_drain();
      const run = state.current;
      if (run) {
        model.apply(batch);
        model.flush();
        let highlight = new Set();
        if (cfg.deadlocks && now - lastCyclePoll > 50) {
          lastCyclePoll = now;
          const found = JSON.parse(wasm.inspect_deadlocks());
          if (found.length) run.cycles = found;
          showCycles(cycles, found);
        }
        for (const c of run.cycles ?? []) for (const n of c) highlight.add(n);
        drawTimeline(canvas, model, highlight);
        showObjects(objects, model, state.current);
        const json = wasm.demo_result(run.id);
        if (json) {
          // Everything the program's threads reported happened before its result was stored:
          // one more drain completes the picture.
          model.apply(wasm.trace_drain());
          model.flush();
          drawTimeline(canvas, model, highlight);
          showObjects(objects, model, run);
          finish(JSON.parse(json));
        }
      }
      requestAnimationFrame(frame);
    };

    const start = (r) => {
      model.reset();
      const values = Object.fromEntries(controls.map((c) => [c.id, Number(c.select.value)]));
      let id;
      try {
        id = wasm.demo_start(r.program, new Float64Array(r.args(values)));
      } catch (e) {
        status.textContent = `Could not start: ${e.message || e}`;
        return;
      }
      state.current = {
        id, variant: r.id, values, startedAt: performance.now(), cycles: null, wasm,
        capacity: cfg.capacity ? cfg.capacity(values) : 0,
      };
      cycles.replaceChildren();
      setIdle(false);
      status.textContent = `Running: ${r.label.toLowerCase()}…`;
    };

    const finish = (result) => {
      const run = state.current;
      state.current = null;
      delete run.wasm;
      Object.assign(run, {
        result, finishedAt: performance.now(), dropped: wasm.trace_dropped(),
        lanes: [...model.lanes.values()].map(({ id, name, worker, start, end, panicked }) =>
          ({ id, name, worker, start, end, panicked })),
      });
      state.runs.push(run);
      setIdle(true);
      if (result.error) {
        status.textContent = `The program failed: ${result.error}`;
        return;
      }
      status.textContent = cfg.summary(result, run);
      results.append(el('tr', {},
        el('td', {}, runButtons.find((r) => r.id === run.variant)?.label ?? run.variant),
        ...cfg.row(result, run).map((cell) => el('td', {}, String(cell))),
        el('td', {}, `${result.elapsed_ms.toFixed(1)} ms`)));
    };

    for (const r of runButtons) r.button.addEventListener('click', () => start(r));
    for (const a of actionButtons) {
      a.button.addEventListener('click', () => state.current && a.whileRunning(state.current));
    }
    requestAnimationFrame(frame);
  }).catch((e) => {
    state.error = String(e.message || e);
    status.textContent = state.error;
    status.classList.add('demo-error');
  });
  return state;
}

function showObjects(panel, model, run) {
  const name = (id) => model.lanes.get(id)?.name ?? `thread ${id}`;
  const shown = [...model.objects.values()].filter((o) => o.kind !== null && o.kind !== ObjectKind.Thread);
  panel.replaceChildren(...shown.map((o) => {
    const waiting = o.waiters.size ? [...o.waiters].map(name).join(', ') : 'nobody';
    let what;
    switch (o.kind) {
      case ObjectKind.Lock:
        what = o.owner === null ? 'free' : `held by ${name(o.owner)}`;
        break;
      case ObjectKind.RLock:
        what = o.owner === null ? 'free' : `owned by ${name(o.owner)}, count ${o.value}`;
        break;
      case ObjectKind.Semaphore:
      case ObjectKind.BoundedSemaphore:
        what = `${o.value} permit${o.value === 1 ? '' : 's'} free ${'●'.repeat(Math.min(o.value, 16))}`;
        break;
      case ObjectKind.Event:
        what = o.value ? 'set' : 'not set';
        break;
      case ObjectKind.Condition:
        what = `wait set: ${o.waiters.size} · ${o.notified} notified so far`;
        break;
      case ObjectKind.Barrier:
        what = `${o.value} arrived`;
        break;
      case ObjectKind.Queue: {
        const cap = run?.capacity || 0;
        const bar = cap ? ` ${'■'.repeat(Math.min(o.value, cap))}${'□'.repeat(Math.max(0, cap - o.value))}` : '';
        const by = (reason) => [...o.reasons].filter(([, r]) => r === reason).map(([t]) => name(t)).join(', ') || 'nobody';
        return el('span', { class: 'demo-object' }, el('b', {}, model.objectName(o)),
          `: ${o.value} item${o.value === 1 ? '' : 's'}${cap ? ` of ${cap}` : ''}${bar} · unfinished tasks: ${o.tasks}`,
          el('br'), `waiting for an item: ${by(WaitReason.Item)} · for room: ${by(WaitReason.Room)} · in join(): ${by(WaitReason.Tasks)}`);
      }
      default:
        what = '';
    }
    return el('span', { class: 'demo-object' }, el('b', {}, model.objectName(o)), `: ${what} · waiting: ${waiting}`);
  }));
}

function showCycles(panel, found) {
  if (!found.length) return;
  // [t0, o0, t1, o1, ...]: "t0 waits for o0, held by t1, which waits for o1, held by t0."
  const sentence = (cycle) => {
    const steps = [];
    for (let i = 0; i + 1 < cycle.length; i += 2) {
      const holder = cycle[(i + 2) % cycle.length];
      steps.push(`${i ? 'which ' : ''}waits for ${cycle[i + 1]}, held by ${holder}`);
    }
    return `${cycle[0]} ${steps.join(', ')}.`;
  };
  panel.replaceChildren(...found.map((cycle) => el('p', { class: 'demo-cycle' },
    el('b', {}, 'Deadlock: '), sentence(cycle))));
}
