/** A small SVG line chart of memory samples over time, with a tick per injected fault (for bench/soak-faults.ts). */

interface Point {
  t: number;
  rssMiB: number;
  heapMiB: number;
}

const W = 640;
const H = 300;
const PAD = { left: 50, right: 15, top: 30, bottom: 45 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}

/** Heap and RSS (MiB) against seconds; `faults` are the seconds at which a fault was injected. */
export function memoryChartSvg(samples: readonly Point[], faults: readonly number[], title: string): string {
  const tMax = Math.max(1, ...samples.map((s) => s.t));
  const yMax = Math.max(1, ...samples.map((s) => s.rssMiB)) * 1.1;
  const x = (t: number) => PAD.left + (t / tMax) * (W - PAD.left - PAD.right);
  const y = (v: number) => H - PAD.bottom - (v / yMax) * (H - PAD.top - PAD.bottom);
  const line = (key: 'rssMiB' | 'heapMiB') =>
    samples.map((s) => `${x(s.t).toFixed(1)},${y(s[key]).toFixed(1)}`).join(' ');
  const yTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const xTicks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * tMax);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
    ...yTicks.map(
      (v) =>
        `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#eee"/><text x="${PAD.left - 5}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v.toFixed(0)}</text>`,
    ),
    ...xTicks.map(
      (t) => `<text x="${x(t).toFixed(1)}" y="${H - PAD.bottom + 15}" text-anchor="middle">${t.toFixed(0)} s</text>`,
    ),
    ...faults.map(
      (t) =>
        `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${H - PAD.bottom}" y2="${H - PAD.bottom + 5}" stroke="#c33"/>`,
    ),
    `<polyline fill="none" stroke="#36c" stroke-width="1.5" points="${line('rssMiB')}"/>`,
    `<polyline fill="none" stroke="#393" stroke-width="1.5" points="${line('heapMiB')}"/>`,
    `<text x="${PAD.left + 10}" y="${H - 8}" fill="#36c">rss MiB</text>`,
    `<text x="${PAD.left + 80}" y="${H - 8}" fill="#393">heap used MiB</text>`,
    `<text x="${PAD.left + 190}" y="${H - 8}" fill="#c33">| fault injected</text>`,
    `<text x="16" y="${H / 2}" transform="rotate(-90 16 ${H / 2})" text-anchor="middle">MiB</text>`,
    '</svg>',
    '',
  ].join('\n');
}
