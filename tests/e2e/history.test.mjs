// Browser test of the recent-calls list (api.md "Call history"): the real daemon with calls already in its database
// (written while it is stopped, as an earlier run would have left them), the real page in Chromium. Checks: the
// stored calls show after a restart, newest first; missed calls say so in words; Call back posts the entry's account
// and remote_uri and reports the daemon's refusal; an entry whose account was deleted offers no Call back; Clear
// history asks first, then empties the list on this page and on a second open page (the call_history.cleared event).
// The real calls behind such rows are tested in tests/api/test_history.py (scripted PBX).
//
// Run: ARSPHONE_BIN=build/arsphone node tests/e2e/history.test.mjs

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import {
  S, SHOTS, api, assert, check, checkPageClean, closeDialogs, daemonMissing, launchChromium, onFailure,
  removeTempDirs, reportError, restartDaemon, run, shutdown, startDaemon, stopDaemon, summary, tempDir, until,
  watchPage,
} from './harness.mjs';

const DOMAIN = 'pbx.example.test';

// Rows as server/store_calls.c writes them; account_id null = its account was deleted.
function seed(dataDir, accountId) {
  const rows = [
    [1, accountId, 'out', 'sip:1001@' + DOMAIN, null, '2026-11-24T09:00:00Z', '2026-11-24T09:00:03Z', '2026-11-24T09:01:05Z', 62, null, 'hung up', 'local', 'opus', 0],
    [2, accountId, 'in', 'sip:1002@' + DOMAIN, 'Alice Example', '2026-11-24T10:00:00Z', null, '2026-11-24T10:00:20Z', null, 487, 'the caller hung up before the answer', 'remote', null, 1],
    [3, null, 'in', 'sip:1003@' + DOMAIN, 'Bob Gone', '2026-11-24T11:00:00Z', null, '2026-11-24T11:00:09Z', null, 487, 'the caller hung up before the answer', 'remote', null, 1],
  ];
  const script = [
    'import json, sqlite3, sys',
    'db = sqlite3.connect(sys.argv[1])',
    'db.executemany("INSERT INTO call_history (id, account_id, direction, remote_uri, remote_name, created_at, '
      + 'answered_at, ended_at, duration, end_code, end_reason, end_by, codec, missed) VALUES '
      + '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", json.loads(sys.argv[2]))',
    'db.commit()',
  ].join('\n');
  const r = spawnSync('python3', ['-c', script, join(dataDir, 'arsphone.db'), JSON.stringify(rows)], { encoding: 'utf8' });
  assert(r.status === 0, 'seeding the database failed: ' + r.stderr);
}

function item(page, id) {
  return page.locator('#history-list > li[data-id="' + id + '"]');
}

async function main() {
  if (daemonMissing()) return 1;
  const dataDir = await tempDir('arsphone-e2e-history-');
  const profileDir = await tempDir('arsphone-e2e-history-chromium-');
  let daemon = null;
  let context = null;

  try {
    let account;
    const seeded = await check('calls stored by an earlier run are in the database', async () => {
      daemon = await startDaemon(dataDir, '127.0.0.1:0');
      // Registration can only fail (nothing listens there): Call back gets the daemon's 409.
      const made = await api(daemon, 'POST', '/accounts', { name: 'Office', username: '505', domain: DOMAIN, server: 'ws://127.0.0.1:9/ws' });
      assert(made.status === 201, 'POST account: ' + made.status);
      account = made.body;
      const port = daemon.port;
      await stopDaemon(daemon);
      seed(dataDir, account.id);
      daemon = await restartDaemon(dataDir, port);
      const listed = await api(daemon, 'GET', '/calls');
      assert(JSON.stringify(listed.body.calls.map((c) => c.id)) === '[3,2,1]', 'GET /calls: ' + JSON.stringify(listed.body));
    });
    if (!seeded) throw new Error('Bail out! no history to show');

    let page;
    ({ context, page } = await launchChromium(profileDir, { viewport: { width: 1280, height: 800 } }));
    onFailure(() => closeDialogs(page, ['#confirm-dialog']));
    const seen = watchPage(page);
    await page.goto(daemon.base + '#token=' + daemon.token, { timeout: 30 * S });

    await check('the stored calls are listed after the restart, newest first', async () => {
      await until(async () => (await page.locator('#history-list > li').count()) === 3, 15, 'three history entries');
      const ids = await page.locator('#history-list > li').evaluateAll((lis) => lis.map((li) => li.dataset.id));
      assert(JSON.stringify(ids) === '["3","2","1"]', 'order: ' + ids);
      assert((await item(page, 1).textContent()).includes('Talked 1:02'), 'answered call: ' + (await item(page, 1).textContent()));
      assert(await page.locator('#history-empty').isHidden(), '"No calls yet." is shown');
    });

    await check('missed calls are marked in words, answered ones are not', async () => {
      const badge = item(page, 2).locator('.history-missed');
      assert((await badge.textContent()).trim() === 'Missed call', 'missed badge: ' + (await badge.textContent()));
      assert((await item(page, 1).locator('.history-missed').count()) === 0, 'the answered call is marked missed');
      await page.screenshot({ path: join(SHOTS, 'arsphone-history.png') });
    });

    await check('an entry whose account was deleted says so and offers no Call back', async () => {
      assert((await item(page, 3).getByRole('button').count()) === 0, 'a button on the deleted account entry');
      assert((await item(page, 3).textContent()).includes('account deleted'), 'no note: ' + (await item(page, 3).textContent()));
    });

    await check('Call back (keyboard) posts the entry\'s account and remote URI; a refusal is shown', async () => {
      const button = item(page, 2).getByRole('button', { name: 'Call back Alice Example' });
      const posted = page.waitForRequest((r) => r.url().endsWith('/api/v1/calls') && r.method() === 'POST');
      await button.focus();
      await page.keyboard.press('Enter');
      const body = JSON.parse((await posted).postData());
      assert(body.account_id === account.id && body.to === 'sip:1002@' + DOMAIN, 'posted: ' + JSON.stringify(body));
      await until(async () => /Could not call back/.test(await page.locator('#page-alert').textContent()), 10, 'the error message');
    });

    await check('Clear history asks first; Cancel keeps the list, confirming empties it on every open page', async () => {
      const other = await context.newPage();
      await other.goto(daemon.base + '#token=' + daemon.token, { timeout: 30 * S });
      await until(async () => (await other.locator('#history-list > li').count()) === 3, 15, 'history on the second page');

      const clear = page.getByRole('button', { name: 'Clear history' });
      await clear.click();
      const dialog = page.locator('#confirm-dialog');
      await dialog.waitFor({ state: 'visible' });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert((await page.locator('#history-list > li').count()) === 3, 'entries vanished after Cancel');

      await clear.click();
      await dialog.getByRole('button', { name: 'Clear history' }).click();
      await page.locator('#history-empty').waitFor({ state: 'visible', timeout: 10 * S });
      await other.locator('#history-empty').waitFor({ state: 'visible', timeout: 10 * S });
      assert((await page.locator('#history-list > li').count()) === 0, 'entries left on the page');
      assert((await other.locator('#history-list > li').count()) === 0, 'entries left on the second page');
      assert((await clear.getAttribute('aria-disabled')) === 'true', 'Clear history still enabled');
      const left = await api(daemon, 'GET', '/calls');
      assert(left.body.calls.length === 0, 'daemon still lists: ' + JSON.stringify(left.body));
      await other.close();
    });

    await checkPageClean(seen);
  } catch (err) {
    reportError(err);
  } finally {
    await shutdown(context, daemon);
    await removeTempDirs();
  }
  return summary();
}

run(main);
