// "Threads and locks": N threads add 1 to a shared counter, without and with a Lock
// (book/programs/src/counter.rs).
import { mountDemo } from './demo.js';

const state = mountDemo({
  root: 'counter-demo',
  controls: [
    { id: 'threads', label: 'Threads', options: [1, 2, 3, 4, 5, 6, 7, 8], value: 4 },
    { id: 'iterations', label: 'Increments per thread', options: [10_000, 100_000, 1_000_000], value: 1_000_000 },
  ],
  runs: [
    { id: 'unlocked', label: 'Run without lock', program: 'counter', args: (v) => [v.threads, v.iterations, 0] },
    { id: 'locked', label: 'Run with the Lock', program: 'counter', args: (v) => [v.threads, v.iterations, 1] },
  ],
  columns: ['threads', 'total', 'expected', 'lost updates'],
  row: (r, run) => [run.values.threads, r.total.toLocaleString('en'), r.expected.toLocaleString('en'),
    (r.expected - r.total).toLocaleString('en')],
  summary: (r) => r.total === r.expected
    ? `Total ${r.total.toLocaleString('en')}: exact.`
    : `Total ${r.total.toLocaleString('en')} instead of ${r.expected.toLocaleString('en')}: ${(r.expected - r.total).toLocaleString('en')} updates were lost.`,
});
window.concurrencyDemo = state;
