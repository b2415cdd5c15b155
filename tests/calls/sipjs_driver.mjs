// One SIP.js phone in headless Chromium, driven over stdin/stdout by the
// Python harness (tests/calls/sipjs.py); started inside the test's network
// namespace, so the Chromium it launches is there too.
//
//   node sipjs_driver.mjs --page URL --tone TONE.wav --profile DIR [--chromium PATH]
//
// Launches Debian's Chromium with the flags every call test uses (fake
// audio device fed with TONE.wav, --mute-audio removed), opens URL (the
// page of sipjs_page/, served by pageserver.py) and waits for window.phone.
// Then prints {"event":"ready", ...timings} and answers one JSON request
// per stdin line:
//   {"id":1,"op":"call","method":"register","args":[...]}  window.phone[method](...args)
//   {"id":2,"op":"eval","expr":"phone.state"}              an expression's value
//   {"id":3,"op":"wait","expr":"phone.state==='incoming'","timeout":10000}
//   {"id":4,"op":"close"}                                  close Chromium, exit 0
// with {"id":N,"ok":true,"value":...} or {"id":N,"ok":false,"error":"..."}.
// Page console lines and errors come as {"event":"console"|"pageerror",...}.
// Chromium is closed when stdin closes or on SIGTERM.

import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const t0 = Date.now();
const opts = { chromium: '/usr/bin/chromium' };
for (let i = 2; i < process.argv.length; i += 2) opts[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
for (const k of ['page', 'tone', 'profile']) {
  if (!opts[k]) {
    process.stderr.write(`sipjs_driver: --${k} is required\n`);
    process.exit(2);
  }
}

const emit = (obj) => process.stdout.write(JSON.stringify(obj) + '\n');

let context = null;
let closing = false;

async function shutdown(code) {
  if (closing) return;
  closing = true;
  if (context) await context.close().catch(() => {});
  process.exit(code);
}
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));

async function main() {
  const tLaunch = Date.now();
  context = await chromium.launchPersistentContext(opts.profile, {
    executablePath: opts.chromium,
    headless: true,
    ignoreHTTPSErrors: true,
    ignoreDefaultArgs: ['--mute-audio'],
    timeout: 60000,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${opts.tone}`,
    ],
  });
  const tLaunched = Date.now();
  const page = context.pages()[0] || (await context.newPage());
  page.on('console', (m) => emit({ event: 'console', type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => emit({ event: 'pageerror', text: String(e) }));
  page.on('crash', () => emit({ event: 'crash' }));
  await page.goto(opts.page, { waitUntil: 'load', timeout: 30000 });
  await page.waitForFunction(() => window.phone && window.phone.ready === true, null, { timeout: 30000 });
  const tReady = Date.now();
  emit({
    event: 'ready',
    startedAt: t0,
    launchMs: tLaunched - tLaunch,
    pageMs: tReady - tLaunched,
    totalMs: tReady - t0,
  });

  const rl = createInterface({ input: process.stdin });
  rl.on('close', () => shutdown(0));
  for await (const line of rl) {
    if (!line.trim()) continue;
    let req;
    try {
      req = JSON.parse(line);
    } catch (e) {
      emit({ event: 'bad-request', text: line.slice(0, 200) });
      continue;
    }
    handle(page, req); // concurrently: a long wait must not block others
  }
}

async function handle(page, req) {
  try {
    let value;
    if (req.op === 'call') {
      value = await page.evaluate(([m, a]) => window.phone[m](...a), [req.method, req.args || []]);
    } else if (req.op === 'eval') {
      value = await page.evaluate(req.expr);
    } else if (req.op === 'wait') {
      const h = await page.waitForFunction(req.expr, null, { timeout: req.timeout || 10000, polling: 20 });
      value = await h.jsonValue();
    } else if (req.op === 'close') {
      emit({ id: req.id, ok: true, value: null });
      await shutdown(0);
      return;
    } else {
      throw new Error(`unknown op ${req.op}`);
    }
    emit({ id: req.id, ok: true, value: value === undefined ? null : value });
  } catch (e) {
    emit({ id: req.id, ok: false, error: String((e && e.message) || e) });
  }
}

main().catch((e) => {
  emit({ event: 'fatal', error: String((e && e.stack) || e) });
  shutdown(1);
});
