// Shared harness for the browser tests in tests/e2e (*.test.mjs): starts the real arsphone daemon
// (ARSPHONE_BIN) on a temp data dir and reads its "control page" line, calls its API with the
// Bearer token, launches Debian's Chromium through playwright-core, prints TAP-like ok / not ok
// lines, and kills what it started by PID on the way out. The checks themselves stay in the tests.

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const REPO = join(HERE, '..', '..');
export const BIN = process.env.ARSPHONE_BIN || join(REPO, 'build', 'arsphone');
export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';
export const SHOTS = process.env.ARSPHONE_SCREENSHOT_DIR || '/tmp';
export const S = 1000; // timeouts are written in seconds: headless Chromium on 2 cores is slow
const URL_LINE = /arsphone: control page (http:\/\/127\.0\.0\.1:(\d+)\/)#token=([0-9A-Za-z]+)/;

// ---- TAP-like reporting ----

let afterFailure = async () => {}; // puts the page back in a known state after a failed check
let passed = 0;
let failed = 0;
let count = 0;

export function log(line) {
  process.stdout.write(line + '\n');
}

// What to run after a failed check (closing dialogs, restoring settings, …).
export function onFailure(fn) {
  afterFailure = fn;
}

// Runs one check; prints "ok N - name" or "not ok N - name" with the reason.
export async function check(name, fn) {
  count += 1;
  try {
    await fn();
    passed += 1;
    log(`ok ${count} - ${name}`);
    return true;
  } catch (err) {
    failed += 1;
    log(`not ok ${count} - ${name}`);
    for (const line of String(err && err.stack ? err.stack : err).split('\n').slice(0, 8)) log('  # ' + line);
    await afterFailure().catch(() => {});
    return false;
  }
}

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

// Polls fn() until it returns a truthy value or timeoutS seconds pass.
export async function until(fn, timeoutS, what) {
  const end = Date.now() + timeoutS * S;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out after ${timeoutS} s waiting for ${what} (last: ${last && last.stack ? last.stack : JSON.stringify(last)})`);
}

// For main()'s catch: "Bail out! …" is printed as is, anything else counts as a failure.
export function reportError(err) {
  if (!String(err.message).startsWith('Bail out!')) {
    failed += 1;
    log('not ok - unexpected error: ' + String(err.stack || err).split('\n')[0]);
  } else {
    log(err.message);
  }
}

// Prints the plan and the totals; returns the exit code (0 only if something passed and nothing failed).
export function summary() {
  log(`1..${count}`);
  log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

// ---- processes we start, killed by PID on the way out ----

const children = new Set();

export function track(proc) {
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  return proc;
}

export function stop(proc, signal = 'SIGTERM') {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill(signal);
  const timer = setTimeout(() => proc.kill('SIGKILL'), 5 * S);
  return exited.finally(() => clearTimeout(timer));
}

// Runs the test's main() and sets the exit code; SIGINT/SIGTERM kill what we started.
export async function run(main) {
  for (const sig of ['SIGINT', 'SIGTERM']) {
    process.on(sig, () => {
      for (const proc of children) if (proc.exitCode === null) proc.kill('SIGKILL');
      process.exit(130);
    });
  }
  process.exitCode = await main();
}

// ---- temp dirs ----

const tempDirs = [];

export async function tempDir(prefix) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

export async function removeTempDirs() {
  while (tempDirs.length) await rm(tempDirs.pop(), { recursive: true, force: true });
}

// ---- the daemon ----

// True (after printing the skip and the bail-out) when there is no binary to test.
export function daemonMissing() {
  if (existsSync(BIN)) return false;
  log('1..0 # SKIP arsphone binary not found at ' + BIN + ' (set ARSPHONE_BIN)');
  log('Bail out! no daemon to test');
  return true;
}

export function startDaemon(dataDir, listen = '127.0.0.1:0') {
  return new Promise((resolve, reject) => {
    const proc = track(spawn(BIN, ['--data-dir', dataDir, '--listen', listen, '--no-open'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    }));
    const stderr = [];
    let done = false;
    const timer = setTimeout(() => fail(new Error('no control page line on stdout within 20 s')), 20 * S);
    function fail(err) {
      if (done) return;
      done = true;
      clearTimeout(timer);
      proc.kill('SIGKILL');
      err.message += '\n# stderr: ' + stderr.join('').slice(-1500);
      reject(err);
    }
    proc.on('error', fail);
    proc.on('exit', (code, signal) => fail(new Error(`arsphone exited early (code ${code}, signal ${signal})`)));
    proc.stderr.on('data', (d) => stderr.push(String(d)));
    createInterface({ input: proc.stdout }).on('line', (line) => {
      const m = URL_LINE.exec(line);
      if (!m || done) return;
      done = true;
      clearTimeout(timer);
      resolve({ proc, base: m[1], port: Number(m[2]), token: m[3], stderr });
    });
  });
}

export function stopDaemon(daemon) {
  return stop(daemon && daemon.proc);
}

// Starts the daemon on a fixed port again; retries briefly in case the port is still held.
export async function restartDaemon(dataDir, port) {
  let lastErr;
  for (let i = 0; i < 5; i += 1) {
    try {
      return await startDaemon(dataDir, '127.0.0.1:' + port);
    } catch (err) {
      lastErr = err;
      log(`  # restart attempt ${i + 1} failed: ${String(err.message).split('\n')[0]}`);
      await new Promise((r) => setTimeout(r, S));
    }
  }
  throw lastErr;
}

// Direct API call from the test, to confirm what the page did.
export async function api(daemon, method, path, body) {
  const init = { method, headers: { Authorization: 'Bearer ' + daemon.token } };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const response = await fetch(daemon.base + 'api/v1' + path, init);
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

// ---- the browser ----

// For main()'s finally: closes the browser (if it was launched), then stops the daemon.
export async function shutdown(context, daemon) {
  if (context) await context.close().catch(() => {});
  await stopDaemon(daemon).catch(() => {});
}

// Debian's Chromium, headless, on its own profile; extraArgs are added to the flags every test needs.
// executablePath: another command that runs Chromium (calls.test.mjs: a wrapper that starts it inside the call lab's
// network namespace); ignoreDefaultArgs: Playwright flags to leave out (e.g. '--disable-popup-blocking').
export async function launchChromium(profileDir, { viewport, extraArgs = [], executablePath = CHROMIUM, ignoreDefaultArgs }) {
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath,
    ignoreDefaultArgs,
    headless: true,
    locale: 'en-US',
    viewport,
    timeout: 60 * S,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  context.setDefaultTimeout(15 * S);
  const page = context.pages()[0] || (await context.newPage());
  return { context, page };
}

// Collects uncaught page errors and CSP violations, for checkPageClean().
export function watchPage(page) {
  const seen = { pageErrors: [], cspViolations: [] };
  page.on('pageerror', (err) => seen.pageErrors.push(String(err)));
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) seen.cspViolations.push(msg.text());
  });
  return seen;
}

export function checkPageClean(seen) {
  return check('no uncaught page errors and no CSP violations', async () => {
    assert(seen.pageErrors.length === 0, 'page errors: ' + seen.pageErrors.join(' | '));
    assert(seen.cspViolations.length === 0, 'CSP: ' + seen.cspViolations.join(' | '));
  });
}

// Closes whichever of these <dialog>s is open (after a failed check).
export async function closeDialogs(page, ids) {
  for (const id of ids) {
    if (await page.locator(id).isVisible()) await page.locator(id).evaluate((d) => d.close());
  }
}
