// The incoming-call window (popup.html#call=ID), opened by one control page: shows every call that is ringing here
// (the one in the address first) with the caller's name and number and the account, Answer and Decline. It gets the
// API token from its opener by postMessage (see incoming.js), listens to the event WebSocket itself, and closes
// itself as soon as nothing rings any more: answered here or elsewhere, declined, or cancelled by the caller.

import { byId, el } from './dom.js';
import { t, setLanguage, resolveLanguage, onLanguageChange } from './i18n.js';
import { createApi } from './api.js';
import { connectEvents } from './events.js';
import { describeError } from './field-errors.js';
import { focusGuarded, incomingButtons, onIncomingAction, refocusAction } from './calls.js';
import * as view from './call-view.js';

const KEY = 'arsphone.token';
const ASK_EVERY_MS = 300;
const ASK_FOR_MS = 5000;

const list = byId('popup-calls');
const status = byId('popup-status');
const alert = byId('popup-alert');
const calls = new Map(); // id -> call
const accounts = new Map(); // id -> "Office (505)"
const pending = new Set(); // ids with an Answer or Decline on its way: their buttons stay disabled
let api = null;
let loaded = false;
let closing = false;
let statusKey = ['popup.loading']; // [key, params] of the status line, or null
let alertText = null;

function wanted() {
  const n = Number(new URLSearchParams(location.hash.replace(/^#/, '')).get('call'));
  return Number.isInteger(n) && n > 0 ? n : null;
}

function say(key, params) {
  statusKey = key ? [key, params] : null;
  status.textContent = key ? t(key, params) : '';
  status.hidden = !key;
}

function showAlert(fn) {
  alertText = fn;
  alert.textContent = fn ? fn() : '';
  alert.hidden = !fn;
}

// The opener answers {type: 'arsphone:token', token, language} to our hello; only it, from our origin, counts.
function askOpener() {
  return new Promise((resolve) => {
    const opener = window.opener;
    let timer = null;
    const started = Date.now();
    function done(value) {
      clearInterval(timer);
      window.removeEventListener('message', onMessage);
      resolve(value);
    }
    function onMessage(event) {
      if (event.origin !== location.origin || event.source !== opener) return;
      const msg = event.data || {};
      if (msg.type === 'arsphone:token' && typeof msg.token === 'string' && /^[0-9A-Za-z]{16,128}$/.test(msg.token)) {
        done({ token: msg.token, language: typeof msg.language === 'string' ? msg.language : null });
      }
    }
    function ask() {
      if (Date.now() - started > ASK_FOR_MS || opener.closed) return done(null);
      try {
        opener.postMessage({ type: 'arsphone:popup-hello' }, location.origin);
      } catch {
        done(null);
      }
    }
    window.addEventListener('message', onMessage);
    timer = setInterval(ask, ASK_EVERY_MS);
    ask();
  });
}

async function getToken() {
  if (window.opener) {
    const got = await askOpener();
    if (got) {
      try {
        sessionStorage.setItem(KEY, got.token); // for a reload of this window after its opener went away
      } catch {
        // storage disabled: this view still works
      }
      return got;
    }
  }
  try {
    const saved = sessionStorage.getItem(KEY);
    if (saved) return { token: saved, language: null };
  } catch {
    // nothing saved
  }
  return null;
}

function close() {
  if (closing) return;
  closing = true;
  window.close();
  // A window the user opened by hand cannot be closed by script: say why it is empty instead.
  setTimeout(() => {
    closing = false;
    say('popup.nothing');
    list.replaceChildren();
  }, 300);
}

function ringing() {
  const first = wanted();
  return [...calls.values()]
    .filter((c) => c.state === 'incoming')
    .sort((a, b) => (a.id === first ? -1 : b.id === first ? 1 : a.id - b.id));
}

function item(call) {
  const p = view.party(call);
  const account = accounts.get(call.account_id);
  const buttons = incomingButtons(call, pending.has(call.id));
  return el('li', { class: 'popup-call', attrs: { 'data-id': call.id, 'aria-busy': pending.has(call.id) ? 'true' : null } }, [
    el('p', { class: 'popup-party', text: p.title }),
    p.name && p.number !== p.name ? el('p', { class: 'popup-number', text: p.number }) : null,
    account ? el('p', { class: 'popup-account', text: t('call.to_account', { account }) }) : null,
    el('div', { class: 'popup-actions' }, buttons),
  ]);
}

function render() {
  const shown = ringing();
  if (loaded && shown.length === 0) return close();
  const active = document.activeElement;
  const focused = active && list.contains(active) ? [active.closest('li[data-id]')?.dataset.id, active.dataset.action] : null;
  list.replaceChildren(...shown.map(item));
  if (loaded) say(shown.length > 1 ? 'popup.several' : null, { n: shown.length });
  if (shown.length) document.title = t('incoming.page_title', { party: view.party(shown[0]).title });
  const again = focused && list.querySelector('li[data-id="' + focused[0] + '"] [data-action="' + focused[1] + '"]');
  if (again) again.focus();
  else if (shown.length) focusGuarded(list.querySelector('[data-action="answer"]'));
}

function take(call) {
  if (!call || typeof call.id !== 'number') return;
  const before = calls.get(call.id);
  // Same id, another call after a daemon restart: the newer copy counts.
  if (before && before.created_at === call.created_at && view.rank(call) < view.rank(before)) return;
  calls.set(call.id, call);
}

async function loadAccounts() {
  try {
    const got = await api.get('/accounts');
    accounts.clear();
    for (const a of got.accounts || []) accounts.set(a.id, a.name + ' (' + a.username + ')');
  } catch {
    // the caller is shown without the account
  }
}

async function refresh() {
  try {
    const [listed] = await Promise.all([api.get('/calls'), accounts.size ? null : loadAccounts()]);
    for (const c of listed.calls || []) take(c);
    loaded = true;
    render();
  } catch (err) {
    if (err.code !== 'unauthorized') showAlert(() => t('popup.load_failed', { error: describeError(err) }));
  }
}

// The daemon answers asynchronously: /answer returns while the call is still `incoming`, and the `call` event that
// says `established` closes this window. Until then the buttons stay disabled.
async function act(id, action, button) {
  if (pending.has(id)) return;
  pending.add(id);
  for (const b of button.closest('li').querySelectorAll('button')) b.disabled = true;
  showAlert(null);
  try {
    take(await api.post('/calls/' + id + '/' + action));
    render();
  } catch (err) {
    pending.delete(id);
    if (err.code === 'call_state' || err.code === 'not_found') return refresh(); // it stopped ringing meanwhile
    showAlert(() => t(action === 'answer' ? 'incoming.answer_failed' : 'incoming.decline_failed', { error: describeError(err) }));
    render();
    refocusAction(list, id, action);
  }
}

onIncomingAction(list, act);

onLanguageChange(() => {
  if (statusKey) say(...statusKey);
  if (alertText) alert.textContent = alertText();
  if (loaded) render();
});

async function main() {
  await setLanguage(resolveLanguage(null));
  const got = await getToken();
  if (!got) {
    say('popup.no_token');
    return;
  }
  if (got.language) await setLanguage(got.language);
  api = createApi(got.token, {
    onUnauthorized() {
      say('popup.no_token');
      list.replaceChildren();
    },
  });
  api.get('/settings').then((s) => setLanguage(resolveLanguage(s.language))).catch(() => {});
  window.addEventListener('hashchange', refresh); // the page reuses this window for the next call
  connectEvents(got.token, {
    onHello: refresh,
    onGap: refresh,
    onEvent(msg) {
      if (msg.type === 'call') {
        take(msg.call);
        if (loaded) render();
      } else if (msg.type === 'settings.updated' && msg.settings) {
        setLanguage(resolveLanguage(msg.settings.language));
      } else if (msg.type.startsWith('account.')) {
        loadAccounts().then(() => loaded && render());
      }
    },
  });
}

main();
