// Draws a TraceModel: one lane per thread, colour = what the thread was doing in each slice of
// time (green running, blue holding a lock, red blocked), and a time axis.
import { RUNNING, HOLDING, BLOCKED, STATES } from './trace-model.js';

export const COLORS = { [RUNNING]: '#3aa757', [HOLDING]: '#3b6fd8', [BLOCKED]: '#d93b3b' };
const LABEL = 170, LANE = 22, GAP = 6, AXIS = 22;

export function drawTimeline(canvas, model, highlight = new Set()) {
  const lanes = [...model.lanes.values()].sort((a, b) => a.id - b.id);
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth || 640;
  const height = AXIS + Math.max(1, lanes.length) * (LANE + GAP);
  if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
    canvas.width = Math.round(width * dpr);
    canvas.height = Math.round(height * dpr);
    canvas.style.height = `${height}px`;
  }
  const g = canvas.getContext('2d');
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, width, height);
  const style = getComputedStyle(canvas);
  const fg = style.color || '#333';
  g.font = '12px system-ui, sans-serif';
  g.textBaseline = 'middle';

  const plot = Math.max(50, width - LABEL - 8);
  const shown = Math.max(model.latest, 0.001);
  const buckets = model.bucketCount;
  const usedBuckets = Math.min(buckets, Math.ceil((shown / model.span) * buckets));
  const px = plot / Math.max(1, usedBuckets);
  const bucketMs = model.span / buckets;

  lanes.forEach((lane, i) => {
    const y = AXIS + i * (LANE + GAP);
    g.fillStyle = fg;
    const worker = lane.worker === null ? '' : ` · worker ${lane.worker}`;
    g.fillText(`${lane.name}${worker}`, 4, y + LANE / 2, LABEL - 8);
    g.fillStyle = 'rgba(128,128,128,0.12)';
    g.fillRect(LABEL, y, plot, LANE);
    if (highlight.has(lane.name)) {
      g.strokeStyle = COLORS[BLOCKED];
      g.lineWidth = 2;
      g.strokeRect(LABEL - 1, y - 1, plot + 2, LANE + 2);
    }
    for (let b = 0; b < usedBuckets; b++) {
      let yTop = y + LANE;
      for (const s of [RUNNING, HOLDING, BLOCKED]) {
        const share = Math.min(1, lane.buckets[b * STATES + s] / bucketMs);
        if (share <= 0) continue;
        const h = share * LANE;
        g.fillStyle = COLORS[s];
        g.fillRect(LABEL + b * px, yTop - h, Math.max(px, 1), h);
        yTop -= h;
      }
    }
  });

  // Time axis.
  g.fillStyle = fg;
  g.fillText('0 ms', LABEL, AXIS / 2);
  const end = `${shown < 10 ? shown.toFixed(2) : shown.toFixed(0)} ms`;
  g.fillText(end, LABEL + plot - g.measureText(end).width, AXIS / 2);
}
