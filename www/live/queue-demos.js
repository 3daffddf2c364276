// The demos of the "Queues" chapter (book/programs/src/queue.rs).
import { mountDemo } from './demo.js';

const demos = {
  'queue-demo': {
    controls: [
      { id: 'producers', label: 'Producers', options: [1, 2, 3, 4], value: 2 },
      { id: 'consumers', label: 'Consumers', options: [1, 2, 3, 4], value: 2 },
      { id: 'maxsize', label: 'maxsize', options: [0, 1, 2, 4, 8], value: 4 },
      { id: 'make', label: 'Make (ms)', options: [5, 20, 50, 100], value: 20 },
      { id: 'take', label: 'Use (ms)', options: [5, 20, 50, 100, 200], value: 50 },
    ],
    runs: [{
      id: 'run', label: 'Run the pipeline', program: 'queue',
      args: (v) => [v.producers, v.consumers, v.maxsize, 20, v.make, v.take],
    }],
    actions: [
      { id: 'shutdown', label: 'shutdown()', whileRunning: (run) => run.wasm.demo_queue_shutdown(run.id, false) },
      { id: 'shutdown-now', label: 'shutdown(immediate=True)', whileRunning: (run) => run.wasm.demo_queue_shutdown(run.id, true) },
    ],
    capacity: (v) => v.maxsize,
    columns: ['producers', 'consumers', 'maxsize', 'made', 'used'],
    row: (r, run) => [run.values.producers, run.values.consumers, run.values.maxsize || '∞', r.made, r.used],
    summary: (r) => r.made === r.expected
      ? `All ${r.made} items made and used; join() returned when the last task_done() came in.`
      : `Shut down early: ${r.made} of ${r.expected} items made, ${r.used} used.`,
  },
  'orders-demo': {
    runs: [{ id: 'run', label: 'Put 5, 1, 4, 2, 3 into each queue', program: 'orders', args: () => [5, 1, 4, 2, 3] }],
    columns: ['Queue (FIFO)', 'LifoQueue', 'PriorityQueue'],
    row: (r) => [r.fifo.join(', '), r.lifo.join(', '), r.priority.join(', ')],
    summary: () => 'The same items, three orders: first in first out, last in first out, smallest first.',
  },
};

for (const [root, cfg] of Object.entries(demos)) {
  if (document.getElementById(root)) mountDemo({ root, ...cfg });
}
