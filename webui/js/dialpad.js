// Dialpad: the account to call from (enabled accounts; the first registered one unless the user chose), the number
// field with 0-9 * # keys, backspace and clear, and Call (also Enter in the number field): POST /api/v1/calls.
// Call is disabled, with the reason beside it, while the chosen account is not registered. Errors of the request go
// beside the field they are about (`to`, `account_id`) or into the dialpad's alert.
//
// During an established call the keys (buttons, and 0-9 * # typed anywhere but another form field) send DTMF tones for
// that call instead of editing the number: POST /api/v1/calls/{id}/dtmf, one request per key, in order.

import { byId, el } from './dom.js';
import { t, has, onLanguageChange } from './i18n.js';
import { FieldErrors, describeError } from './field-errors.js';
import * as reg from './registration.js';
import { party } from './call-view.js';

const TONE_KEYS = /^[0-9*#]$/;

export function createDialpad(api, { onPlaced, onToneSent }) {
  const form = byId('dialpad-form');
  const number = byId('dial-number');
  const select = byId('dial-account');
  const call = byId('call');
  const reason = byId('call-reason');
  const alert = byId('dial-alert');
  const keysLabel = byId('dialpad-keys-label');
  const dtmfHint = byId('dial-dtmf');
  let toneCall = null; // the established call the keys send tones to, or null
  let sending = Promise.resolve(); // tone requests, one after the other
  let accounts = []; // enabled accounts, by id
  let registration = new Map(); // id -> registration object
  let chosen = null; // the id the user picked, kept while it exists
  let busy = false;
  let alertText = null; // () => text of a non-field error, re-run on a language change

  const errors = new FieldErrors(alert, (path) => (path === 'to' ? number : path === 'account_id' ? select : null));

  function showAlert(fn) {
    alertText = fn;
    alert.textContent = fn ? fn() : '';
    alert.hidden = !fn;
  }

  function stateOf(account) {
    return reg.effective(account, registration.get(account.id));
  }

  function current() {
    return accounts.find((a) => a.id === Number(select.value)) || null;
  }

  // The account to preselect: the user's choice while it is listed, else the first registered, else the first.
  function preferred() {
    if (chosen !== null && accounts.some((a) => a.id === chosen)) return chosen;
    const registered = accounts.find((a) => stateOf(a).state === 'registered');
    return (registered || accounts[0] || {}).id ?? null;
  }

  // Why Call cannot be used now, or null when it can.
  function blocker(account, all) {
    if (!all.length) return t('dialpad.no_accounts');
    if (!account) return t('dialpad.all_disabled');
    const r = stateOf(account);
    if (r.state === 'registered') return null;
    const text = [t('dialpad.not_registered', { name: account.name, state: t('state.' + r.state) })];
    if (r.error && has('reg_error.' + r.error)) text.push(t('reg_error.' + r.error));
    else if (r.reason) text.push(r.reason);
    return text.join(' ');
  }

  let total = [];
  function render() {
    const keep = preferred();
    select.replaceChildren(
      ...accounts.map((a) =>
        el('option', { text: a.name + ' — ' + t('state.' + stateOf(a).state), attrs: { value: a.id } }),
      ),
    );
    if (!accounts.length) select.append(el('option', { text: t('dialpad.no_account_option'), attrs: { value: '' } }));
    select.disabled = accounts.length === 0;
    if (keep !== null) select.value = String(keep);
    const why = blocker(current(), total);
    call.disabled = busy || why !== null;
    reason.textContent = why || '';
    reason.hidden = why === null;
  }

  async function place() {
    const account = current();
    if (busy || !account || blocker(account, total)) return;
    errors.clear();
    showAlert(null);
    const to = number.value.trim();
    if (!to) {
      errors.show({ fields: { to: '' }, fieldCodes: { to: 'empty_number' }, code: 'validation_failed' });
      number.focus();
      return;
    }
    busy = true;
    render();
    try {
      const placed = await api.post('/calls', { account_id: account.id, to });
      busy = false;
      render();
      onPlaced(placed);
    } catch (err) {
      busy = false;
      render();
      if (err.code === 'validation_failed') {
        const first = errors.show(err);
        (first || number).focus();
      } else if (err.code === 'account_not_registered' || err.code === 'media_unavailable') {
        // The daemon's message says why (the registration's reason, or what failed in the audio).
        showAlert(() => describeError(err) + ' ' + t('dialpad.daemon_says', { message: err.message }));
        number.focus();
      } else {
        showAlert(() => t('dialpad.call_failed', { error: describeError(err) }));
        number.focus();
      }
    }
  }

  // The first sign that the user is about to call readies the daemon's media (GStreamer's plugins, the DTLS
  // certificate), so that this first call is as fast as any later one. A failure here shows when Call is used.
  let warmed = false;
  function warmUp() {
    if (warmed) return;
    warmed = true;
    api.post('/media/warmup').catch(() => {});
  }
  number.addEventListener('focus', warmUp);
  form.addEventListener('click', warmUp);

  function renderTones() {
    const who = toneCall ? party(toneCall).title : null;
    keysLabel.textContent = who ? t('dialpad.dtmf_keys', { party: who }) : t('dialpad.keys');
    dtmfHint.textContent = who ? t('dialpad.dtmf_hint', { party: who }) : '';
    dtmfHint.hidden = !who;
    form.classList.toggle('dtmf-mode', !!who);
  }

  function sendTone(key) {
    const id = toneCall.id;
    const button = form.querySelector('button[data-key="' + CSS.escape(key) + '"]');
    if (button) {
      button.classList.add('pressed');
      setTimeout(() => button.classList.remove('pressed'), 150);
    }
    showAlert(null);
    sending = sending
      .then(() => api.post('/calls/' + id + '/dtmf', { digits: key }))
      .then(onToneSent, (err) => showAlert(() => t('dialpad.dtmf_failed', { error: describeError(err) })));
  }

  for (const key of form.querySelectorAll('button[data-key]')) {
    key.addEventListener('click', () => {
      if (toneCall) {
        sendTone(key.dataset.key);
        return;
      }
      number.value += key.dataset.key;
      errors.clearField(number);
    });
  }
  // Digits typed during a call are tones, except in other form fields and dialogs.
  document.addEventListener('keydown', (event) => {
    if (!toneCall || event.ctrlKey || event.metaKey || event.altKey || !TONE_KEYS.test(event.key)) return;
    const target = event.target;
    const field = target instanceof HTMLElement && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
    if ((field && target !== number) || document.querySelector('dialog[open]')) return;
    event.preventDefault();
    if (!event.repeat) sendTone(event.key);
  });
  byId('dial-backspace').addEventListener('click', () => {
    number.value = number.value.slice(0, -1);
  });
  byId('dial-clear').addEventListener('click', () => {
    number.value = '';
    errors.clear();
    showAlert(null);
    number.focus();
  });
  number.addEventListener('input', () => errors.clearField(number));
  select.addEventListener('change', () => {
    chosen = Number(select.value);
    errors.clearField(select);
    render();
  });
  // Call and Enter in the number field.
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    place();
  });
  onLanguageChange(() => {
    render();
    renderTones();
    if (alertText) alert.textContent = alertText();
    else errors.retranslate();
  });
  render();
  renderTones();

  return {
    // All accounts and their registration objects (from the accounts list).
    setAccounts(all, regs) {
      total = all;
      accounts = all.filter((a) => a.enabled).sort((x, y) => x.id - y.id);
      registration = regs;
      render();
    },
    focus() {
      number.focus();
    },
    // The established call the keys send tones to (null: none, the keys edit the number again).
    setToneCall(call) {
      toneCall = call;
      renderTones();
    },
  };
}
