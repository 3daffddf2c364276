// The demos of the "Synchronization primitives" pages, one config each (book/programs/src/*.rs). A page
// loads this script and only the demo whose root element it contains is mounted.
import { mountDemo } from './demo.js';

const threads = (value, max = 8) => ({ id: 'threads', label: 'Threads', options: [...Array(max).keys()].map((i) => i + 1), value });
const work = (value) => ({ id: 'work', label: 'Work (ms)', options: [1, 5, 20, 50, 100], value });

const demos = {
  'rlock-demo': {
    controls: [threads(3), { id: 'rounds', label: 'Transfers each', options: [1, 5, 20], value: 5 }, work(20)],
    runs: [{ id: 'run', label: 'Run the clerks', program: 'rlock', args: (v) => [v.threads, v.rounds, v.work] }],
    columns: ['clerks', 'balance', 'expected'],
    row: (r, run) => [run.values.threads, r.balance, r.expected],
    summary: (r) => `Balance ${r.balance} of ${r.expected}: every transfer re-entered the lock it already held.`,
  },
  'rlock-owner-demo': {
    runs: [{ id: 'run', label: 'Release from another thread', program: 'rlock_owner', args: () => [] }],
    columns: ['release() by the intruder', 'count while refused', 'free afterwards'],
    row: (r) => [r.refused, r.count, r.free_after ? 'yes' : 'no'],
    summary: (r) => `The intruder's release() failed: "${r.refused}". The owner still held it ${r.count} levels deep, and released it itself.`,
  },
  'semaphore-demo': {
    controls: [threads(6), { id: 'permits', label: 'Permits', options: [1, 2, 3, 4], value: 2 }, work(100)],
    runs: [{ id: 'run', label: 'Start the downloads', program: 'semaphore', args: (v) => [v.threads, v.permits, v.work] }],
    columns: ['downloads', 'permits', 'most at once'],
    row: (r, run) => [run.values.threads, r.permits, r.most],
    summary: (r) => `At most ${r.most} download${r.most === 1 ? '' : 's'} ran at once, with ${r.permits} permit${r.permits === 1 ? '' : 's'}.`,
  },
  'bounded-demo': {
    runs: [{ id: 'run', label: 'Release one too many', program: 'bounded', args: () => [] }],
    columns: ['error', 'value after'],
    row: (r) => [r.refused, r.value],
    summary: (r) => `release() failed: "${r.refused}". The value is still ${r.value}.`,
  },
  'event-demo': {
    controls: [{ id: 'runners', label: 'Runners', options: [1, 2, 3, 4, 6, 8], value: 4 }],
    runs: [{ id: 'run', label: 'Line up the runners', program: 'event', args: (v) => [v.runners, 20_000] }],
    actions: [{ id: 'set', label: 'Fire the starting gun: set()', whileRunning: (run) => run.wasm.demo_event_set(run.id) }],
    columns: ['runners', 'started'],
    row: (r) => [r.runners, r.saw],
    summary: (r) => `${r.saw} of ${r.runners} runners saw the signal${r.saw < r.runners ? ' (the others gave up after 20 s)' : ''}.`,
  },
  'condition-demo': {
    controls: [
      { id: 'producers', label: 'Producers', options: [1, 2, 3, 4], value: 2 },
      { id: 'consumers', label: 'Consumers', options: [1, 2, 3, 4], value: 3 },
      { id: 'capacity', label: 'Shelf size', options: [1, 2, 4, 8], value: 2 },
      work(20),
    ],
    runs: [{ id: 'run', label: 'Run the shop', program: 'condition', args: (v) => [v.producers, v.consumers, 10, v.capacity, v.work] }],
    columns: ['producers', 'consumers', 'shelf', 'consumed'],
    row: (r, run) => [run.values.producers, run.values.consumers, run.values.capacity, `${r.consumed} / ${r.expected}`],
    summary: (r) => `${r.consumed} of ${r.expected} items made and used; nobody busy-waited.`,
  },
  'barrier-demo': {
    controls: [threads(4), { id: 'rounds', label: 'Rounds', options: [1, 3, 5, 10], value: 3 }, work(20)],
    runs: [{ id: 'run', label: 'Run the rounds', program: 'barrier', args: (v) => [v.threads, v.rounds, v.work] }],
    actions: [{ id: 'abort', label: 'abort()', whileRunning: (run) => run.wasm.demo_barrier_abort(run.id) }],
    columns: ['workers', 'rounds', 'trips'],
    row: (r, run) => [run.values.threads, r.rounds, r.trips],
    summary: (r) => r.broken
      ? `The barrier was broken after ${r.trips} trips: every worker got BrokenBarrierError and stopped.`
      : `The barrier tripped ${r.trips} times: each round began only when every worker had finished the last.`,
  },
  'barrier-broken-demo': {
    controls: [threads(4), { id: 'timeout', label: 'wait() timeout (ms)', options: [0, 200, 500, 1000], value: 500 }],
    runs: [{ id: 'run', label: 'One worker comes late', program: 'barrier_broken', args: (v) => [v.threads, v.timeout, 0] }],
    actions: [{ id: 'abort', label: 'abort()', whileRunning: (run) => run.wasm.demo_barrier_abort(run.id) }],
    columns: ['workers', 'timeout', 'outcomes'],
    row: (r, run) => [run.values.threads, r.timeout_ms === null ? 'none' : `${r.timeout_ms} ms`, r.outcomes.join(', ')],
    summary: (r) => r.outcomes.every((o) => o === 'passed')
      ? 'Everyone passed.'
      : `Broken: ${r.outcomes.filter((o) => o !== 'passed').length} of ${r.outcomes.length} workers got an error instead of passing.`,
  },
  'deadlock-demo': {
    controls: [{ id: 'patience', label: 'Give up after (ms)', options: [1000, 3000, 10000], value: 3000 }],
    runs: [
      { id: 'opposite', label: 'Opposite order (deadlocks)', program: 'deadlock', args: (v) => [0, 100, v.patience, 0] },
      { id: 'ordered', label: 'Fix: same order', program: 'deadlock', args: (v) => [1, 100, v.patience, 0] },
      { id: 'detect', label: 'Opposite order, detection on', program: 'deadlock', args: (v) => [0, 100, v.patience, 1] },
    ],
    deadlocks: true,
    columns: ['transfer-0', 'transfer-1'],
    row: (r) => r.outcomes,
    summary: (r, run) => run.cycles
      ? `Deadlock seen: ${run.cycles[0].names.filter((_, i) => i % 2 === 0).join(' and ')} each waited for a lock the other held. Outcomes: ${r.outcomes.join(', ')}.`
      : `No deadlock. Outcomes: ${r.outcomes.join(', ')}.`,
  },
};

for (const [root, cfg] of Object.entries(demos)) {
  if (document.getElementById(root)) mountDemo({ root, ...cfg });
}
