#!/usr/bin/env node
'use strict';
/**
 * Makes the app's rasters from the one source, assets/icon.svg (#15 item 8): PNGs (assets/png/) at the sizes
 * Linux desktops, Forge's makers and the window use, icon.ico (Windows: PNG-compressed entries,
 * 16–256 px) and icon.icns (macOS: ic07–ic10 PNG entries, 128–1024 px). Rasterised by Chromium
 * (playwright-core, already a dev dependency: no image tool needed), packed here.
 *
 *   node assets/make-icons.cjs [--chromium /usr/bin/chromium]
 */
const fs = require('node:fs');
const path = require('node:path');
const { chromium } = require('playwright-core');

const dir = __dirname;
const PNG_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** ICNS entry types holding a PNG of each size (Apple's icns format); 1024 px (ic10) is left out to keep the repository small. */
const ICNS_TYPES = [['ic07', 128], ['ic08', 256], ['ic09', 512]];

function ico(pngs) {
  const header = Buffer.alloc(6 + 16 * pngs.length);
  header.writeUInt16LE(0, 0);
  header.writeUInt16LE(1, 2); // 1 = icon
  header.writeUInt16LE(pngs.length, 4);
  let offset = header.length;
  pngs.forEach(([size, png], i) => {
    const e = 6 + 16 * i;
    header.writeUInt8(size >= 256 ? 0 : size, e); // 0 means 256
    header.writeUInt8(size >= 256 ? 0 : size, e + 1);
    header.writeUInt16LE(1, e + 4); // planes
    header.writeUInt16LE(32, e + 6); // bits per pixel
    header.writeUInt32LE(png.length, e + 8);
    header.writeUInt32LE(offset, e + 12);
    offset += png.length;
  });
  return Buffer.concat([header, ...pngs.map(([, png]) => png)]);
}

function icns(entries) {
  const parts = entries.map(([type, png]) => {
    const head = Buffer.alloc(8);
    head.write(type, 0, 'ascii');
    head.writeUInt32BE(png.length + 8, 4);
    return Buffer.concat([head, png]);
  });
  const head = Buffer.alloc(8);
  head.write('icns', 0, 'ascii');
  head.writeUInt32BE(8 + parts.reduce((a, p) => a + p.length, 0), 4);
  return Buffer.concat([head, ...parts]);
}

(async () => {
  const i = process.argv.indexOf('--chromium');
  const browser = await chromium.launch({ executablePath: i > 0 ? process.argv[i + 1] : '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
  const svg = fs.readFileSync(path.join(dir, 'icon.svg'), 'utf8');
  const png = {};
  try {
    for (const size of PNG_SIZES) {
      const page = await browser.newPage({ viewport: { width: size, height: size }, deviceScaleFactor: 1 });
      await page.setContent(`<html><body style="margin:0;background:transparent"><img width="${size}" height="${size}" src="data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}"></body></html>`);
      await page.locator('img').evaluate((img) => (img.complete ? null : new Promise((r) => (img.onload = r))));
      png[size] = await page.screenshot({ omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
      await page.close();
      fs.mkdirSync(path.join(dir, 'png'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'png', `${size}x${size}.png`), png[size]);
    }
  } finally {
    await browser.close();
  }
  fs.writeFileSync(path.join(dir, 'icon.ico'), ico(ICO_SIZES.map((s) => [s, png[s]])));
  fs.writeFileSync(path.join(dir, 'icon.icns'), icns(ICNS_TYPES.map(([t, s]) => [t, png[s]])));
  console.log(`wrote ${PNG_SIZES.length} PNGs (assets/png), icon.ico (${ICO_SIZES.join(', ')}), icon.icns (${ICNS_TYPES.map(([t, s]) => `${t} ${s}`).join(', ')})`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
