/**
 * Renders public/icons/icon.svg to the PNG icons the manifest lists (192 and 512 pixels, and a
 * maskable 512 with the safe-zone padding of the W3C manifest spec). Run after changing the SVG:
 * node apps/authenticator/scripts/render-icons.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { chromium } from 'playwright-core';

const icons = new URL('../public/icons/', import.meta.url);
const svg = readFileSync(new URL('icon.svg', icons), 'utf8');

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage();
  const render = async (size: number, maskable: boolean) => {
    await page.setViewportSize({ width: size, height: size });
    // Maskable icons keep their content inside the central 80% circle; the square background bleeds.
    const inner = maskable ? Math.round(size * 0.72) : size;
    await page.setContent(
      `<html><body style="margin:0;width:${size}px;height:${size}px;display:grid;place-items:center;background:${maskable ? '#1f4e79' : 'transparent'}">
        <div style="width:${inner}px;height:${inner}px">${svg.replace('<svg ', `<svg width="${inner}" height="${inner}" `)}</div></body></html>`,
    );
    return page.screenshot({ omitBackground: !maskable, clip: { x: 0, y: 0, width: size, height: size } });
  };
  writeFileSync(new URL('icon-192.png', icons), await render(192, false));
  writeFileSync(new URL('icon-512.png', icons), await render(512, false));
  writeFileSync(new URL('icon-maskable-512.png', icons), await render(512, true));
} finally {
  await browser.close();
}
