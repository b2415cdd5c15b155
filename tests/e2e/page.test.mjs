// End-to-end test of the control page: starts the real arsphone daemon, drives Debian's Chromium through the page, prints TAP.
//
// Run: ARSPHONE_BIN=/work/main/build/arsphone node tests/e2e/page.test.mjs
// Exit code 0 = every check passed. Screenshots go to /tmp/arsphone-*.png.

import { join } from 'node:path';
import {
  S, SHOTS, api, assert, check, checkPageClean, closeDialogs, daemonMissing, launchChromium, onFailure,
  removeTempDirs, reportError, restartDaemon, run, shutdown, startDaemon, stopDaemon, summary, tempDir, until,
  watchPage,
} from './harness.mjs';

// ---- the page ----

const ACCOUNT = {
  name: 'Office <b>&amp;</b>', // markup in user data must show as text
  username: '505',
  domain: 'pbx.example.test',
  password: 's3cret-pass',
  server: 'ws://pbx.example.test:8080/ws',
};

function accountItem(page, name) {
  return page.locator('#accounts-list > li').filter({ has: page.locator('.acc-name', { hasText: name }) });
}

async function text(locator) {
  return (await locator.textContent({ timeout: 10 * S })).trim();
}

async function main() {
  if (daemonMissing()) return 1;
  const dataDir = await tempDir('arsphone-e2e-data-');
  const profileDir = await tempDir('arsphone-e2e-chromium-');
  let daemon = null;
  let context = null;

  try {
    const started = await check('arsphone starts and prints the control page URL', async () => {
      daemon = await startDaemon(dataDir, '127.0.0.1:0');
      assert(daemon.token.length === 64, 'token is not 64 characters: ' + daemon.token);
    });
    if (!started) throw new Error('Bail out! daemon did not start');

    let page;
    ({ context, page } = await launchChromium(profileDir, {
      viewport: { width: 1280, height: 800 },
      extraArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
    }));
    onFailure(() => closeDialogs(page, ['#confirm-dialog', '#account-dialog']));
    const seen = watchPage(page);

    const opened = await check('the page opens with the token and shows the accounts panel', async () => {
      await page.goto(daemon.base + '#token=' + daemon.token, { timeout: 30 * S });
      await page.locator('#app').waitFor({ state: 'visible' });
      assert(await page.locator('#gate').isHidden(), 'the "no token" message is shown');
      assert((await page.locator('html').getAttribute('lang')) === 'en', 'html lang is not en');
      assert((await page.evaluate(() => document.compatMode)) === 'CSS1Compat', 'page renders in quirks mode');
    });
    if (!opened) throw new Error('Bail out! page did not open');

    await check('the token disappears from the address bar but stays in sessionStorage', async () => {
      await until(async () => !page.url().includes('token'), 10, 'URL without token');
      const stored = await page.evaluate(() => sessionStorage.getItem('arsphone.token'));
      assert(stored === daemon.token, 'sessionStorage does not hold the token');
    });

    await check('the connection indicator shows connected', async () => {
      await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 20 * S });
      assert((await text(page.locator('#conn'))) === 'Connected', 'indicator text: ' + (await text(page.locator('#conn'))));
    });

    await check('without a token the page tells the user to open the URL printed by arsphone', async () => {
      const other = await context.newPage();
      try {
        await other.goto(daemon.base, { timeout: 30 * S });
        await other.locator('#gate').waitFor({ state: 'visible' });
        const message = await text(other.locator('#gate'));
        assert(/printed|prints/.test(message) && message.includes('#token='), 'gate text: ' + message);
        assert(await other.locator('#app').isHidden(), 'the app is shown without a token');
      } finally {
        await other.close();
      }
    });

    await check('the media stays cold until the number field is used, then warms up', async () => {
      const before = (await api(daemon, 'GET', '/status')).body.media;
      assert(before.state === 'cold', 'media before the dialpad is used: ' + JSON.stringify(before));
      await page.locator('#dial-number').focus();
      await until(async () => (await api(daemon, 'GET', '/status')).body.media.state === 'warm', 30, 'media warm');
    });

    await check('the dialpad takes keys, backspace works, Call is disabled with a visible reason', async () => {
      for (const key of ['1', '2', '#', '0']) await page.locator(`#dialpad-form button[data-key="${key}"]`).click();
      assert((await page.locator('#dial-number').inputValue()) === '12#0', 'number after clicks');
      await page.getByRole('button', { name: 'Delete last character' }).click();
      assert((await page.locator('#dial-number').inputValue()) === '12#', 'number after backspace');
      await page.locator('#dial-number').press('End');
      await page.locator('#dial-number').pressSequentially('*5');
      assert((await page.locator('#dial-number').inputValue()) === '12#*5', 'typing into the field');
      assert(await page.getByRole('button', { name: 'Call' }).isDisabled(), 'Call is enabled');
      const reason = page.locator('#call-reason');
      assert(await reason.isVisible(), 'reason not visible');
      assert((await text(reason)) === 'Add an account to make calls.', 'reason: ' + (await text(reason)));
      assert(await page.getByLabel('Call from').isDisabled(), 'account select enabled without accounts');
      await page.getByRole('button', { name: 'Clear', exact: true }).click();
    });

    await check('an account added through the form appears in the list', async () => {
      await page.getByRole('button', { name: 'Add account' }).click();
      const dialog = page.locator('#account-dialog');
      await dialog.waitFor({ state: 'visible' });
      await page.getByLabel('Account name').fill(ACCOUNT.name);
      await page.getByLabel('User name (extension)').fill(ACCOUNT.username);
      await page.getByLabel('SIP domain').fill(ACCOUNT.domain);
      await page.getByLabel('Password', { exact: true }).fill(ACCOUNT.password);
      await page.getByLabel('WebSocket server').fill(ACCOUNT.server);
      // Disabled: the daemon registers enabled accounts, and pbx.example.test must not be looked up
      // (registration.test.mjs covers the live states against a local fake PBX).
      await page.getByLabel('Enabled').uncheck();
      await page.getByLabel('WebSocket server').press('Enter'); // Enter submits the form
      await dialog.waitFor({ state: 'hidden' });
      const item = accountItem(page, ACCOUNT.name);
      await item.waitFor({ state: 'visible' });
      assert((await text(item.locator('.acc-name'))) === ACCOUNT.name, 'name not shown as plain text');
      assert((await item.locator('.acc-name b').count()) === 0, 'account name was parsed as HTML');
      assert((await text(item.locator('.badge'))) === 'Disabled', 'state badge: ' + (await text(item.locator('.badge'))));
      const listed = await api(daemon, 'GET', '/accounts');
      const saved = listed.body.accounts.find((a) => a.name === ACCOUNT.name);
      assert(saved && saved.has_password === true && saved.server === ACCOUNT.server && saved.enabled === false, 'daemon has: ' + JSON.stringify(listed.body));
    });

    await check('a ws:// account shows the unencrypted warning', async () => {
      const warning = accountItem(page, ACCOUNT.name).locator('.warning');
      await warning.first().waitFor({ state: 'visible' });
      assert((await text(warning.first())).includes('ws://'), 'warning: ' + (await text(warning.first())));
    });

    await check('edit: a bad server URL is reported beside the server field only', async () => {
      await accountItem(page, ACCOUNT.name).getByRole('button', { name: /^Edit/ }).click();
      const dialog = page.locator('#account-dialog');
      await dialog.waitFor({ state: 'visible' });
      const password = page.getByLabel('Password', { exact: true });
      assert((await password.inputValue()) === '', 'password field is not empty');
      assert((await password.getAttribute('placeholder')) === 'saved', 'password placeholder is not "saved"');
      await page.getByLabel('WebSocket server').fill('http://x');
      await page.getByRole('button', { name: 'Save changes' }).click();
      const error = page.locator('#acc-server-error');
      await error.waitFor({ state: 'visible' });
      assert((await text(error)).length > 3, 'empty error text');
      const server = page.locator('#acc-server');
      assert((await server.getAttribute('aria-invalid')) === 'true', 'server input is not aria-invalid');
      assert(((await server.getAttribute('aria-describedby')) || '').split(' ').includes('acc-server-error'), 'error not linked by aria-describedby');
      const visibleErrors = await page.locator('#account-dialog .field-error:visible').count();
      assert(visibleErrors === 1, visibleErrors + ' field errors are visible');
      assert(await page.locator('#acc-form-alert').isHidden(), 'form-level alert is shown: ' + (await page.locator('#acc-form-alert').textContent()));
      assert(await server.evaluate((n) => n === document.activeElement), 'focus did not move to the invalid field');
      await page.screenshot({ path: join(SHOTS, 'arsphone-dialog.png') });
      await page.keyboard.press('Escape'); // Escape closes the dialog
      await dialog.waitFor({ state: 'hidden' });
      const stored = (await api(daemon, 'GET', '/accounts')).body.accounts.find((a) => a.name === ACCOUNT.name);
      assert(stored.server === ACCOUNT.server, 'the bad server was stored');
    });

    await check('edit: saving without typing a password keeps the saved one', async () => {
      await accountItem(page, ACCOUNT.name).getByRole('button', { name: /^Edit/ }).click();
      await page.getByLabel('Display name (optional)').fill('Reception');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('#account-dialog').waitFor({ state: 'hidden' });
      await accountItem(page, ACCOUNT.name).locator('.acc-details', { hasText: 'Reception' }).waitFor();
      const stored = (await api(daemon, 'GET', '/accounts')).body.accounts.find((a) => a.name === ACCOUNT.name);
      assert(stored.display_name === 'Reception' && stored.has_password === true, 'daemon has: ' + JSON.stringify(stored));
    });

    await check('edit: a bad host_map address is reported beside that row, insecure TLS is warned about', async () => {
      await accountItem(page, ACCOUNT.name).getByRole('button', { name: /^Edit/ }).click();
      await page.getByRole('button', { name: 'Add override' }).click();
      const dialog = page.locator('#account-dialog');
      await dialog.getByLabel('Host name').fill('pbx.example.test');
      await dialog.getByLabel('IP address').fill('not-an-ip');
      await page.getByLabel('Certificate check').selectOption('insecure');
      await page.locator('#acc-tls-warning').waitFor({ state: 'visible' });
      await page.getByRole('button', { name: 'Save changes' }).click();
      const address = dialog.getByLabel('IP address');
      await until(async () => (await address.getAttribute('aria-invalid')) === 'true', 10, 'address aria-invalid');
      const errorId = (await address.getAttribute('aria-describedby')).split(' ').find((id) => id.endsWith('-error'));
      assert(errorId && (await page.locator('#' + errorId).isVisible()), 'no visible error linked to the address');
      assert((await dialog.getByLabel('Host name').getAttribute('aria-invalid')) !== 'true', 'host marked invalid');
      await address.fill('192.0.2.10');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('#account-dialog').waitFor({ state: 'hidden' });
      const item = accountItem(page, ACCOUNT.name);
      await item.locator('.warning', { hasText: 'Certificate checks are off' }).waitFor();
      const stored = (await api(daemon, 'GET', '/accounts')).body.accounts.find((a) => a.name === ACCOUNT.name);
      assert(stored.tls.mode === 'insecure' && stored.host_map.length === 1 && stored.host_map[0].address === '192.0.2.10', 'daemon has: ' + JSON.stringify(stored));
    });

    await check('adding a second account with the same name shows the error in the form', async () => {
      await page.getByRole('button', { name: 'Add account' }).click();
      await page.getByLabel('Account name').fill(ACCOUNT.name);
      await page.getByLabel('User name (extension)').fill('506');
      await page.getByLabel('SIP domain').fill(ACCOUNT.domain);
      await page.getByLabel('WebSocket server').fill('wss://pbx.example.test/ws');
      await page.getByRole('button', { name: 'Add account' }).last().click();
      const alert = page.locator('#account-dialog [role="alert"]');
      await alert.waitFor({ state: 'visible' });
      assert((await text(alert)).includes('already'), 'form alert: ' + (await text(alert)));
      await page.locator('#acc-name-error').waitFor({ state: 'visible' });
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.locator('#account-dialog').waitFor({ state: 'hidden' });
      assert((await page.locator('#accounts-list > li').count()) === 1, 'a second account was listed');
    });

    await check('edit: "remove the saved password" removes it', async () => {
      await accountItem(page, ACCOUNT.name).getByRole('button', { name: /^Edit/ }).click();
      await page.getByLabel('Remove the saved password').check();
      assert(await page.getByLabel('Password', { exact: true }).isDisabled(), 'password field still editable');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('#account-dialog').waitFor({ state: 'hidden' });
      const stored = (await api(daemon, 'GET', '/accounts')).body.accounts.find((a) => a.name === ACCOUNT.name);
      assert(stored.has_password === false, 'daemon still has a password');
      await accountItem(page, ACCOUNT.name).getByRole('button', { name: /^Edit/ }).click();
      assert((await page.getByLabel('Password', { exact: true }).getAttribute('placeholder')) === '', 'placeholder still says saved');
      assert(await page.getByLabel('Remove the saved password').isHidden(), 'remove checkbox shown without a password');
      await page.keyboard.press('Escape');
      await page.locator('#account-dialog').waitFor({ state: 'hidden' });
    });

    await check('after a reload the account is still listed (token kept for the tab)', async () => {
      await page.reload({ timeout: 30 * S });
      await accountItem(page, ACCOUNT.name).waitFor({ state: 'visible' });
      assert(await page.locator('#gate').isHidden(), 'the "no token" message is shown after reload');
      await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 20 * S });
    });

    await check('switching the language to Russian shows Russian labels, and back to English', async () => {
      await page.getByLabel('Language').selectOption('ru');
      await until(async () => (await page.locator('html').getAttribute('lang')) === 'ru', 10, 'lang=ru');
      assert((await text(page.locator('#accounts-title'))) === 'Учётные записи', 'accounts title not Russian');
      await page.getByRole('button', { name: 'Добавить учётную запись' }).waitFor();
      // The only account is disabled.
      assert((await text(page.locator('#call-reason'))) === 'Все учётные записи отключены: включите одну, чтобы звонить.', 'call reason not Russian: ' + (await text(page.locator('#call-reason'))));
      assert((await text(page.locator('#conn'))) === 'Подключено', 'indicator not Russian');
      await until(async () => (await api(daemon, 'GET', '/settings')).body.language === 'ru', 10, 'language=ru saved');
      await page.screenshot({ path: join(SHOTS, 'arsphone-page-ru.png') });
      await page.getByLabel('Язык').selectOption('en');
      await until(async () => (await page.locator('html').getAttribute('lang')) === 'en', 10, 'lang=en');
      assert((await text(page.locator('#accounts-title'))) === 'Accounts', 'accounts title not English');
      await until(async () => (await api(daemon, 'GET', '/settings')).body.language === 'en', 10, 'language=en saved');
    });

    await check('a settings.updated event from elsewhere switches the language', async () => {
      const res = await api(daemon, 'PATCH', '/settings', { language: 'ru' });
      assert(res.status === 200, 'PATCH /settings: ' + res.status);
      await until(async () => (await page.locator('html').getAttribute('lang')) === 'ru', 10, 'lang=ru from event');
      assert((await page.locator('#set-language').inputValue()) === 'ru', 'select did not follow');
      await api(daemon, 'PATCH', '/settings', { language: null });
      await until(async () => (await page.locator('html').getAttribute('lang')) === 'en', 10, 'lang=en (browser) from event');
    });

    await page.screenshot({ path: join(SHOTS, 'arsphone-page.png') });

    await check('after the daemon restarts, the indicator shows reconnecting, then connected by itself', async () => {
      const port = daemon.port;
      await stopDaemon(daemon);
      await page.locator('#conn[data-state="reconnecting"]').waitFor({ timeout: 15 * S });
      assert((await text(page.locator('#conn'))) === 'Reconnecting…', 'indicator text while down');
      await page.screenshot({ path: join(SHOTS, 'arsphone-page-reconnecting.png') });
      daemon = await restartDaemon(dataDir, port);
      // Changed right after the restart: the page must show it whether it reconnects before or after.
      const made = await api(daemon, 'POST', '/accounts', { name: 'Second', username: '506', domain: 'pbx.example.test', server: 'wss://pbx.example.test/ws', enabled: false });
      assert(made.status === 201, 'POST second account: ' + made.status + ' ' + JSON.stringify(made.body));
      await page.locator('#conn[data-state="connected"]').waitFor({ timeout: 30 * S });
      await accountItem(page, 'Second').waitFor({ state: 'visible', timeout: 15 * S });
      await accountItem(page, ACCOUNT.name).waitFor({ state: 'visible' });
      const gone = await api(daemon, 'DELETE', '/accounts/' + made.body.id);
      assert(gone.status === 204, 'DELETE second account: ' + gone.status);
      await accountItem(page, 'Second').waitFor({ state: 'detached', timeout: 15 * S });
    });

    await check('delete asks for confirmation; Cancel keeps the account, confirming removes it', async () => {
      const item = accountItem(page, ACCOUNT.name);
      await item.getByRole('button', { name: /^Delete/ }).click();
      const dialog = page.locator('#confirm-dialog');
      await dialog.waitFor({ state: 'visible' });
      assert((await text(dialog)).includes(ACCOUNT.name), 'confirmation does not name the account');
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      assert(await item.isVisible(), 'account vanished after Cancel');
      await item.getByRole('button', { name: /^Delete/ }).click();
      await dialog.getByRole('button', { name: 'Delete account' }).click();
      await item.waitFor({ state: 'detached' });
      await page.locator('#accounts-empty').waitFor({ state: 'visible' });
      const left = await api(daemon, 'GET', '/accounts');
      assert(left.body.accounts.length === 0, 'daemon still has: ' + JSON.stringify(left.body));
    });

    await check('narrow window: no horizontal scrolling', async () => {
      await page.setViewportSize({ width: 380, height: 800 });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      await page.screenshot({ path: join(SHOTS, 'arsphone-page-narrow.png'), fullPage: true });
      await page.setViewportSize({ width: 1280, height: 800 });
      assert(overflow <= 0, 'page is ' + overflow + ' px wider than the window');
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

await run(main);
