// Browser test of the page's calls: dialpad, active-call panel, history, the incoming-call popup and the in-page
// banner, against real calls. Everything runs inside one network namespace (the network rule: the daemon makes a
// webrtcbin session per call, and ICE must never see the machine's real interfaces): calls_lab.py starts
// tests/calls' CallLab there (Kamailio + rtpengine), arsphone with account "Office" (505) registered, and a SIP.js
// phone (506) in its own Chromium; this file starts the control page's Chromium inside the same namespace through a
// wrapper (`ip netns exec NS chromium ...`) and drives it with Playwright, and reaches the daemon's API and the SIP.js
// phone through calls_lab.py's stdin/stdout.
//
// Run (root): ARSPHONE_BIN=/work/main/build/arsphone node tests/e2e/calls.test.mjs
// Prints TAP-like lines; exit code 0 = every check passed. Screenshots go to $ARSPHONE_SCREENSHOT_DIR (default /tmp)
// as arsphone-calls-*.png.

import { join } from 'node:path';
import { startLab, chromiumInLab, chromiumPidsIn } from './call-lab.mjs';
import {
  S, SHOTS, assert, check, checkPageClean, daemonMissing, launchChromium, log, onFailure,
  removeTempDirs, reportError, run, summary, tempDir, until, watchPage,
} from './harness.mjs';

// ---- helpers ----

async function text(locator) {
  return (await locator.textContent({ timeout: 10 * S })).replace(/\s+/g, ' ').trim();
}

async function call(lab, id) {
  const r = await lab.api('GET', '/calls/' + id);
  assert(r.status === 200, `GET /calls/${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function waitCall(lab, id, states, timeoutS = 15) {
  let last = null;
  await until(async () => {
    last = await call(lab, id);
    return states.includes(last.state);
  }, timeoutS, `call ${id} in ${states} (last: ${JSON.stringify(last)})`);
  return last;
}

async function activeCalls(lab) {
  const r = await lab.api('GET', '/calls');
  return r.body.calls.filter((c) => c.state !== 'ended');
}

// Leaves no call behind: SIP.js idle, no call active in arsphone.
async function cleanCalls(lab) {
  const state = await lab.get('phone.state').catch(() => null);
  if (['dialing', 'ringing', 'incoming', 'established'].includes(state)) await lab.phone('hangup').catch(() => {});
  for (const c of await activeCalls(lab).catch(() => [])) await lab.api('POST', `/calls/${c.id}/hangup`).catch(() => {});
  await until(async () => (await activeCalls(lab)).length === 0, 15, 'no active calls');
  await until(async () => !['dialing', 'ringing', 'incoming', 'established'].includes(await lab.get('phone.state')), 15, 'SIP.js idle');
}

// SIP.js (506) calls 505; resolves with the new incoming call (GET /calls).
async function sipjsCalls(lab) {
  const before = new Set((await lab.api('GET', '/calls')).body.calls.map((c) => c.id));
  await lab.phone('call', '505');
  let incoming = null;
  await until(async () => {
    incoming = (await lab.api('GET', '/calls')).body.calls.find((c) => !before.has(c.id) && c.direction === 'in');
    return incoming;
  }, 15, 'the incoming call in GET /calls');
  return incoming;
}

function popupWaiter(context) {
  return context.waitForEvent('page', { predicate: (p) => p.url().includes('/popup.html'), timeout: 20 * S });
}

async function closed(page, timeoutS = 10) {
  if (page.isClosed()) return;
  await page.waitForEvent('close', { timeout: timeoutS * S });
}

// The popup window as it really is: window.open asks for a 360 × 240 content area.
async function popupShot(popup, name) {
  await popup.setViewportSize({ width: 360, height: 240 });
  const overflow = await popup.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
  await popup.screenshot({ path: join(SHOTS, name) });
  return overflow;
}

async function openPage(context, lab, page) {
  const p = page || (await context.newPage());
  await p.goto(lab.base + '#token=' + lab.token, { timeout: 30 * S });
  await p.locator('#conn[data-state="connected"]').waitFor({ timeout: 30 * S });
  await p.locator('#accounts-list .badge.state-registered').waitFor({ timeout: 20 * S });
  return p;
}

// Records every Notification the page creates (and whether it was closed); the real one is still shown.
function spyOnNotifications() {
  const Real = window.Notification;
  window.__notes = [];
  if (!Real) return;
  class Spy extends Real {
    constructor(title, options = {}) {
      super(title, options);
      const rec = { title, body: options.body || '', tag: options.tag || '', closed: false };
      window.__notes.push(rec);
      const close = this.close.bind(this);
      this.close = () => {
        rec.closed = true;
        close();
      };
    }
  }
  Object.defineProperty(Spy, 'permission', { get: () => Real.permission });
  window.__permissionRequests = [];
  Spy.requestPermission = (...args) => {
    window.__permissionRequests.push({ userActivation: navigator.userActivation ? navigator.userActivation.isActive : null });
    return Real.requestPermission(...args);
  };
  window.Notification = Spy;
}

// ---- the test ----

async function main() {
  if (daemonMissing()) return 1;
  const dir = await tempDir('arsphone-e2e-calls-');
  let lab = null;
  let context = null;
  let blockedContext = null;
  process.on('SIGTERM', () => lab && lab.close());

  try {
    const started = await check('the call lab starts: namespace, Kamailio, rtpengine, arsphone with 505 registered, SIP.js 506', async () => {
      lab = await startLab();
      log(`  # lab ${lab.netns}, arsphone on 127.0.0.1:${lab.port} inside it; start ${JSON.stringify(lab.timings)}`);
    });
    if (!started) throw new Error('Bail out! no call lab');
    let failures = 0;
    onFailure(async () => {
      failures += 1;
      for (const ctx of [context, blockedContext]) {
        for (const [i, p] of (ctx ? ctx.pages() : []).entries()) {
          await p.screenshot({ path: join(SHOTS, `arsphone-calls-failure-${failures}-${i}.png`) }).catch(() => {});
        }
      }
      if (!lab) return;
      const report = await lab.report().catch((e) => String(e));
      const daemon = report.split('---- arsphone log ----')[1] || '';
      for (const line of daemon.split('\n---- ')[0].split('\n').slice(-40)) log('  # arsphone: ' + line);
      log('  # SIP.js: ' + JSON.stringify(await lab.get('({state: phone.state, lastStatus: phone.lastStatus, endedBy: phone.endedBy, events: phone.events.slice(-8)})').catch((e) => String(e))));
      await cleanCalls(lab).catch(() => {});
    });
    const wrapper = await chromiumInLab(dir, lab);

    // ---------------------------------------------------------------- popups allowed (Playwright's default)
    const profile = await tempDir('arsphone-e2e-calls-chromium-');
    let page;
    ({ context, page } = await launchChromium(profile, { viewport: { width: 1280, height: 900 }, executablePath: wrapper }));
    const seen = watchPage(page);
    const popupSeen = { pageErrors: [], cspViolations: [] };
    context.on('page', (p) => {
      if (!p.url().includes('/popup.html') && p.url() !== 'about:blank') return;
      p.on('pageerror', (err) => popupSeen.pageErrors.push(String(err)));
      p.on('console', (msg) => {
        if (/Content Security Policy|Refused to/i.test(msg.text())) popupSeen.cspViolations.push(msg.text());
      });
    });

    await check('the page’s Chromium runs inside the lab’s network namespace', async () => {
      const pids = await chromiumPidsIn(lab, profile);
      assert(pids.length > 0, 'no Chromium process of this profile in ' + lab.netns);
    });

    const opened = await check('the page opens from the daemon inside the namespace; Office (505) shows Registered', async () => {
      await openPage(context, lab, page);
    });
    if (!opened) throw new Error('Bail out! page did not open');

    await check('dialpad: Office is chosen, Call is enabled and no reason is shown', async () => {
      const select = page.getByLabel('Call from');
      await until(async () => (await select.inputValue()) === String(lab.account_id), 10, 'Office chosen');
      assert((await text(select.locator('option:checked'))).startsWith('Office'), 'option text');
      await until(async () => page.getByRole('button', { name: 'Call', exact: true }).isEnabled(), 10, 'Call enabled');
      assert(await page.locator('#call-reason').isHidden(), 'a reason is shown: ' + (await page.locator('#call-reason').textContent()));
    });

    await check('dialpad: an empty and a bad number are reported beside the number field, nothing is called', async () => {
      const number = page.getByLabel('Number or SIP address');
      await number.fill('');
      await number.press('Enter');
      const error = page.locator('#dial-number-error');
      await error.waitFor({ state: 'visible' });
      assert((await text(error)).includes('Enter a number'), 'empty: ' + (await text(error)));
      await number.fill('12ab');
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      await until(async () => (await text(error)).includes('Not a number'), 10, 'bad_number message');
      assert((await number.getAttribute('aria-invalid')) === 'true', 'number not aria-invalid');
      assert(((await number.getAttribute('aria-describedby')) || '').includes('dial-number-error'), 'error not linked');
      assert(await page.locator('#dial-alert').isHidden(), 'alert shown for a field error');
      assert((await activeCalls(lab)).length === 0, 'a call was made');
      await number.fill('');
    });

    await check('dialpad: 409 account_not_registered and 503 media_unavailable are shown in the dialpad alert with the daemon’s words', async () => {
      // The daemon cannot be made to fail these on demand with a registered account: its answers are stood in for.
      const replies = [
        [409, 'account_not_registered', 'the account is not registered: timed out', 'This account is not registered'],
        [503, 'media_unavailable', 'no audio output device', 'The audio for the call could not be set up'],
      ];
      const number = page.getByLabel('Number or SIP address');
      const alert = page.locator('#dial-alert');
      try {
        for (const [status, code, message, expected] of replies) {
          await page.route('**/api/v1/calls', (route) =>
            route.request().method() === 'POST'
              ? route.fulfill({ status, contentType: 'application/json', body: JSON.stringify({ error: { code, message } }) })
              : route.continue());
          await number.fill('506');
          await number.press('Enter');
          await alert.waitFor({ state: 'visible' });
          const shown = await text(alert);
          assert(shown.includes(expected) && shown.includes(message), `${code}: ${shown}`);
          assert(await page.locator('#dial-number-error').isHidden(), 'shown as a field error');
          await page.unroute('**/api/v1/calls');
        }
        await page.getByRole('button', { name: 'Clear', exact: true }).click();
        await alert.waitFor({ state: 'hidden' });
      } finally {
        await page.unroute('**/api/v1/calls').catch(() => {});
      }
      assert((await activeCalls(lab)).length === 0, 'a call was made');
    });

    await check('dialpad: while Office is not registered, Call is disabled and the reason is shown; registered again, it works', async () => {
      const r = await lab.api('PATCH', '/accounts/' + lab.account_id, { password: 'wrong-password' });
      assert(r.status === 200, 'PATCH: ' + r.status);
      const call = page.getByRole('button', { name: 'Call', exact: true });
      const reason = page.locator('#call-reason');
      await until(async () => (await call.isDisabled()) && (await reason.isVisible()) && (await text(reason)).includes('password'), 20, 'Call disabled with the reason');
      const shown = await text(reason);
      assert(shown.startsWith('“Office” cannot call now: Failed.'), 'reason: ' + shown);
      assert((await call.getAttribute('aria-describedby')) === 'call-reason', 'reason not linked to Call');
      await page.screenshot({ path: join(SHOTS, 'arsphone-calls-not-registered-en.png') });
      const back = await lab.api('PATCH', '/accounts/' + lab.account_id, { password: 'secret505' });
      assert(back.status === 200, 'PATCH back: ' + back.status);
      await until(async () => (await call.isEnabled()) && (await reason.isHidden()), 20, 'Call enabled again');
    });

    let callId = null;
    let popup = null;
    await check('SIP.js calls 505: exactly one popup.html opens, with the caller’s name and number and the account', async () => {
      const waiter = popupWaiter(context);
      const incoming = await sipjsCalls(lab);
      callId = incoming.id;
      popup = await waiter;
      assert(new URL(popup.url()).hash === '#call=' + callId, 'popup URL: ' + popup.url());
      assert(!/token/i.test(popup.url()), 'token in the popup URL');
      await popup.locator('.popup-party').waitFor({ timeout: 15 * S });
      assert((await text(popup.locator('.popup-party'))) === 'SIP.js 506', 'name: ' + (await text(popup.locator('.popup-party'))));
      assert((await text(popup.locator('.popup-number'))) === '506', 'number');
      assert((await text(popup.locator('.popup-account'))) === 'to Office (505)', 'account: ' + (await text(popup.locator('.popup-account'))));
      await until(async () => (await popup.evaluate(() => document.activeElement && document.activeElement.dataset.action)) === 'answer', 5, 'Answer focused');
      assert(await page.locator('#incoming-banner').isHidden(), 'the banner is shown although the popup opened');
      const overflow = await popupShot(popup, 'arsphone-calls-popup-en.png');
      assert(overflow <= 0, `the popup content is ${overflow} px taller than 240`);
    });

    await check('Enter on Answer in the popup answers: the popup closes, the call is established, the page shows it', async () => {
      assert(popup, 'no popup');
      // The popup ignores keyboard clicks in its first 400 ms (a key pressed just as the window appears).
      await popup.waitForTimeout(600);
      assert(await popup.evaluate(() => document.activeElement.dataset.action === 'answer'), 'focus left Answer');
      await popup.keyboard.press('Enter');
      await closed(popup);
      const est = await waitCall(lab, callId, ['established']);
      await lab.wait("phone.state === 'established'", 15);
      const item = page.locator(`#call-list li[data-id="${callId}"]`);
      await item.locator('.call-state-text', { hasText: 'Connected' }).waitFor({ timeout: 10 * S });
      assert((await text(item.locator('.call-party'))) === 'SIP.js 506', 'party');
      assert((await text(item.locator('.call-number'))) === '506', 'number');
      await until(async () => (await text(item.locator('.call-facts'))).includes('Codec: ' + (est.codec === 'opus' ? 'Opus' : est.codec)), 10, 'codec shown');
      const t1 = await text(item.locator('.call-timer'));
      await page.waitForTimeout(2200);
      const t2 = await text(item.locator('.call-timer'));
      assert(/^\d+:\d\d$/.test(t1) && t1 !== t2, `timer does not run: ${t1} -> ${t2}`);
    });

    await check('Escape does not hang up; Hang up is keyboard reachable', async () => {
      const hangup = page.locator(`#call-list li[data-id="${callId}"] .hangup`);
      await hangup.focus();
      await page.keyboard.press('Escape');
      await page.waitForTimeout(1000);
      assert((await call(lab, callId)).state === 'established', 'Escape ended the call');
      assert((await lab.get('phone.state')) === 'established', 'SIP.js lost the call');
      await page.locator('#call-card').screenshot({ path: join(SHOTS, 'arsphone-calls-panel-en.png') });
      await page.screenshot({ path: join(SHOTS, 'arsphone-calls-page-en.png') });
    });

    await check('Mute and Hold toggle from the keyboard and the mouse: aria-pressed, words in the panel, muted/held in the API', async () => {
      const item = page.locator(`#call-list li[data-id="${callId}"]`);
      const mute = () => item.getByRole('button', { name: /^Mute/ });
      const hold = () => item.getByRole('button', { name: /^Hold/ });
      const pressed = async (b) => (await b().getAttribute('aria-pressed', { timeout: 10 * S }));
      assert((await pressed(mute)) === 'false' && (await pressed(hold)) === 'false', 'toggles start pressed');
      await mute().focus();
      await page.keyboard.press('Space');
      await until(async () => (await call(lab, callId)).muted === true, 5, 'API muted');
      await until(async () => (await pressed(mute)) === 'true', 5, 'Mute pressed');
      await item.locator('.call-flags', { hasText: 'Microphone off' }).waitFor({ timeout: 5 * S });
      assert(await page.evaluate(() => document.activeElement && document.activeElement.dataset.action === 'mute'), 'focus left Mute');
      await hold().click();
      await until(async () => (await call(lab, callId)).held === true, 10, 'API held');
      await until(async () => (await pressed(hold)) === 'true', 5, 'Hold pressed');
      await item.locator('.call-flags', { hasText: 'On hold · Microphone off' }).waitFor({ timeout: 5 * S });
      await page.locator('#call-card').screenshot({ path: join(SHOTS, 'arsphone-calls-panel-held-muted-en.png') });
      await hold().click();
      await until(async () => (await call(lab, callId)).held === false, 10, 'API resumed');
      await mute().focus();
      await page.keyboard.press('Enter');
      await until(async () => (await call(lab, callId)).muted === false, 5, 'API unmuted');
      await until(async () => (await pressed(mute)) === 'false' && (await pressed(hold)) === 'false', 5, 'toggles released');
      assert(await item.locator('.call-flags').count() === 0, 'the panel still says on hold or muted');
      assert((await call(lab, callId)).state === 'established', 'the call did not survive');
    });

    await check('Hang up on the page ends it: SIP.js gets the BYE, the panel says why, the history lists it', async () => {
      await page.locator(`#call-list li[data-id="${callId}"]`).getByRole('button', { name: /^Hang up/ }).click();
      await lab.wait("phone.state === 'ended'", 15);
      assert((await lab.get('phone.endedBy')) === 'remote', 'SIP.js did not see a remote hang-up');
      const ended = await waitCall(lab, callId, ['ended']);
      assert(ended.end && ended.end.by === 'local', 'end: ' + JSON.stringify(ended.end));
      const item = page.locator(`#call-list li[data-id="${callId}"]`);
      await item.locator('.call-end').waitFor();
      assert((await text(item.locator('.call-end'))).includes('ended by you'), 'end text: ' + (await text(item.locator('.call-end'))));
      await page.locator('#call-card').screenshot({ path: join(SHOTS, 'arsphone-calls-ended-en.png') });
      const first = page.locator('#history-list > li').first();
      await first.locator('.history-party', { hasText: 'SIP.js 506' }).waitFor();
      assert(/Talked \d+:\d\d/.test(await text(first)), 'history: ' + (await text(first)));
      // The ended call leaves the panel after a few seconds.
      await page.locator('#call-card').waitFor({ state: 'hidden', timeout: 15 * S });
    });

    await check('second call: Decline in the popup: SIP.js gets 603, the popup closes, history says Declined', async () => {
      const waiter = popupWaiter(context);
      const incoming = await sipjsCalls(lab);
      popup = await waiter;
      await popup.getByRole('button', { name: /^Decline/ }).click();
      await closed(popup);
      await lab.wait("phone.state === 'ended'", 15);
      assert((await lab.get('phone.lastStatus')) === 603, 'SIP.js final status: ' + (await lab.get('phone.lastStatus')));
      await waitCall(lab, incoming.id, ['ended']);
      await page.locator(`#history-list li[data-id="${incoming.id}"] .history-result`, { hasText: 'Declined' }).waitFor();
    });

    await check('third call: SIP.js cancels before the answer: the popup closes by itself, history says Missed', async () => {
      const waiter = popupWaiter(context);
      const incoming = await sipjsCalls(lab);
      popup = await waiter;
      await popup.locator('.popup-party').waitFor({ timeout: 15 * S });
      await lab.phone('cancel');
      await closed(popup);
      const ended = await waitCall(lab, incoming.id, ['ended']);
      assert(ended.end.by === 'remote', 'end: ' + JSON.stringify(ended.end));
      await page.locator(`#history-list li[data-id="${incoming.id}"] .history-result`, { hasText: 'Missed' }).waitFor();
    });

    await check('a call answered elsewhere (the API) closes the popup by itself', async () => {
      const waiter = popupWaiter(context);
      const incoming = await sipjsCalls(lab);
      popup = await waiter;
      await popup.locator('.popup-party').waitFor({ timeout: 15 * S });
      const r = await lab.api('POST', `/calls/${incoming.id}/answer`);
      assert(r.status === 200, 'answer: ' + r.status);
      await closed(popup);
      await lab.wait("phone.state === 'established'", 15);
      await page.locator(`#call-list li[data-id="${incoming.id}"] .call-state-text`, { hasText: 'Connected' }).waitFor();
      await lab.phone('hangup');
      const ended = await waitCall(lab, incoming.id, ['ended']);
      assert(ended.end.by === 'remote', 'end: ' + JSON.stringify(ended.end));
      await page.locator(`#call-list li[data-id="${incoming.id}"] .call-end`, { hasText: 'ended by the other side' }).waitFor();
    });

    await check('during a call the dialpad sends DTMF (a key button, digits typed in the number field); the panel shows tones sent and received', async () => {
      const incoming = await sipjsCalls(lab);
      const r = await lab.api('POST', `/calls/${incoming.id}/answer`);
      assert(r.status === 200, 'answer: ' + r.status);
      await lab.wait("phone.state === 'established'", 15);
      const item = page.locator(`#call-list li[data-id="${incoming.id}"]`);
      await item.locator('.call-state-text', { hasText: 'Connected' }).waitFor({ timeout: 15 * S });
      const hint = page.locator('#dial-dtmf');
      await hint.waitFor({ state: 'visible' });
      assert((await text(hint)).includes('send tones'), 'hint: ' + (await text(hint)));
      assert((await page.getByRole('group', { name: /send tones to/ }).count()) === 1, 'keys group not relabelled');
      const number = page.getByLabel('Number or SIP address');
      await number.fill('');
      await page.locator('#dialpad-form button[data-key="1"]').click();
      await number.focus();
      await page.keyboard.type('2#');
      await until(async () => (await call(lab, incoming.id)).dtmf_sent === '12#', 10, 'dtmf_sent 12#');
      assert((await number.inputValue()) === '', 'digits went into the number field: ' + (await number.inputValue()));
      await item.locator('.call-dtmf-digits', { hasText: '12#' }).waitFor();
      // the far end's tones, once arsphone's audio reaches it (the path is up both ways)
      await until(async () => ((await lab.phone('stats'))?.inbound?.packetsReceived || 0) > 10, 10, 'audio at SIP.js');
      await lab.phone('sendDtmf', '9*');
      await item.locator('.call-dtmf', { hasText: 'Tones received' }).locator('.call-dtmf-digits', { hasText: '9*' }).waitFor({ timeout: 10 * S });
      await page.locator('#call-card').screenshot({ path: join(SHOTS, 'arsphone-calls-dtmf-en.png') });
      await lab.phone('hangup');
      await waitCall(lab, incoming.id, ['ended']);
      await hint.waitFor({ state: 'hidden' });
      await page.locator('#dialpad-form button[data-key="5"]').click();
      assert((await number.inputValue()) === '5', 'after the call the keys edit the number again: ' + (await number.inputValue()));
      await number.fill('');
    });

    await check('dialpad: Enter calls 506, SIP.js rings, Hang up gets the focus; Enter on Hang up ends the call', async () => {
      const number = page.getByLabel('Number or SIP address');
      await number.fill('506');
      await number.press('Enter');
      await lab.wait("phone.state === 'incoming'", 15);
      const out = (await activeCalls(lab)).find((c) => c.direction === 'out');
      assert(out && out.remote_uri === 'sip:506@pbx.arsphone.test', 'call: ' + JSON.stringify(out));
      const item = page.locator(`#call-list li[data-id="${out.id}"]`);
      await item.locator('.call-state-text', { hasText: /Ringing|Calling/ }).waitFor();
      await until(async () => page.evaluate(() => document.activeElement && document.activeElement.classList.contains('hangup')), 5, 'Hang up focused');
      await page.locator('#call-card').screenshot({ path: join(SHOTS, 'arsphone-calls-ringing-en.png') });
      await lab.phone('answer');
      await item.locator('.call-state-text', { hasText: 'Connected' }).waitFor({ timeout: 15 * S });
      assert(await page.evaluate(() => document.activeElement && document.activeElement.classList.contains('hangup')), 'focus left Hang up');
      await page.keyboard.press('Enter');
      await lab.wait("phone.state === 'ended'", 15);
      const ended = await waitCall(lab, out.id, ['ended']);
      assert(ended.end.by === 'local', 'end: ' + JSON.stringify(ended.end));
      // Focus goes back to the number field once the call's panel entry leaves.
      await until(async () => page.evaluate(() => document.activeElement && document.activeElement.id === 'dial-number'), 15, 'focus back on the number');
    });

    await check('dialpad: a busy callee (486) shows Busy with the code and who ended it', async () => {
      await page.getByLabel('Number or SIP address').fill('506');
      await page.getByRole('button', { name: 'Call', exact: true }).click();
      await lab.wait("phone.state === 'incoming'", 15);
      const out = (await activeCalls(lab)).find((c) => c.direction === 'out');
      await lab.phone('decline', 486);
      const item = page.locator(`#call-list li[data-id="${out.id}"]`);
      await item.locator('.call-end').waitFor({ timeout: 15 * S });
      const end = await text(item.locator('.call-end'));
      assert(end.includes('Busy') && end.includes('ended by the other side'), 'end: ' + end);
      assert((await text(item.locator('.call-end-reason'))).includes('486'), 'reason: ' + (await text(item.locator('.call-end-reason'))));
    });

    await check('two tabs: only one of them opens the popup', async () => {
      await cleanCalls(lab);
      const second = await openPage(context, lab);
      const popups = [];
      const onPage = (p) => p.url().includes('/popup.html') && popups.push(p);
      context.on('page', onPage);
      try {
        const incoming = await sipjsCalls(lab);
        await until(async () => popups.length >= 1, 20, 'a popup');
        await popups[0].locator('.popup-party').waitFor({ timeout: 15 * S });
        await page.waitForTimeout(4000); // a second tab acting on its own would have opened one by now
        assert(popups.length === 1, popups.length + ' popups opened');
        assert(await second.locator('#incoming-banner').isHidden(), 'the second tab shows the banner');
        await popups[0].getByRole('button', { name: /^Decline/ }).click();
        await closed(popups[0]);
        await waitCall(lab, incoming.id, ['ended']);
      } finally {
        context.off('page', onPage);
        await second.close();
      }
    });

    await check('popup.html opened by hand (no opener to give it the token) says so and stays empty', async () => {
      const lone = await context.newPage();
      try {
        await lone.goto(lab.base + 'popup.html#call=1', { timeout: 30 * S });
        await until(async () => (await text(lone.locator('#popup-status'))).includes('only when the arsphone page opens it'), 10, 'no-token message');
        assert((await lone.locator('#popup-calls > li').count()) === 0, 'calls shown without a token');
      } finally {
        await lone.close();
      }
    });

    await check('popup_on_incoming off: the banner only (no window); Enter on its Answer answers', async () => {
      await cleanCalls(lab);
      await page.getByLabel('Open a window for incoming calls').uncheck();
      await until(async () => (await lab.api('GET', '/settings')).body.popup_on_incoming === false, 10, 'setting saved');
      const popups = [];
      const onPage = (p) => p.url().includes('/popup.html') && popups.push(p);
      context.on('page', onPage);
      try {
        const incoming = await sipjsCalls(lab);
        const banner = page.locator('#incoming-banner');
        await banner.waitFor({ state: 'visible', timeout: 15 * S });
        assert((await text(banner)).includes('SIP.js 506'), 'banner: ' + (await text(banner)));
        const answer = banner.getByRole('button', { name: /^Answer/ });
        await answer.focus();
        await page.keyboard.press('Enter');
        await waitCall(lab, incoming.id, ['established']);
        await banner.waitFor({ state: 'hidden' });
        assert(popups.length === 0, 'a popup opened');
        await until(async () => page.evaluate(() => document.activeElement && document.activeElement.classList.contains('hangup')), 5, 'Hang up focused after answering here');
        await page.locator(`#call-list li[data-id="${incoming.id}"] .hangup`).click();
        await waitCall(lab, incoming.id, ['ended']);
      } finally {
        context.off('page', onPage);
        await page.getByLabel('Open a window for incoming calls').check();
        await until(async () => (await lab.api('GET', '/settings')).body.popup_on_incoming === true, 10, 'setting back on');
      }
    });

    await check('in Russian: the popup, the call panel and Hang up are translated', async () => {
      await cleanCalls(lab);
      await page.getByLabel('Language').selectOption('ru');
      await until(async () => (await page.locator('html').getAttribute('lang')) === 'ru', 10, 'lang=ru');
      assert((await text(page.locator('#history-title'))) === 'Последние звонки', 'history title');
      const waiter = popupWaiter(context);
      const incoming = await sipjsCalls(lab);
      popup = await waiter;
      await popup.locator('.popup-party').waitFor({ timeout: 15 * S });
      await until(async () => (await text(popup.locator('#popup-title'))) === 'Входящий звонок', 10, 'popup title in Russian');
      assert((await text(popup.locator('.popup-account'))) === 'на Office (505)', 'account line: ' + (await text(popup.locator('.popup-account'))));
      await popupShot(popup, 'arsphone-calls-popup-ru.png');
      await popup.getByRole('button', { name: /^Ответить/ }).click();
      await closed(popup);
      const item = page.locator(`#call-list li[data-id="${incoming.id}"]`);
      await item.locator('.call-state-text', { hasText: 'Разговор' }).waitFor({ timeout: 15 * S });
      await page.waitForTimeout(1200);
      await page.locator('#call-card').screenshot({ path: join(SHOTS, 'arsphone-calls-panel-ru.png') });
      await page.screenshot({ path: join(SHOTS, 'arsphone-calls-page-ru.png') });
      await item.getByRole('button', { name: /^Завершить/ }).click();
      await item.locator('.call-end', { hasText: 'завершили вы' }).waitFor({ timeout: 15 * S });
      await page.getByLabel('Язык').selectOption('en');
      await until(async () => (await page.locator('html').getAttribute('lang')) === 'en', 10, 'lang=en');
    });

    await checkPageClean(seen);
    await check('popup windows: no uncaught errors and no CSP violations', async () => {
      assert(popupSeen.pageErrors.length === 0, 'page errors: ' + popupSeen.pageErrors.join(' | '));
      assert(popupSeen.cspViolations.length === 0, 'CSP: ' + popupSeen.cspViolations.join(' | '));
    });
    await context.close();
    context = null;

    // ---------------------------------------------------------------- popups blocked (the browser's default)
    const blockedProfile = await tempDir('arsphone-e2e-calls-blocked-');
    let bpage;
    ({ context: blockedContext, page: bpage } = await launchChromium(blockedProfile, {
      viewport: { width: 1280, height: 900 },
      executablePath: wrapper,
      ignoreDefaultArgs: ['--disable-popup-blocking'],
    }));
    await blockedContext.addInitScript(spyOnNotifications);
    const bseen = watchPage(bpage);
    await openPage(blockedContext, lab, bpage);

    await check('settings: “Enable desktop notifications” asks for permission from the click; allowed, it says they are on', async () => {
      const button = bpage.getByRole('button', { name: 'Enable desktop notifications' });
      await button.waitFor();
      assert((await bpage.evaluate(() => window.__permissionRequests.length)) === 0, 'permission asked without a click');
      await button.click();
      await until(async () => (await bpage.evaluate(() => window.__permissionRequests.length)) === 1, 10, 'one permission request');
      const [request] = await bpage.evaluate(() => window.__permissionRequests);
      assert(request.userActivation === true, 'requested outside the click: ' + JSON.stringify(request));
      // Headless Chromium has no prompt to answer: allow it the way the user would in the prompt.
      await blockedContext.grantPermissions(['notifications'], { origin: lab.base.replace(/\/$/, '') });
      await until(async () => (await text(bpage.locator('#notify-state'))).startsWith('On'), 10, 'state On');
      assert(await button.isHidden(), 'the button is still shown');
    });

    // Chromium lets a page open windows for 5 s after a user gesture, and every Playwright action on the page counts
    // as one: leave the page alone for longer than that before each call, as a page in the background would be.
    const quiet = () => new Promise((r) => setTimeout(r, 6 * S));
    let bannerCall = null;
    await check('popups blocked: SIP.js calls: the banner shows the caller, a notification appears, the hint says how to allow popups', async () => {
      await cleanCalls(lab);
      await quiet();
      bannerCall = await sipjsCalls(lab);
      const banner = bpage.locator('#incoming-banner');
      await banner.waitFor({ state: 'visible', timeout: 15 * S });
      const item = banner.locator(`li[data-id="${bannerCall.id}"]`);
      assert((await text(item.locator('.incoming-party'))) === 'SIP.js 506', 'party');
      assert((await text(item.locator('.incoming-facts'))).includes('506'), 'number');
      assert((await text(item.locator('.incoming-facts'))).includes('to Office (505)'), 'account');
      const hint = bpage.locator('#popup-hint');
      await hint.waitFor({ state: 'visible' });
      const hintText = await text(hint);
      assert(hintText.includes('Always allow pop-ups and redirects from ' + lab.base.replace(/\/$/, '')), 'Chromium hint: ' + hintText);
      assert(hintText.includes('Allow pop-ups for 127.0.0.1'), 'Firefox hint: ' + hintText);
      await until(async () => (await bpage.evaluate(() => window.__notes.length)) === 1, 10, 'one notification');
      const note = (await bpage.evaluate(() => window.__notes))[0];
      assert(note.body.includes('506') && note.tag === 'arsphone-call-' + bannerCall.id, 'notification: ' + JSON.stringify(note));
      assert(blockedContext.pages().length === 1, 'a window was opened: ' + blockedContext.pages().map((p) => p.url()));
      await bpage.screenshot({ path: join(SHOTS, 'arsphone-calls-banner-en.png') });
      await bpage.setViewportSize({ width: 380, height: 800 });
      const overflow = await bpage.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await bpage.screenshot({ path: join(SHOTS, 'arsphone-calls-banner-narrow.png') });
      await bpage.setViewportSize({ width: 1280, height: 900 });
      assert(overflow <= 0, 'narrow window: the page is ' + overflow + ' px wider');
    });

    await check('Decline in the banner: SIP.js gets 603, the banner and the notification go away', async () => {
      await bpage.locator('#incoming-banner').getByRole('button', { name: /^Decline/ }).click();
      await lab.wait("phone.state === 'ended'", 15);
      assert((await lab.get('phone.lastStatus')) === 603, 'SIP.js final status: ' + (await lab.get('phone.lastStatus')));
      await bpage.locator('#incoming-banner').waitFor({ state: 'hidden' });
      await until(async () => (await bpage.evaluate(() => window.__notes[0].closed)) === true, 10, 'notification closed');
    });

    await check('the popup hint is told once; next call: banner Answer works, then the caller hangs up', async () => {
      await bpage.getByRole('button', { name: 'Got it' }).click();
      await bpage.locator('#popup-hint').waitFor({ state: 'hidden' });
      await quiet();
      const incoming = await sipjsCalls(lab);
      const banner = bpage.locator('#incoming-banner');
      await banner.waitFor({ state: 'visible', timeout: 15 * S });
      assert(await bpage.locator('#popup-hint').isHidden(), 'the hint came back');
      await banner.getByRole('button', { name: /^Answer/ }).click();
      await waitCall(lab, incoming.id, ['established']);
      await lab.wait("phone.state === 'established'", 15);
      await lab.phone('hangup');
      await bpage.locator(`#call-list li[data-id="${incoming.id}"] .call-end`, { hasText: 'ended by the other side' }).waitFor({ timeout: 15 * S });
    });

    await check('in Russian: the banner; the caller cancels and it goes away by itself', async () => {
      await cleanCalls(lab);
      const r = await lab.api('PATCH', '/settings', { language: 'ru' });
      assert(r.status === 200, 'PATCH settings ' + r.status);
      await until(async () => (await bpage.locator('html').getAttribute('lang')) === 'ru', 10, 'lang=ru');
      await bpage.evaluate(() => localStorage.removeItem('arsphone.popupHintShown')); // show the hint once more, in Russian
      await quiet();
      const incoming = await sipjsCalls(lab);
      const banner = bpage.locator('#incoming-banner');
      await banner.waitFor({ state: 'visible', timeout: 15 * S });
      assert((await text(banner.locator('#incoming-title'))) === 'Входящий звонок', 'title');
      await banner.getByRole('button', { name: /^Ответить/ }).waitFor();
      await bpage.locator('#popup-hint').waitFor({ state: 'visible' });
      assert((await text(bpage.locator('#popup-hint'))).includes('Всегда разрешать всплывающие окна'), 'hint in Russian');
      await bpage.screenshot({ path: join(SHOTS, 'arsphone-calls-banner-ru.png') });
      await lab.phone('cancel');
      await banner.waitFor({ state: 'hidden', timeout: 15 * S });
      await waitCall(lab, incoming.id, ['ended']);
      await lab.api('PATCH', '/settings', { language: null });
    });

    await checkPageClean(bseen);
  } catch (err) {
    reportError(err);
  } finally {
    if (context) await context.close().catch(() => {});
    if (blockedContext) await blockedContext.close().catch(() => {});
    if (lab) await lab.close().catch(() => {});
    await removeTempDirs();
  }
  return summary();
}

await run(main);
