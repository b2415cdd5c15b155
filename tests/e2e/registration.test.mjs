// Browser test of the page's registration view: the real daemon registers against the scripted WSS
// PBX (tests/interop/fakepbx.py + certs.py, spawned in python3 on 127.0.0.1); Chromium drives the page.
//
// Run: ARSPHONE_BIN=/work/main/build/arsphone node tests/e2e/registration.test.mjs
// Exit code 0 = every check passed. Prints TAP-like lines. Screenshots go to
// $ARSPHONE_SCREENSHOT_DIR (default /tmp) as arsphone-reg-*.png.
//
// Everything stays on loopback: the account's server is wss://pbx.arsphone.test:PORT/ with a
// host_map entry pbx.arsphone.test -> 127.0.0.1, so no name is ever looked up.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  REPO, S, SHOTS, api, assert, check, checkPageClean, closeDialogs, daemonMissing, launchChromium, onFailure,
  removeTempDirs, reportError, run, shutdown, startDaemon, stop, summary, tempDir, track, until, watchPage,
} from './harness.mjs';

const PBX_NAME = 'pbx.arsphone.test';
const USER = '505';
const PASSWORD = 'secret505';

// ---- the fake PBX (tests/interop) ----

// Two scripted registrars on 127.0.0.1, both for pbx.arsphone.test: one with
// the self-signed certificate, one with the CA-signed one (a "changed"
// certificate once the first is pinned); plus a port where nothing listens.
const PBX_SCRIPT = `
import json, os, socket, sys
sys.path.insert(0, sys.argv[1])
import certs, fakepbx
c = certs.generate(sys.argv[2])
users = {${JSON.stringify(USER)}: ${JSON.stringify(PASSWORD)}}
pbx = {w: fakepbx.FakePBX(certs=c, cert=w, users=users).start() for w in ("self", "server")}
s = socket.socket()
s.bind(("127.0.0.1", 0))
closed = s.getsockname()[1]
s.close()
print(json.dumps({"port": {w: p.port for w, p in pbx.items()}, "closed_port": closed,
                  "sha256": {w: c.sha256(w) for w in ("self", "server", "other", "ca")},
                  "registers": 0}), flush=True)
for line in sys.stdin:
    if line.strip() == "registers":
        print(json.dumps({w: len(p.registers) for w, p in pbx.items()}), flush=True)
for p in pbx.values():
    p.stop()
`;

function startPbx(certDir) {
  return new Promise((resolve, reject) => {
    const proc = track(spawn('python3', ['-c', PBX_SCRIPT, join(REPO, 'tests', 'interop'), certDir], {
      stdio: ['pipe', 'pipe', 'pipe'],
    }));
    const stderr = [];
    proc.stderr.on('data', (d) => stderr.push(String(d)));
    const lines = createInterface({ input: proc.stdout });
    const waiting = [];
    lines.on('line', (line) => {
      const next = waiting.shift();
      if (next) next(JSON.parse(line));
    });
    const timer = setTimeout(() => reject(new Error('fake PBX not ready in 30 s: ' + stderr.join(''))), 30 * S);
    proc.on('exit', (code) => reject(new Error(`fake PBX exited (${code}): ` + stderr.join('').slice(-1500))));
    waiting.push((info) => {
      clearTimeout(timer);
      info.proc = proc;
      info.stderr = stderr;
      // How many REGISTERs each PBX has received so far.
      info.registers = () =>
        new Promise((res) => {
          waiting.push(res);
          proc.stdin.write('registers\n');
        });
      resolve(info);
    });
  });
}

// ---- the daemon ----

async function registrationOf(daemon, id) {
  const status = await api(daemon, 'GET', '/status');
  const entry = (status.body.accounts || []).find((a) => a.id === id);
  if (!entry || !entry.registration) throw new Error(`GET /status has no registration for account ${id}: ${JSON.stringify(status.body)}`);
  return entry.registration;
}

// The `error` codes of api.md's Registration table and the `code`s of its Errors table.
async function apiErrorCodes() {
  const md = await readFile(join(REPO, 'schema', 'api.md'), 'utf8');
  const section = (start, end) => md.slice(md.indexOf(start), end ? md.indexOf(end, md.indexOf(start)) : undefined);
  const codes = (text, re) => [...text.matchAll(re)].map((m) => m[1]);
  return {
    http: codes(section('## Errors', '## Status'), /^\|\s*\d{3}\s*\|\s*`([a-z_]+)`/gm),
    registration: codes(section('`error` codes:', '## Settings'), /^\|\s*`([a-z_]+)`\s*\|\s*(?:failed|registering)/gm),
  };
}

// ---- the page ----

function item(page, name) {
  const exact = new RegExp('^' + name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$');
  return page.locator('#accounts-list > li').filter({ has: page.locator('.acc-name', { hasText: exact }) });
}

async function text(locator) {
  return (await locator.textContent({ timeout: 10 * S })).replace(/\s+/g, ' ').trim();
}

async function badge(page, name) {
  return text(item(page, name).locator('.badge'));
}

function accountBody(name, pbx, port, extra = {}) {
  return {
    name,
    username: USER,
    domain: PBX_NAME,
    password: PASSWORD,
    server: `wss://${PBX_NAME}:${port}/`,
    host_map: [{ host: PBX_NAME, address: '127.0.0.1' }],
    tls: { mode: 'verify' },
    ...extra,
  };
}

async function main() {
  if (daemonMissing()) return 1;
  const dataDir = await tempDir('arsphone-reg-data-');
  const certDir = await tempDir('arsphone-reg-certs-');
  const profileDir = await tempDir('arsphone-reg-chromium-');
  let daemon = null;
  let pbx = null;
  let context = null;
  const ids = {};

  try {
    const ready = await check('the fake PBX (tests/interop/fakepbx.py) and arsphone start', async () => {
      pbx = await startPbx(certDir);
      assert(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/.test(pbx.sha256.self), 'certs.py fingerprint: ' + pbx.sha256.self);
      daemon = await startDaemon(dataDir);
    });
    if (!ready) throw new Error('Bail out! nothing to test against');

    let page;
    ({ context, page } = await launchChromium(profileDir, { viewport: { width: 1280, height: 900 } }));
    const closeAll = () => closeDialogs(page, ['#trust-dialog', '#confirm-dialog', '#account-dialog']);
    onFailure(closeAll);
    const seen = watchPage(page);

    await check('every error code of api.md has an English and a Russian explanation', async () => {
      const codes = await apiErrorCodes();
      assert(codes.registration.length >= 15 && codes.http.length >= 14, 'api.md tables not found: ' + JSON.stringify(codes));
      for (const lang of ['en', 'ru']) {
        const dict = await (await fetch(daemon.base + 'i18n/' + lang + '.json')).json();
        const missing = [
          ...codes.registration.filter((c) => !dict['reg_error.' + c]).map((c) => 'reg_error.' + c),
          ...codes.http.filter((c) => !dict['error.' + c]).map((c) => 'error.' + c),
        ];
        assert(missing.length === 0, lang + '.json lacks ' + missing.join(', '));
      }
    });

    const opened = await check('the page opens', async () => {
      await page.goto(daemon.base + '#token=' + daemon.token, { timeout: 30 * S });
      await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 20 * S });
    });
    if (!opened) throw new Error('Bail out! page did not open');

    await check('a disabled account shows Disabled and offers no "Register now"', async () => {
      const made = await api(daemon, 'POST', '/accounts', accountBody('Old office', pbx, pbx.port.self, { enabled: false, tls: { mode: 'insecure' } }));
      assert(made.status === 201, 'POST: ' + made.status + ' ' + JSON.stringify(made.body));
      ids.disabled = made.body.id;
      await until(async () => (await badge(page, 'Old office')) === 'Disabled', 10, 'Disabled badge');
      const li = item(page, 'Old office');
      assert((await li.getByRole('button', { name: /^Register now/ }).count()) === 0, 'Register now offered on a disabled account');
      const said = await li.locator('.acc-head').evaluate((n) => [...n.querySelectorAll('.vh, .badge')].map((x) => x.textContent).join(''));
      assert(said === 'Registration: Disabled', 'what a screen reader gets for the badge: ' + said);
      await li.locator('.warning', { hasText: 'Certificate checks are off' }).waitFor();
      const reg = await registrationOf(daemon, ids.disabled);
      assert(reg && reg.state === 'disabled', 'daemon says: ' + JSON.stringify(reg));
      const refused = await api(daemon, 'POST', '/accounts/' + ids.disabled + '/register');
      assert(refused.status === 409 && refused.body.error.code === 'account_disabled', '/register on disabled: ' + refused.status);
    });

    await check('nothing listening: Failed, the reason, the target and a live "next attempt in N s" countdown', async () => {
      // Everything the live region says from now on.
      await page.evaluate(() => {
        window.__said = [];
        const live = document.getElementById('reg-live');
        new MutationObserver(() => live.textContent && window.__said.push(live.textContent)).observe(live, { childList: true, characterData: true, subtree: true });
      });
      const made = await api(daemon, 'POST', '/accounts', {
        name: 'Nobody home', username: USER, domain: PBX_NAME,
        server: `ws://127.0.0.1:${pbx.closed_port}/ws`,
      });
      assert(made.status === 201, 'POST: ' + made.status);
      ids.refused = made.body.id;
      const li = item(page, 'Nobody home');
      await until(async () => (await badge(page, 'Nobody home')) === 'Failed' || (await li.locator('[data-retry-at]').count()) > 0, 15, 'a failure with a countdown');
      const reg = await registrationOf(daemon, ids.refused);
      assert(reg.error === 'connection_refused', 'daemon says: ' + JSON.stringify(reg));
      await li.locator('.warning', { hasText: 'Unencrypted connection (ws://)' }).waitFor();
      await li.locator('.reg-facts', { hasText: `Connects to 127.0.0.1:${pbx.closed_port}` }).waitFor();
      // The daemon retries quickly at first (1 s, 2 s, …): wait for a wait of 4 s or more to watch it tick.
      const countdown = li.locator('[data-retry-at]');
      const first = await until(async () => {
        const m = /Next attempt in (\d+) s/.exec(await text(countdown));
        return m && Number(m[1]) >= 4 ? Number(m[1]) : null;
      }, 60, 'a countdown of 4 s or more');
      const later = await until(async () => {
        const m = /Next attempt in (\d+) s/.exec(await text(countdown));
        return m && Number(m[1]) < first ? Number(m[1]) : null;
      }, 4, 'the countdown to go down');
      assert(later < first, `countdown ${first} -> ${later}`);
      assert((await li.locator('.acc-reason').count()) === 1 && (await text(li.locator('.acc-reason'))).length > 10, 'no reason shown');
      // Not read out every second: no live region around the countdown.
      const liveAround = await countdown.evaluate((n) => !!n.closest('[aria-live], [role="status"], [role="alert"], [role="timer"]'));
      assert(!liveAround, 'the countdown sits in a live region');
      // Several attempts have failed by now; a screen reader heard of the failure once.
      const said = await page.evaluate(() => window.__said.filter((t) => t.startsWith('Nobody home:')));
      const failures = said.filter((t) => t.startsWith('Nobody home: Failed.'));
      assert(failures.length === 1, 'live region said: ' + JSON.stringify(said));
      await page.screenshot({ path: join(SHOTS, 'arsphone-reg-countdown.png'), fullPage: true });
    });

    await check('in Russian the error is explained in Russian beside the daemon’s English reason', async () => {
      onFailure(async () => {
        await api(daemon, 'PATCH', '/settings', { language: null });
        await until(async () => (await page.locator('html').getAttribute('lang')) === 'en', 10, 'lang=en');
      });
      assert((await api(daemon, 'PATCH', '/settings', { language: 'ru' })).status === 200, 'PATCH settings');
      await until(async () => (await page.locator('html').getAttribute('lang')) === 'ru', 10, 'lang=ru');
      const ru = await (await fetch(daemon.base + 'i18n/ru.json')).json();
      const li = item(page, 'Nobody home');
      await until(async () => ['Ошибка', 'Регистрация…'].includes(await badge(page, 'Nobody home')), 10, 'Russian badge');
      const reason = li.locator('.acc-reason');
      const explained = ru['reg_error.connection_refused'];
      await until(async () => (await text(reason)).includes(explained), 15, 'the Russian explanation of connection_refused');
      const english = reason.locator('[lang="en"]');
      await until(async () => (await english.count()) === 1 && (await text(english)).length > 5, 10, "the daemon's reason marked lang=en");
      await page.screenshot({ path: join(SHOTS, 'arsphone-reg-ru.png'), fullPage: true });
      assert((await api(daemon, 'PATCH', '/settings', { language: null })).status === 200, 'PATCH settings back');
      await until(async () => (await page.locator('html').getAttribute('lang')) === 'en', 10, 'lang=en');
    });
    onFailure(closeAll);

    await check('deleting the account removes it and its registration', async () => {
      const gone = await api(daemon, 'DELETE', '/accounts/' + ids.refused);
      assert(gone.status === 204, 'DELETE: ' + gone.status);
      await item(page, 'Nobody home').waitFor({ state: 'detached' });
    });

    await check('an untrusted server certificate: Failed, and the page shows the certificate certs.py made', async () => {
      const made = await api(daemon, 'POST', '/accounts', accountBody('Office', pbx, pbx.port.self));
      assert(made.status === 201, 'POST: ' + made.status + ' ' + JSON.stringify(made.body));
      ids.office = made.body.id;
      await until(async () => (await badge(page, 'Office')) === 'Failed', 20, 'Failed badge');
      const reg = await registrationOf(daemon, ids.office);
      assert(reg.error === 'tls_untrusted', 'daemon says: ' + JSON.stringify(reg));
      const li = item(page, 'Office');
      const fp = li.locator('.cert-box .fingerprint');
      await fp.waitFor();
      assert((await text(fp)) === pbx.sha256.self, `fingerprint ${await text(fp)} != certs.py ${pbx.sha256.self}`);
      const box = await text(li.locator('.cert-box'));
      assert(box.includes('CN=' + PBX_NAME), 'no subject: ' + box);
      assert(/from \d{1,2} \w{3} \d{4} to \d{1,2} \w{3} \d{4}/.test(box), 'no validity: ' + box);
      assert(box.includes('(self-signed)'), 'self-signed not said: ' + box);
      await li.locator('.acc-reason', { hasText: /not trusted/i }).waitFor();
      // TLS errors are not retried: no countdown, and the page says so.
      assert((await li.locator('[data-retry-at]').count()) === 0, 'a countdown for an error that is not retried');
      await li.locator('.reg-retry', { hasText: 'will not try again' }).waitFor();
      await li.locator('.reg-facts', { hasText: `Connects to 127.0.0.1:${pbx.port.self}` }).waitFor({ timeout: 3 * S }).catch(() => {
        throw new Error(`target shown: "${reg.target}" (api.md: host:port after host_map = 127.0.0.1:${pbx.port.self})`);
      });
      await page.screenshot({ path: join(SHOTS, 'arsphone-reg-untrusted.png'), fullPage: true });
      // The fingerprint wraps in a narrow window instead of widening the page.
      await page.setViewportSize({ width: 380, height: 900 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await page.screenshot({ path: join(SHOTS, 'arsphone-reg-untrusted-narrow.png'), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 900 });
      assert(overflow <= 0, 'page is ' + overflow + ' px wider than a 380 px window');
    });

    await check('Trust dialog: warning, focus on Cancel, Escape cancels without changing anything', async () => {
      const li = item(page, 'Office');
      const trustButton = li.getByRole('button', { name: /^Trust this certificate…/ });
      await trustButton.click();
      const dialog = page.locator('#trust-dialog');
      await dialog.waitFor({ state: 'visible' });
      assert(await dialog.evaluate((d) => d instanceof HTMLDialogElement && d.open && d.matches(':modal')), 'not a modal <dialog>');
      assert(await page.locator('#trust-cancel').evaluate((b) => b === document.activeElement), 'focus is not on Cancel');
      const body = await text(dialog);
      assert(/administrator/.test(body) && /attacker/.test(body) && /read/.test(body), 'warning missing: ' + body);
      assert((await text(dialog.locator('.fingerprint'))) === pbx.sha256.self, 'dialog fingerprint differs');
      await dialog.getByRole('button', { name: 'Cancel' }).waitFor();
      await dialog.getByRole('button', { name: 'Trust this certificate', exact: true }).waitFor();
      await page.screenshot({ path: join(SHOTS, 'arsphone-reg-trust-dialog.png') });
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      const stored = (await api(daemon, 'GET', '/accounts/' + ids.office)).body;
      assert(stored.tls.mode === 'verify' && stored.tls.pin_sha256 === null, 'changed after Escape: ' + JSON.stringify(stored.tls));
      assert(await trustButton.evaluate((b) => b === document.activeElement), 'focus did not return to the Trust button');
    });

    await check('Trust → confirm pins the certificate (PATCH), then the account registers', async () => {
      const li = item(page, 'Office');
      await li.getByRole('button', { name: /^Trust this certificate…/ }).click();
      const dialog = page.locator('#trust-dialog');
      await dialog.waitFor({ state: 'visible' });
      const patched = page.waitForResponse((r) => r.request().method() === 'PATCH' && r.url().endsWith('/api/v1/accounts/' + ids.office));
      patched.catch(() => {}); // awaited below; a failed click must not leave it unhandled
      await dialog.getByRole('button', { name: 'Trust this certificate', exact: true }).click();
      const response = await patched;
      assert(response.status() === 200, 'PATCH answered ' + response.status());
      assert(JSON.stringify(response.request().postDataJSON()) === JSON.stringify({ tls: { mode: 'pin', pin_sha256: pbx.sha256.self } }), 'PATCH body: ' + response.request().postData());
      await dialog.waitFor({ state: 'hidden' });
      const stored = (await api(daemon, 'GET', '/accounts/' + ids.office)).body;
      assert(stored.tls.mode === 'pin' && stored.tls.pin_sha256 === pbx.sha256.self, 'daemon has tls ' + JSON.stringify(stored.tls));
      await until(async () => (await badge(page, 'Office')) === 'Registered', 20, 'Registered badge');
      const facts = await text(li.locator('.reg-facts'));
      assert(/Code 200/.test(facts) && /Valid for \d+ s/.test(facts), 'facts: ' + facts);
      assert((await li.locator('.cert-box').count()) === 0, 'certificate box still shown');
      await until(async () => (await text(page.locator('#reg-live'))) === 'Office: Registered.', 5, 'the live region to say "Office: Registered."');
      await page.screenshot({ path: join(SHOTS, 'arsphone-reg-registered.png'), fullPage: true });
    });

    await check('"Register now" sends POST …/register, the daemon answers 202 and registers again', async () => {
      const before = (await pbx.registers()).self;
      const li = item(page, 'Office');
      const answered = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/v1/accounts/' + ids.office + '/register'));
      answered.catch(() => {}); // awaited below
      await li.getByRole('button', { name: /^Register now/ }).click();
      const response = await answered;
      assert(response.status() === 202, 'POST /register answered ' + response.status());
      const body = await response.json();
      assert(typeof body.state === 'string', 'answer is not a registration object: ' + JSON.stringify(body));
      await until(async () => (await pbx.registers()).self > before, 10, 'a new REGISTER at the fake PBX');
      await until(async () => (await badge(page, 'Office')) === 'Registered', 15, 'Registered again');
      assert(await li.getByRole('button', { name: /^Register now/ }).evaluate((b) => b === document.activeElement), 'focus left the Register now button');
    });

    await check('a changed certificate (tls_pin_mismatch): old pin vs new fingerprint, stronger warning, re-pin', async () => {
      // The same name now answers with the CA-signed certificate: not the pinned one.
      const moved = await api(daemon, 'PATCH', '/accounts/' + ids.office, { server: `wss://${PBX_NAME}:${pbx.port.server}/` });
      assert(moved.status === 200, 'PATCH server: ' + moved.status);
      await until(async () => (await badge(page, 'Office')) === 'Failed', 20, 'Failed badge');
      const reg = await registrationOf(daemon, ids.office);
      assert(reg.error === 'tls_pin_mismatch', 'daemon says: ' + JSON.stringify(reg));
      const li = item(page, 'Office');
      const box = li.locator('.cert-box.is-changed');
      await box.waitFor();
      assert(/CHANGED/.test(await text(box)), 'no CHANGED title');
      const prints = await box.locator('.fingerprint').allTextContents();
      assert(prints[0] === pbx.sha256.self && prints[1] === pbx.sha256.server, 'old/new: ' + JSON.stringify(prints));
      await li.getByRole('button', { name: /^Trust the new certificate…/ }).click();
      const dialog = page.locator('#trust-dialog');
      await dialog.waitFor({ state: 'visible' });
      assert(await dialog.evaluate((d) => d.classList.contains('is-changed')), 'dialog not in its "changed" form');
      assert(/NOT the certificate you trusted before/.test(await text(dialog)), 'no stronger warning');
      assert(await page.locator('#trust-cancel').evaluate((b) => b === document.activeElement), 'focus is not on Cancel');
      await page.screenshot({ path: join(SHOTS, 'arsphone-reg-changed-dialog.png') });
      await dialog.getByRole('button', { name: 'Trust this certificate', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
      const stored = (await api(daemon, 'GET', '/accounts/' + ids.office)).body;
      assert(stored.tls.mode === 'pin' && stored.tls.pin_sha256 === pbx.sha256.server, 'daemon has tls ' + JSON.stringify(stored.tls));
      await until(async () => (await badge(page, 'Office')) === 'Registered', 20, 'Registered with the new pin');
    });

    await checkPageClean(seen);
  } catch (err) {
    reportError(err);
  } finally {
    await shutdown(context, daemon);
    if (pbx && pbx.proc.exitCode === null) {
      // EOF on stdin lets the script stop its servers; then by PID if it lingers.
      const exited = new Promise((r) => pbx.proc.once('exit', r));
      pbx.proc.stdin.end();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5 * S))]);
      await stop(pbx.proc).catch(() => {});
    }
    await removeTempDirs();
  }
  return summary();
}

await run(main);
