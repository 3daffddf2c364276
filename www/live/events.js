// The page's one reader of the trace ring. Every demo on a page used to drain the ring itself
// and dropped what it did not want, so two demos on one page stole each other's events. Now
// one hub drains the ring once per animation frame (or when a caller asks, see `pump`) and
// hands every event to the run it belongs to; no event a tracked run needs is dropped.
//
// Which run an event belongs to: a run starts as one program thread (its id comes back from
// `demo_start`). A thread belongs to the run of the thread that started it (`ObjectNew` of kind
// Thread, reported by the starter), a primitive to the run of the thread that made it, and an
// event to the run of its thread, or else to the run of its object (the page's own Set button
// acts on a run's Event from the main thread: the object's run gets it, but no lane is drawn
// for the page). Events of no tracked run are not drawn anywhere.
//
// If the ring overflows (it drops new events when full and counts them), every run tracked at
// that moment is told how many events were lost, and its demo says so instead of drawing a
// state it cannot know.
import { Kind, ObjectKind } from './trace-model.js';

const FIELDS = 5; // time (ms), kind, thread, object, arg

export class EventHub {
  constructor(wasm) {
    this.wasm = wasm;
    this.runs = new Set();          // tracked runs: { threads:Set, objects:Set, model, lost }
    this.owner = new Map();         // thread or object id -> run
    this.kinds = new Map();         // object id -> ObjectKind, for every object ever made
    this.dropped = wasm.trace_dropped();
    this.events = 0;
  }

  /** Starts routing the events of the run whose program thread is `thread` into `model`. */
  track(thread, model) {
    const run = { threads: new Set([thread]), objects: new Set(), model, lost: 0, hub: this };
    this.owner.set(thread, run);
    this.runs.add(run);
    return run;
  }

  /** Stops routing to `run` (its leftover events then belong to nobody). */
  untrack(run) {
    this.runs.delete(run);
    for (const id of [...run.threads, ...run.objects]) {
      if (this.owner.get(id) === run) this.owner.delete(id);
    }
  }

  /** Drains the ring now and routes every event; returns how many there were. */
  pump() {
    const flat = this.wasm.trace_drain();
    for (let i = 0; i + FIELDS <= flat.length; i += FIELDS) {
      this.route(flat[i], flat[i + 1], flat[i + 2], flat[i + 3], flat[i + 4]);
    }
    const dropped = this.wasm.trace_dropped();
    if (dropped > this.dropped) {
      for (const run of this.runs) run.lost += dropped - this.dropped;
      this.dropped = dropped;
    }
    this.events += flat.length / FIELDS;
    return flat.length / FIELDS;
  }

  route(time, kind, thread, object, arg) {
    if (kind === Kind.ObjectNew) {
      this.kinds.set(object, arg);
      const run = this.owner.get(thread);
      if (run && !this.owner.has(object)) {
        this.owner.set(object, run);
        (arg === ObjectKind.Thread ? run.threads : run.objects).add(object);
      }
    }
    const byThread = this.owner.get(thread);
    const run = byThread?.threads.has(thread) ? byThread : this.owner.get(object);
    if (!run) return;
    run.model.applyOne(time, kind, thread, object, arg, !run.threads.has(thread));
  }

  kindOf(id) {
    return this.kinds.get(id) ?? null;
  }
}

let hub = null;
const frameListeners = new Set();

/** The page's hub (one per page), pumped every animation frame; `onFrame(f)` runs `f(now)`
 *  after each pump. */
export function pageHub(wasm) {
  if (!hub) {
    hub = new EventHub(wasm);
    const frame = (now) => {
      hub.pump();
      for (const f of frameListeners) f(now);
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  }
  return hub;
}

export function onFrame(f) {
  frameListeners.add(f);
}
