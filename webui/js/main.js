// Starts the control page: token, language, panels (accounts, dialpad, calls, incoming calls, settings), data loading
// and the event stream.

import { byId } from './dom.js';
import { takeToken, forgetToken } from './token.js';
import { setLanguage, resolveLanguage, t, onLanguageChange } from './i18n.js';
import { createApi } from './api.js';
import { connectEvents } from './events.js';
import { createConnectionIndicator } from './connection.js';
import { createAccounts } from './accounts.js';
import { createSettings } from './settings.js';
import { createDialpad } from './dialpad.js';
import { createCalls } from './calls.js';
import { createIncoming } from './incoming.js';
import { createNotificationControl } from './notifications.js';
import { describeError } from './field-errors.js';

// A page-level message area. show(fn) displays fn() and re-runs it when the
// language changes, so the text follows the language; show(null) hides it.
function messageArea(node, timeoutMs) {
  let shown = null;
  let timer = null;
  onLanguageChange(() => {
    if (shown) node.textContent = shown();
  });
  return (fn) => {
    shown = fn;
    node.textContent = fn ? fn() : '';
    node.hidden = !fn;
    clearTimeout(timer);
    if (fn && timeoutMs) timer = setTimeout(() => (node.hidden = true), timeoutMs);
  };
}

function showGate(titleKey, textKey) {
  byId('app').hidden = true;
  byId('conn').hidden = true;
  const gate = byId('gate');
  byId('gate-title').dataset.i18n = titleKey;
  byId('gate-text').dataset.i18n = textKey;
  byId('gate-title').textContent = t(titleKey);
  byId('gate-text').textContent = t(textKey);
  gate.hidden = false;
}

async function main() {
  const token = takeToken();
  await setLanguage(resolveLanguage(null));
  if (!token) {
    showGate('gate.no_token_title', 'gate.no_token_text');
    return;
  }

  let events = null;
  let incoming = null;
  const api = createApi(token, {
    onUnauthorized() {
      forgetToken();
      if (events) events.stop();
      if (incoming) incoming.stop();
      showGate('gate.bad_token_title', 'gate.bad_token_text');
    },
  });
  const pageError = messageArea(byId('page-alert'), 0);
  const pageStatus = messageArea(byId('page-status'), 5000);

  byId('app').hidden = false;
  const conn = createConnectionIndicator();
  const settings = createSettings(api);
  createNotificationControl();
  let accountNames = new Map(); // id -> "Office (505)", for the call views
  const accountLabel = (id) => accountNames.get(id) || null;
  const dialpad = createDialpad(api, { onPlaced: (call) => calls.placed(call), onToneSent: (call) => calls.event(call) });
  const calls = createCalls(api, {
    accountLabel,
    showError: pageError,
    onChange: (call, before) => {
      if (incoming) incoming.update(call, before);
      dialpad.setToneCall(calls.established());
    },
    focusAfterEnd: () => dialpad.focus(),
  });
  incoming = createIncoming(api, token, { settings, accountLabel, calls, showError: pageError });
  const accounts = createAccounts(api, {
    announce: pageStatus,
    showError: pageError,
    onChange(list, registration) {
      accountNames = new Map(list.map((a) => [a.id, a.name + ' (' + a.username + ')']));
      dialpad.setAccounts(list, registration);
      calls.rerender();
      incoming.rerender();
    },
  });

  let loading = null;
  let again = false;
  function loadAll() {
    if (loading) {
      again = true;
      return loading;
    }
    loading = (async () => {
      do {
        again = false;
        try {
          const since = calls.mark();
          const [list, status, set, history] = await Promise.all([
            api.get('/accounts'),
            api.get('/status'),
            api.get('/settings'),
            api.get('/calls'),
          ]);
          await settings.apply(set);
          accounts.setAll(list.accounts || [], status);
          calls.setAll(history.calls || [], since);
          byId('version').textContent = status.version ? 'v' + status.version : '';
          pageError(null);
        } catch (err) {
          if (err.code !== 'unauthorized') pageError(() => t('error.load_failed', { error: describeError(err) }));
        }
      } while (again);
      loading = null;
    })();
    return loading;
  }

  loadAll();
  events = connectEvents(token, {
    onState: (state) => conn.set(state),
    onHello: (status) => {
      accounts.setStatus(status);
      calls.setActive(status.calls || []);
      loadAll(); // catch up with whatever changed while we were away
    },
    onGap: () => loadAll(),
    onEvent: (msg) => {
      if (loading) again = true;
      if (msg.type.startsWith('account.') || msg.type === 'registration') accounts.event(msg);
      else if (msg.type === 'settings.updated') settings.apply(msg.settings);
      else if (msg.type === 'call') calls.event(msg.call);
      else if (msg.type === 'call_history.cleared') calls.historyCleared();
      else if (msg.type === 'dtmf') calls.tone(msg.call_id, msg.digit);
      // other types: ignored (api.md: clients ignore event types they do not know)
    },
  });
}

main();
