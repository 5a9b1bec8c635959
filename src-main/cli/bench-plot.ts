const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A small self-contained SVG line chart: mean best-so-far accuracy against queries. */
export function renderCurvesSvg(title: string, curves: { label: string; every: number; mean: number[] }[]): string {
  const W = 720, H = 420, L = 60, R = 200, T = 40, B = 50;
  const all = curves.flatMap((c) => c.mean.slice(Math.floor(c.mean.length / 10)));
  const lo = Math.min(...all), hi = Math.max(...all);
  const pad = (hi - lo) * 0.05 || 0.5;
  const y0 = lo - pad, y1 = hi + pad;
  const xMax = Math.max(...curves.map((c) => c.mean.length * c.every));
  const sx = (q: number) => L + ((W - L - R) * q) / xMax;
  const sy = (v: number) => T + ((H - T - B) * (y1 - Math.min(Math.max(v, y0), y1))) / (y1 - y0);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${L}" y="22" font-size="13">${esc(title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
    `<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">queries</text>`,
  ];
  for (let i = 0; i <= 5; i++) {
    const v = y0 + ((y1 - y0) * i) / 5;
    parts.push(`<text x="${L - 6}" y="${sy(v) + 4}" text-anchor="end">${v.toFixed(2)}</text>`, `<line x1="${L}" y1="${sy(v)}" x2="${W - R}" y2="${sy(v)}" stroke="#eee"/>`);
    const q = (xMax * i) / 5;
    parts.push(`<text x="${sx(q)}" y="${H - B + 16}" text-anchor="middle">${Math.round(q)}</text>`);
  }
  curves.forEach((c, k) => {
    const color = COLORS[k % COLORS.length];
    const pts = c.mean.map((v, i) => `${sx((i + 1) * c.every).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`);
    parts.push(`<rect x="${W - R + 12}" y="${T + 18 * k}" width="14" height="4" fill="${color}"/>`, `<text x="${W - R + 32}" y="${T + 18 * k + 6}">${esc(c.label)}</text>`);
  });
  parts.push('</svg>\n');
  return parts.join('\n');
}
