// Does the drawing tell the truth? Compares what a demo draws (its TraceModel, built from trace
// events) with the library's own `inspect::snapshot()` taken at the same moment. The end-to-end
// test calls it at checkpoints where the threads hold still (a deadlock reached, an RLock held
// twice, a full queue); a reader may call `concurrencyDemos[id].checkpoint()` in the console.
import { ObjectKind, RUNNING, HOLDING, BLOCKED } from './trace-model.js';

const STATE_NAMES = { [RUNNING]: 'running', [HOLDING]: 'holding', [BLOCKED]: 'blocked' };

export function laneView(lane) {
  return {
    id: lane.id, name: lane.name, state: lane.state === null ? 'ended' : STATE_NAMES[lane.state],
    blockedOn: lane.blockedOn, held: [...lane.held],
  };
}

export function objectView(o) {
  return { id: o.id, kind: o.kind, owner: o.owner, waiters: [...o.waiters].sort((a, b) => a - b), value: o.value };
}

const sorted = (ids) => [...ids].map(Number).sort((a, b) => a - b);
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** `{ mismatches: [text], lanes, objects }`: every live lane and every object of the drawing
 *  checked against `snapshot` (`inspect_snapshot()`'s JSON). */
export function compareWithSnapshot(model, snapshot) {
  const mismatches = [];
  const threads = new Map(snapshot.threads.map((t) => [Number(t.id), t]));
  const objects = new Map(snapshot.objects.map((o) => [Number(o.id), o]));
  let lanes = 0, checked = 0;
  for (const lane of model.lanes.values()) {
    if (lane.state === null) continue;
    lanes++;
    const t = threads.get(lane.id);
    const drawn = STATE_NAMES[lane.state];
    if (!t) {
      mismatches.push(`${lane.name}: drawn ${drawn}, but the library has no such live thread`);
      continue;
    }
    const blocked = t.state === 'blocked';
    if ((lane.state === BLOCKED) !== blocked) {
      mismatches.push(`${lane.name}: drawn ${drawn}, the library says ${t.state}`);
    } else if (blocked && Number(t.on) !== lane.blockedOn) {
      mismatches.push(`${lane.name}: drawn blocked on ${lane.blockedOn}, the library says on ${t.on}`);
    }
  }
  for (const o of model.objects.values()) {
    if (o.kind === null || o.kind === ObjectKind.Thread) continue;
    const s = objects.get(o.id);
    if (!s) continue; // dropped by the program already
    checked++;
    const name = model.objectName(o);
    const waiters = sorted(o.waiters), theirs = sorted(s.waiters);
    if (!same(waiters, theirs)) mismatches.push(`${name}: drawn waiters [${waiters}], the library's [${theirs}]`);
    switch (o.kind) {
      case ObjectKind.Lock:
      case ObjectKind.RLock: {
        const holder = s.holders.length ? Number(s.holders[0]) : null;
        if (o.owner !== holder) mismatches.push(`${name}: drawn held by ${o.owner}, the library says ${holder}`);
        if (o.kind === ObjectKind.RLock && o.value !== Number(s.value)) {
          mismatches.push(`${name}: drawn count ${o.value}, the library's ${s.value}`);
        }
        break;
      }
      case ObjectKind.Semaphore:
      case ObjectKind.BoundedSemaphore:
      case ObjectKind.Event:
      case ObjectKind.Barrier:
      case ObjectKind.Queue:
        if (o.value !== Number(s.value)) mismatches.push(`${name}: drawn value ${o.value}, the library's ${s.value}`);
        break;
      default:
        break;
    }
  }
  return { mismatches, lanes, objects: checked };
}
