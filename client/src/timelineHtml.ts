/**
 * The HTML of the "TrainLens: Show memory timeline" webview, from a `trainlens/timeline` answer: the step timeline
 * as an SVG chart (allocated bytes stacked by component, the allocator's reserved bytes, the GPU's capacity, the
 * peak marked with its phase), the breakdown table, and a selector that overlays the timeline after a quick fix.
 * Colours are VS Code theme variables, so the view follows the theme. No vscode import: tests render it directly.
 */
import type { TimelineFix, TimelineResult } from '../../server/src/lsp/protocol';
import type { MemoryComponent, StepTimeline } from '../../estimator/src/types';

const GIB = 2 ** 30;
const W = 760;
const H = 320;
const PAD = { left: 56, right: 16, top: 24, bottom: 40 };

const COMPONENTS: [MemoryComponent, string, string][] = [
  ['weights', 'Weights', 'var(--vscode-charts-blue)'],
  ['gradients', 'Gradients', 'var(--vscode-charts-orange)'],
  ['optimizer_states', 'Optimizer states', 'var(--vscode-charts-purple)'],
  ['activations', 'Activations', 'var(--vscode-charts-green)'],
  ['autocast_weight_copies', 'Autocast weight copies', 'var(--vscode-charts-yellow)'],
  ['other', 'Other (buffers, temporaries)', 'var(--vscode-charts-lines)'],
];

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const gib = (bytes: number): string => `${(bytes / GIB).toFixed(1)} GiB`;

/** The peak's label as the chart shows it. */
export function peakLabel(t: StepTimeline): string {
  return `peak ${gib(t.peak_allocated_bytes)} allocated at ${t.peak_at}`;
}

interface Scale {
  x: (i: number) => number;
  y: (bytes: number) => number;
}

function scaleFor(points: number, top: number): Scale {
  const span = Math.max(1, points - 1);
  return {
    x: (i) => PAD.left + ((W - PAD.left - PAD.right) * i) / span,
    y: (bytes) => H - PAD.bottom - ((H - PAD.top - PAD.bottom) * bytes) / top,
  };
}

const path = (xs: number[], ys: number[]): string => xs.map((x, i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${ys[i].toFixed(1)}`).join('');

function stackedAreas(t: StepTimeline, s: Scale): string {
  const xs = t.series.map((_, i) => s.x(i));
  let below = t.series.map(() => 0);
  return COMPONENTS.map(([key, label, colour]) => {
    const above = t.series.map((p, i) => below[i] + p.by_component[key]);
    const d = `${path(xs, above.map(s.y))}L${[...xs].reverse().map((x, i) => `${x.toFixed(1)},${s.y(below[below.length - 1 - i]).toFixed(1)}`).join('L')}Z`;
    below = above;
    return `<path class="component" data-component="${key}" d="${d}" fill="${colour}" fill-opacity="0.55" stroke="none"><title>${label}</title></path>`;
  }).join('');
}

function axes(t: StepTimeline, s: Scale, top: number): string {
  const ticks: string[] = [];
  const step = niceStep(top / GIB);
  for (let v = 0; v * GIB <= top; v += step) {
    const y = s.y(v * GIB).toFixed(1);
    ticks.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" class="grid"/><text x="${PAD.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${v} GiB</text>`);
  }
  // label where the forward, the backward and the optimizer step begin (start, loss and zero_grad are one point each)
  const starts = new Map<string, number>();
  t.series.forEach((p, i) => {
    const phase = p.at.split(':')[0];
    if (['forward', 'backward', 'optimizer'].includes(phase) && !starts.has(phase)) starts.set(phase, i);
  });
  for (const [phase, i] of starts) ticks.push(`<text x="${s.x(i).toFixed(1)}" y="${H - PAD.bottom + 16}" text-anchor="middle">${escapeHtml(phase)}</text>`);
  return ticks.join('');
}

function niceStep(maxGib: number): number {
  const raw = maxGib / 5;
  const mag = 10 ** Math.floor(Math.log10(Math.max(raw, 1e-3)));
  return [1, 2, 5, 10].map((m) => m * mag).find((v) => v >= raw) ?? 10 * mag;
}

function peakMarker(t: StepTimeline, s: Scale): string {
  const i = Math.max(0, t.series.findIndex((p) => p.at === t.peak_at));
  const [x, y] = [s.x(i), s.y(t.peak_allocated_bytes)];
  const anchor = x > W / 2 ? 'end' : 'start';
  return `<circle cx="${x.toFixed(1)}" cy="${y.toFixed(1)}" r="4" class="peak"/><text id="peak-label" x="${(x + (anchor === 'end' ? -8 : 8)).toFixed(1)}" y="${(y - 8).toFixed(1)}" text-anchor="${anchor}">${escapeHtml(peakLabel(t))}</text>`;
}

function fixOverlay(f: TimelineFix, index: number, s: Scale): string {
  if (!f.timeline) return '';
  const t = f.timeline;
  const xs = t.series.map((_, i) => scaleFor(t.series.length, 1).x(i));
  const d = path(xs, t.series.map((p) => s.y(p.allocated_bytes)));
  return `<g class="fix" data-fix="${index}" style="display:none"><path d="${d}" class="after"/><text x="${W - PAD.right}" y="${PAD.top + 14}" text-anchor="end" class="after-label">after: ${escapeHtml(peakLabel(t))}</text></g>`;
}

function chart(r: TimelineResult, t: StepTimeline): string {
  const top = 1.08 * Math.max(r.capacity_bytes, t.peak_reserved_bytes, ...r.fixes.map((f) => f.timeline?.peak_reserved_bytes ?? 0));
  const s = scaleFor(t.series.length, top);
  const xs = t.series.map((_, i) => s.x(i));
  const reserved = path(xs, t.series.map((p) => s.y(p.reserved_bytes)));
  const cap = s.y(r.capacity_bytes).toFixed(1);
  return [
    `<svg id="timeline-chart" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(peakLabel(t))}">`,
    axes(t, s, top),
    stackedAreas(t, s),
    `<path d="${reserved}" class="reserved"><title>reserved (max_memory_reserved)</title></path>`,
    `<line id="capacity-line" x1="${PAD.left}" x2="${W - PAD.right}" y1="${cap}" y2="${cap}" class="capacity"/>`,
    `<text x="${W - PAD.right}" y="${(Number(cap) - 6).toFixed(1)}" text-anchor="end" class="capacity-label">capacity ${escapeHtml(r.gpu)} ${gib(r.capacity_bytes)}</text>`,
    peakMarker(t, s),
    ...r.fixes.map((f, i) => fixOverlay(f, i, s)),
    '</svg>',
  ].join('');
}

function breakdownTable(r: TimelineResult, t: StepTimeline): string {
  const b = r.breakdown!;
  const rows: [string, string][] = COMPONENTS.map(([key, label]) => [label, gib(b[key])]);
  rows.push(['Total per GPU (component sum)', gib(b.total)]);
  rows.push(['Peak allocated (timeline)', gib(t.peak_allocated_bytes)], ['Peak reserved (timeline)', gib(t.peak_reserved_bytes)]);
  rows.push(['Held between steps', gib(t.start_allocated_bytes)], [`Capacity (${r.gpu})`, gib(r.capacity_bytes)]);
  if (t.oom_at) rows.push(['Out of memory at', t.oom_at]);
  return `<table id="breakdown"><tbody>${rows.map(([k, v]) => `<tr><td>${escapeHtml(k)}</td><td class="num">${escapeHtml(v)}</td></tr>`).join('')}</tbody></table>`;
}

function fixSelector(r: TimelineResult): string {
  if (r.fixes.length === 0) return '';
  const options = r.fixes.map((f, i) => `<option value="${i}">${escapeHtml(f.title)}${f.timeline ? '' : ' (total only)'} → ${gib(f.total_after_bytes)}${f.fits_after ? ', fits' : ''}</option>`);
  return `<label>Before / after a quick fix: <select id="fix"><option value="">(none)</option>${options.join('')}</select></label>`;
}

const STYLE = `
body { color: var(--vscode-foreground); background: var(--vscode-editor-background); font-family: var(--vscode-font-family); }
svg text { fill: var(--vscode-descriptionForeground); font-size: 11px; }
.grid { stroke: var(--vscode-editorWidget-border); stroke-width: 0.5; }
.reserved { fill: none; stroke: var(--vscode-foreground); stroke-dasharray: 4 3; stroke-width: 1; }
.capacity { stroke: var(--vscode-charts-red); stroke-width: 1.5; }
svg .capacity-label { fill: var(--vscode-charts-red); }
.peak { fill: var(--vscode-charts-red); }
svg #peak-label { fill: var(--vscode-foreground); font-weight: bold; }
.after { fill: none; stroke: var(--vscode-charts-green); stroke-width: 2; }
svg .after-label { fill: var(--vscode-charts-green); }
table { border-collapse: collapse; margin-top: 12px; }
td { padding: 2px 12px 2px 0; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.legend span { display: inline-block; margin-right: 12px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px; opacity: 0.7; }
`;

/** The whole page; `nonce` lets the one inline script (the fix selector) run under the webview's CSP. */
export function timelineHtml(r: TimelineResult, nonce: string, cspSource: string): string {
  const head = `<meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${cspSource} 'unsafe-inline'; script-src 'nonce-${nonce}';"><style>${STYLE}</style>`;
  const t = r.timeline;
  if (!t || !r.breakdown) return `<!DOCTYPE html><html><head>${head}</head><body><p id="message">${escapeHtml(r.message ?? 'No timeline.')}</p></body></html>`;
  const legend = `<div class="legend">${COMPONENTS.map(([, label, colour]) => `<span><i style="background:${colour}"></i>${label}</span>`).join('')}<span>- - reserved</span></div>`;
  const script = `<script nonce="${nonce}">const s=document.getElementById('fix');if(s)s.addEventListener('change',()=>{for(const g of document.querySelectorAll('g.fix'))g.style.display=g.dataset.fix===s.value?'':'none';});</script>`;
  return [
    `<!DOCTYPE html><html><head>${head}<title>TrainLens memory timeline</title></head><body>`,
    `<h2>${escapeHtml(r.model ?? '')} on ${r.gpus} × ${escapeHtml(r.gpu)}: one training step</h2>`,
    `<p>${escapeHtml(peakLabel(t))}, ${gib(t.peak_reserved_bytes)} reserved by the caching allocator${t.oom_at ? `; out of memory at ${escapeHtml(t.oom_at)}` : ''}.</p>`,
    chart(r, t),
    legend,
    fixSelector(r),
    breakdownTable(r, t),
    script,
    '</body></html>',
  ].join('\n');
}
