// A live demo: controls, a run button per variant, the timeline of threads, a panel per
// primitive, the wait-for cycles (if asked), and a table of results. Each chapter's script
// only describes its program (see counter-demo.js); this file does the rest.
//
// The program runs on pooled workers (book/programs/src/demo.rs, web.rs). The page starts it;
// the page's one event hub (events.js) hands this run's events to its own model each animation
// frame, and the demo redraws. It never blocks.
import { startRuntime } from './runtime.js';
import { TraceModel, ObjectKind, WaitReason, RUNNING, HOLDING, BLOCKED } from './trace-model.js';
import { drawTimeline, COLORS } from './timeline.js';
import { pageHub, onFrame } from './events.js';
import { compareWithSnapshot, laneView, objectView } from './checkpoint.js';

/** Now, on the trace's clock (host.js `now_ms`). */
const traceNow = () => performance.timeOrigin + performance.now();

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
  const runButtons = cfg.runs.map((r) => ({ ...r, button: el('button', { id: `${cfg.root}-${r.id}`, 'data-run': r.id, disabled: true }, r.label) }));
  // Stop is every demo's last action: see `stop` below for what it can and cannot do.
  const actions = [...(cfg.actions ?? []), { id: 'stop', label: 'Stop', whileRunning: (run) => stop(run) }];
  const actionButtons = actions.map((a) => ({ ...a, button: el('button', { id: `${cfg.root}-${a.id}`, 'data-action': a.id, disabled: true }, a.label) }));
  const status = el('p', { class: 'demo-status' }, 'Starting the workers…');
  const warning = el('p', { class: 'demo-warning', hidden: true });
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
    status, warning, canvas, legend, objects, cycles, results);
  root.dataset.demo = cfg.root;

  const setIdle = (idle) => {
    for (const r of runButtons) r.button.disabled = !idle;
    for (const a of actionButtons) a.button.disabled = idle;
  };

  let stop = () => {};

  startRuntime().then(({ wasm, workers, readyAt }) => {
    state.ready = true;
    state.readyMs = readyAt;
    status.textContent = `${workers} workers ready.`;
    setIdle(true);
    const hub = pageHub(wasm);
    const newModel = () => new TraceModel((id) => wasm.trace_label(id), (id) => hub.kindOf(id));
    let model = newModel();
    let route = null; // the hub's route of the run drawn now
    let lastCyclePoll = 0;

    const draw = (run) => {
      model.flush(run && !run.finishedAt ? traceNow() : null);
      const highlight = new Set();
      for (const c of run?.cycles ?? []) for (const n of c.names) highlight.add(n);
      drawTimeline(canvas, model, highlight);
      showObjects(objects, model, run);
      if (route?.lost) {
        warning.hidden = false;
        warning.textContent = `The trace buffer overflowed: ${route.lost.toLocaleString('en')} events were lost, so ` +
          'the drawing is incomplete (the result below is still exact).';
      }
    };

    onFrame((now) => {
      const run = state.current;
      if (!run) return;
      if (cfg.deadlocks && now - lastCyclePoll > 50) {
        lastCyclePoll = now;
        const found = JSON.parse(wasm.inspect_deadlocks());
        if (found.length) run.cycles = found;
        showCycles(cycles, found);
      }
      draw(run);
      const json = wasm.demo_result(run.id);
      if (json) {
        // Everything the program's threads reported happened before its result was stored:
        // one more pump completes the picture.
        hub.pump();
        finish(JSON.parse(json));
      }
    });

    const start = (r) => {
      const values = Object.fromEntries(controls.map((c) => [c.id, Number(c.select.value)]));
      let started;
      try {
        started = JSON.parse(wasm.demo_start(r.program, new Float64Array(r.args(values))));
      } catch (e) {
        status.textContent = `Could not start: ${e.message || e}`;
        return;
      }
      if (route) hub.untrack(route);
      model = newModel();
      route = hub.track(started.thread, model);
      warning.hidden = true;
      state.current = {
        id: started.run, thread: started.thread, variant: r.id, values, startedAt: performance.now(),
        cycles: null, wasm, capacity: cfg.capacity ? cfg.capacity(values) : 0,
      };
      cycles.replaceChildren();
      setIdle(false);
      status.textContent = `Running: ${r.label.toLowerCase()}…`;
    };

    // Stop asks the program to stop (`demo_stop`: its loops check a flag, and a queue is shut
    // down, an Event set, a Barrier aborted) and stops waiting for it. A thread cannot be
    // killed, in Python neither: threads blocked for good (a deadlock) stay blocked until their
    // own timeouts, and the drawing keeps showing them so.
    stop = (run) => {
      wasm.demo_stop?.(run.id);
      finish({ stopped: true, elapsed_ms: performance.now() - run.startedAt });
    };

    const finish = (result) => {
      const run = state.current;
      state.current = null;
      delete run.wasm;
      draw(null);
      Object.assign(run, {
        result, finishedAt: performance.now(), dropped: route?.lost ?? 0,
        lanes: [...model.lanes.values()].map(({ id, name, worker, start, end, panicked }) =>
          ({ id, name, worker, start, end, panicked })),
      });
      state.runs.push(run);
      setIdle(true);
      if (result.stopped) {
        const stuck = [...model.lanes.values()].filter((l) => l.state === BLOCKED).length;
        status.textContent = stuck
          ? `Stopped. ${stuck} thread${stuck === 1 ? ' is' : 's are'} still blocked: a thread cannot be killed from outside, so ${stuck === 1 ? 'it goes' : 'they go'} on only when what ${stuck === 1 ? 'it waits' : 'they wait'} for comes, or ${stuck === 1 ? 'its' : 'their'} own timeout runs out.`
          : 'Stopped.';
        return;
      }
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

    // For the end-to-end test: what is drawn now against the library's own snapshot, taken in
    // the same JavaScript task right after routing every pending event.
    state.checkpoint = () => {
      hub.pump();
      model.flush(traceNow());
      return compareWithSnapshot(model, JSON.parse(wasm.inspect_snapshot()));
    };
    state.view = () => ({ lanes: [...model.lanes.values()].map(laneView), objects: [...model.objects.values()].map(objectView) });

    for (const r of runButtons) r.button.addEventListener('click', () => start(r));
    for (const a of actionButtons) {
      a.button.addEventListener('click', () => state.current && a.whileRunning(state.current));
    }
  }).catch((e) => {
    state.error = String(e.message || e);
    status.textContent = state.error;
    status.classList.add('demo-error');
  });
  return state;
}

function showObjects(panel, model, run) {
  const name = (id) => model.lanes.get(id)?.name ?? `thread ${id}`;
  const objectName = (id) => { const o = model.objects.get(id); return o ? model.objectName(o) : `object ${id}`; };
  const now = [...model.lanes.values()].filter((l) => l.state !== null).map((l) =>
    l.state === BLOCKED ? `${l.name}: blocked on ${objectName(l.blockedOn)}`
      : l.state === HOLDING ? `${l.name}: holding ${[...l.held].map(objectName).join(', ')}` : `${l.name}: running`);
  const threadsLine = el('span', { class: 'demo-object demo-threads' }, now.length ? `Now: ${now.join(' · ')}` : '');
  const shown = [...model.objects.values()].filter((o) => o.kind !== null && o.kind !== ObjectKind.Thread);
  panel.replaceChildren(threadsLine, ...shown.map((o) => {
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
  // names = [t0, o0, t1, o1, ...]: "t0 waits for o0, held by t1, which waits for o1, held by t0."
  const sentence = (cycle) => {
    const steps = [];
    for (let i = 0; i + 1 < cycle.length; i += 2) {
      const holder = cycle[(i + 2) % cycle.length];
      steps.push(`${i ? 'which ' : ''}waits for ${cycle[i + 1]}, held by ${holder}`);
    }
    return `${cycle[0]} ${steps.join(', ')}.`;
  };
  panel.replaceChildren(...found.map((c) => el('p', { class: 'demo-cycle' },
    el('b', {}, c.certain ? 'Deadlock: ' : 'Suspected deadlock: '), sentence(c.names),
    c.certain ? '' : ' (a wait with a timeout, or a plain Lock another thread could release, may still end it)')));
}
