// Turns the library's trace events into what the page draws: one lane per thread with its
// state over time, and each object's owner and waiters. Pure data, no DOM.

// Event kinds: the numbers of `concurrency::trace::Kind` (src/trace/mod.rs).
export const Kind = {
  ThreadStart: 1, ThreadEnd: 2, ObjectNew: 3, Acquire: 4, Release: 5, WaitBegin: 6, WaitEnd: 7,
  Value: 8, Notify: 9, Tasks: 10,
};

// Why a thread waits on a queue: the `arg` of its WaitBegin (`concurrency::queue::wait_reason`).
export const WaitReason = { Item: 1, Room: 2, Tasks: 3 };

// Object kinds: the numbers of `concurrency::trace::ObjectKind`.
export const ObjectKind = {
  Thread: 1, Lock: 2, RLock: 3, Semaphore: 4, BoundedSemaphore: 5, Event: 6, Condition: 7,
  Barrier: 8, Queue: 9,
};
const FIELDS = 5; // time (ms), kind, thread, object, arg

// States drawn on a lane.
export const RUNNING = 0;  // Runnable
export const HOLDING = 1;  // Runnable and holding a lock
export const BLOCKED = 2;  // Blocked, waiting for an object
export const STATES = 3;

const BUCKETS = 480;

export class TraceModel {
  /** `labelOf(id)`: a thread's or object's name; `kindOf(id)`: an object's ObjectKind if it
   *  was made before this model saw it (the page's hub knows every object ever made). */
  constructor(labelOf, kindOf = () => null) {
    this.labelOf = labelOf;
    this.kindOf = kindOf;
    this.reset();
  }

  reset() {
    this.origin = null;           // time (ms) of the first event of the run
    this.span = 2;                // ms covered by the buckets; doubles as the run goes on
    this.lanes = new Map();       // thread id -> lane
    this.objects = new Map();     // object id -> { owner, waiters:Set, acquisitions, waits }
    this.latest = 0;
    this.events = 0;
  }

  /** Applies a batch from `trace_drain()` (a flat Float64Array). */
  apply(flat) {
    for (let i = 0; i + FIELDS <= flat.length; i += FIELDS) {
      this.applyOne(flat[i], flat[i + 1], flat[i + 2], flat[i + 3], flat[i + 4]);
    }
  }

  /** One event. `foreign`: its thread is not one of this run's (the page pressing a button):
   *  it changes objects, but gets no lane. */
  applyOne(time, kind, thread, object, arg, foreign = false) {
    if (this.origin === null) this.origin = time;
    const t = Math.max(0, time - this.origin);
    this.latest = Math.max(this.latest, t);
    this.events++;
    switch (kind) {
      case Kind.ThreadStart: {
        const lane = this.lane(object);
        lane.start = t; lane.worker = arg; lane.state = RUNNING; lane.since = t;
        break;
      }
      case Kind.ThreadEnd: {
        const lane = this.lane(object);
        this.advance(lane, t);
        lane.end = t; lane.state = null; lane.panicked = arg === 1;
        break;
      }
      case Kind.ObjectNew: {
        this.object(object).kind = arg;
        break;
      }
      case Kind.Value: {
        this.object(object).value = arg;
        break;
      }
      case Kind.Notify: {
        this.object(object).notified += arg;
        break;
      }
      case Kind.Tasks: {
        this.object(object).tasks = arg;
        break;
      }
      case Kind.Acquire: {
        const o = this.object(object);
        o.owner = thread; o.acquisitions++;
        // A Lock reports 0 (it is just held), an RLock its recursion count, a Semaphore the
        // permits left.
        o.value = o.kind === ObjectKind.Lock ? 1 : arg;
        if (foreign) break;
        const lane = this.lane(thread);
        if (o.kind === ObjectKind.Lock || o.kind === ObjectKind.RLock) lane.held.add(object);
        this.setState(lane, t, this.stateOf(lane));
        break;
      }
      case Kind.Release: {
        const o = this.object(object);
        // A Lock has no owner: any thread may release it; its holder's lane lets go.
        const holder = o.owner === null ? null : this.lanes.get(o.owner);
        o.owner = null;
        o.value = o.kind === ObjectKind.Lock || o.kind === ObjectKind.RLock ? 0 : arg;
        for (const lane of new Set([holder, foreign ? null : this.lane(thread)])) {
          if (!lane) continue;
          lane.held.delete(object);
          // A Condition's wait releases its lock after it began waiting: that lane stays
          // blocked (stateOf looks at blockedOn first).
          if (lane.state !== null) this.setState(lane, t, this.stateOf(lane));
        }
        break;
      }
      case Kind.WaitBegin: {
        const o = this.object(object);
        o.waiters.add(thread); o.waits++; o.reasons.set(thread, arg);
        if (foreign) break;
        const lane = this.lane(thread);
        lane.blockedOn = object;
        this.setState(lane, t, BLOCKED);
        break;
      }
      case Kind.WaitEnd: {
        const o = this.object(object);
        o.waiters.delete(thread); o.reasons.delete(thread);
        if (foreign) break;
        const lane = this.lane(thread);
        lane.blockedOn = null;
        this.setState(lane, t, this.stateOf(lane));
        break;
      }
      default:
        break;
    }
  }

  lane(id) {
    let lane = this.lanes.get(id);
    if (!lane) {
      lane = {
        id, name: this.labelOf(id) ?? `thread ${id}`, worker: null, start: null, end: null,
        state: null, since: 0, blockedOn: null, panicked: false, held: new Set(),
        buckets: new Float64Array(BUCKETS * STATES),
      };
      this.lanes.set(id, lane);
    }
    return lane;
  }

  object(id) {
    let o = this.objects.get(id);
    if (!o) {
      o = { id, kind: this.kindOf(id), label: null, owner: null, waiters: new Set(), reasons: new Map(),
            value: 0, tasks: 0, notified: 0, acquisitions: 0, waits: 0 };
      this.objects.set(id, o);
    }
    return o;
  }

  /** What a lane not blocked is doing: holding a lock, or just running. */
  stateOf(lane) {
    if (lane.blockedOn !== null) return BLOCKED;
    return lane.held.size ? HOLDING : RUNNING;
  }

  setState(lane, t, state) {
    if (lane.state === null && lane.start === null) { lane.start = t; lane.since = t; }
    this.advance(lane, t);
    lane.state = state;
  }

  /** Books the time since the lane's last change under its current state. */
  advance(lane, t) {
    if (lane.state !== null && t > lane.since) this.addInterval(lane, lane.since, t, lane.state);
    lane.since = Math.max(lane.since, t);
  }

  /** Brings every open lane up to the latest event, or to `nowMs` (a time on the trace's
   *  clock) while the run goes on: a thread blocked for good reports nothing more, and must
   *  still be drawn blocked up to now. */
  flush(nowMs = null) {
    if (nowMs !== null && this.origin !== null) this.latest = Math.max(this.latest, nowMs - this.origin);
    for (const lane of this.lanes.values()) if (lane.state !== null) this.advance(lane, this.latest);
  }

  addInterval(lane, from, to, state) {
    while (to > this.span) this.grow();
    const width = this.span / BUCKETS;
    let b = Math.floor(from / width);
    while (from < to && b < BUCKETS) {
      const end = Math.min(to, (b + 1) * width);
      lane.buckets[b * STATES + state] += end - from;
      from = end; b++;
    }
  }

  /** Doubles the time span: bucket i becomes the sum of buckets 2i and 2i+1. */
  grow() {
    for (const lane of this.lanes.values()) {
      const old = lane.buckets, merged = new Float64Array(BUCKETS * STATES);
      for (let b = 0; b < BUCKETS; b++) {
        for (let s = 0; s < STATES; s++) {
          const src = Math.floor(b / 2) * STATES + s;
          merged[src] += old[b * STATES + s];
        }
      }
      lane.buckets = merged;
    }
    this.span *= 2;
  }

  /** An object's name: its label once the program has given it one. */
  objectName(o) {
    if (o.label === null) o.label = this.labelOf(o.id) ?? null;
    return o.label ?? `object ${o.id}`;
  }

  get bucketCount() { return BUCKETS; }
}
