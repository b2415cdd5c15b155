// Incoming calls: exactly one open page (the one open longest: it holds a Web Lock) opens popup.html in a small window
// for a new incoming call. Where the browser blocks that window (or the `popup_on_incoming` setting is off), every
// page shows an in-page banner with Answer and Decline instead; the leading page also shows a desktop notification
// and, once, how to allow popups for this page. The pages tell each other what the leader did on a BroadcastChannel;
// one that hears nothing within a few seconds (no leader listening) shows the banner itself.
//
// The popup gets the API token from its opener by postMessage (never in its URL): it sends
// {type: 'arsphone:popup-hello'}, the opener answers {type: 'arsphone:token', token, language}. Both sides check that
// the message comes from this origin and from the window they expect (the opener only answers windows it opened).

import { byId, el } from './dom.js';
import { t, language, onLanguageChange } from './i18n.js';
import { describeError } from './field-errors.js';
import { showNotification } from './notifications.js';
import { focusGuarded, incomingButtons, onIncomingAction, refocusAction } from './calls.js';
import * as view from './call-view.js';

const LOCK = 'arsphone-incoming-leader';
const CHANNEL = 'arsphone-incoming';
const POPUP_NAME = 'arsphone-incoming';
const POPUP_FEATURES = 'popup,width=360,height=240';
const HINT_KEY = 'arsphone.popupHintShown';
const NO_LEADER_MS = 3000; // a follower shows the banner itself when the leader said nothing for this long
const BLOCKED_MS = 3000; // a window that closes this soon without saying hello counts as blocked

// Holds the lock for as long as the page lives; onLeader runs once this page got it. Returns release().
function lead(onLeader) {
  let release = () => {};
  if (navigator.locks && navigator.locks.request) {
    const held = new Promise((resolve) => (release = resolve));
    navigator.locks.request(LOCK, () => {
      onLeader();
      return held;
    }).catch(() => {});
    return () => release();
  }
  // No Web Locks: a heartbeat in localStorage; a leader silent for 6 s is replaced.
  const me = Math.random().toString(36).slice(2);
  const key = 'arsphone.incomingLeader';
  let leading = false;
  const beat = () => {
    let cur = null;
    try {
      cur = JSON.parse(localStorage.getItem(key));
    } catch {
      cur = null;
    }
    const now = Date.now();
    if (!cur || cur.id === me || now - cur.at > 6000) {
      try {
        localStorage.setItem(key, JSON.stringify({ id: me, at: now }));
      } catch {
        return;
      }
      if (!leading) {
        leading = true;
        onLeader();
      }
    } else {
      leading = false;
    }
  };
  beat();
  const timer = setInterval(beat, 2000);
  const stop = () => {
    clearInterval(timer);
    if (leading) localStorage.removeItem(key);
  };
  window.addEventListener('pagehide', stop);
  return stop;
}

export function createIncoming(api, token, { settings, accountLabel, calls, showError }) {
  const banner = byId('incoming-banner');
  const list = byId('incoming-list');
  const live = byId('incoming-live');
  const hint = byId('popup-hint');
  const incoming = new Map(); // id -> call, while it is `incoming`
  // What the leader did for a call: key(call) -> 'popup' | 'banner'. Keyed by id and start time, as the daemon numbers
  // calls from 1 again after a restart.
  const mode = new Map();
  const key = (call) => call.id + '/' + call.created_at;
  const waiting = new Map(); // id -> timer (follower waiting to hear from the leader)
  const notes = new Map(); // id -> Notification
  const pending = new Set(); // ids with an Answer or Decline on its way: their buttons stay disabled
  const channel = typeof BroadcastChannel === 'function' ? new BroadcastChannel(CHANNEL) : null;
  let leader = false;
  let popup = null; // the popup window we opened
  let popupSince = 0;
  let popupHello = false;
  let watcher = null;

  const release = lead(() => {
    leader = true;
    // Calls ringing when the old leader went away and not handled by anyone yet.
    for (const call of incoming.values()) if (!mode.has(key(call))) handle(call);
  });

  function tell(call, how) {
    mode.set(key(call), how);
    if (channel) channel.postMessage({ type: 'mode', key: key(call), id: call.id, mode: how });
  }

  function openPopup(call) {
    let w = null;
    try {
      w = window.open('/popup.html#call=' + call.id, POPUP_NAME, POPUP_FEATURES);
    } catch {
      w = null;
    }
    if (!w) return false;
    if (w !== popup || !popupHello) {
      popupSince = Date.now();
      popupHello = false;
    }
    popup = w;
    watchPopup();
    return true;
  }

  function watchPopup() {
    if (watcher) return;
    watcher = setInterval(async () => {
      const onPopup = [...incoming.values()].filter((c) => mode.get(key(c)) === 'popup').map((c) => c.id);
      if (popup && !popup.closed) {
        if (onPopup.length === 0) stopWatching(); // it closes itself; watched again for the next call
        return;
      }
      const blocked = !popupHello && Date.now() - popupSince < BLOCKED_MS;
      popup = null;
      stopWatching();
      // The popup also closes itself when its calls stop ringing: ask the daemon before falling back to the banner.
      for (const id of onPopup) {
        let call = incoming.get(id);
        try {
          call = await api.get('/calls/' + id);
        } catch {
          // keep what we know
        }
        if (call && call.state === 'incoming' && incoming.has(id)) fallBack(call, blocked);
      }
    }, 500);
  }

  function stopWatching() {
    clearInterval(watcher);
    watcher = null;
  }

  // The popup could not be shown (blocked) or was closed while the call still rings.
  function fallBack(call, blocked) {
    tell(call, 'banner');
    render(call.id);
    if (!blocked) return;
    notify(call);
    showHintOnce();
  }

  // Leader: a call started ringing.
  function handle(call) {
    if (settings.get().popup_on_incoming === false) {
      tell(call, 'banner');
      render(call.id);
      return;
    }
    if (openPopup(call)) {
      tell(call, 'popup');
      render();
    } else {
      fallBack(call, true);
    }
  }

  function notify(call) {
    const p = view.party(call);
    const account = accountLabel(call.account_id);
    const body = [p.name ? p.name + ' (' + p.number + ')' : p.number, account ? t('call.to_account', { account }) : null]
      .filter(Boolean)
      .join('\n');
    const note = showNotification(t('incoming.notification_title'), body, 'arsphone-call-' + call.id, () => {
      const answer = list.querySelector('li[data-id="' + call.id + '"] [data-action="answer"]');
      if (answer) focusGuarded(answer);
    });
    if (note) notes.set(call.id, note);
  }

  function showHintOnce() {
    let told = false;
    try {
      told = localStorage.getItem(HINT_KEY) === '1';
      localStorage.setItem(HINT_KEY, '1');
    } catch {
      told = !hint.hidden;
    }
    if (told) return;
    fillHint();
    hint.hidden = false;
  }

  function fillHint() {
    byId('popup-hint-chromium').textContent = t('popup_hint.chromium', { origin: location.origin });
    byId('popup-hint-firefox').textContent = t('popup_hint.firefox', { host: location.hostname });
  }

  byId('popup-hint-close').addEventListener('click', () => {
    hint.hidden = true;
    const answer = list.querySelector('[data-action="answer"]');
    (answer || byId('dial-number')).focus();
  });

  function bannerItem(call) {
    const p = view.party(call);
    const account = accountLabel(call.account_id);
    const buttons = incomingButtons(call, pending.has(call.id));
    return el('li', { class: 'incoming-item', attrs: { 'data-id': call.id, 'aria-busy': pending.has(call.id) ? 'true' : null } }, [
      el('div', { class: 'incoming-who' }, [
        el('p', { class: 'incoming-party', text: p.title }),
        el('p', { class: 'incoming-facts' }, [
          p.name && p.number !== p.name ? el('span', { class: 'incoming-number', text: p.number }) : null,
          account ? el('span', { text: t('call.to_account', { account }) }) : null,
        ]),
      ]),
      el('div', { class: 'incoming-actions' }, buttons),
    ]);
  }

  let titleSet = false;
  // Re-draws the banner; newId: a call that just appeared there (read out, and focused if nothing else has focus).
  function render(newId) {
    const active = document.activeElement;
    const focused = active && list.contains(active) ? [active.closest('li[data-id]')?.dataset.id, active.dataset.action] : null;
    const shown = [...incoming.values()].filter((c) => mode.get(key(c)) === 'banner').sort((a, b) => a.id - b.id);
    list.replaceChildren(...shown.map(bannerItem));
    banner.hidden = shown.length === 0;
    if (focused) {
      const again = list.querySelector('li[data-id="' + focused[0] + '"] [data-action="' + focused[1] + '"]');
      if (again) again.focus();
    }
    const fresh = newId !== undefined ? incoming.get(newId) : null;
    if (fresh && mode.get(key(fresh)) === 'banner') {
      const p = view.party(fresh);
      live.textContent = '';
      live.textContent = t('incoming.announce', { party: p.name ? p.name + ', ' + p.number : p.number });
      const a = document.activeElement;
      if ((!a || a === document.body) && !document.querySelector('dialog[open]')) {
        const answer = list.querySelector('li[data-id="' + newId + '"] [data-action="answer"]');
        if (answer) focusGuarded(answer);
      }
    }
    if (shown.length) {
      document.title = t('incoming.page_title', { party: view.party(shown[0]).title });
      titleSet = true;
    } else if (titleSet) {
      document.title = t('app.title');
      titleSet = false;
    }
  }

  // The daemon answers asynchronously (/answer returns while the call is still `incoming`); the buttons stay
  // disabled until the `call` event moves the call on.
  async function act(id, action, button) {
    if (pending.has(id)) return;
    pending.add(id);
    if (action === 'answer') calls.answering(id);
    for (const b of button.closest('li').querySelectorAll('button')) b.disabled = true;
    try {
      calls.event(await api.post('/calls/' + id + '/' + action)); // the panel and update() follow from there
    } catch (err) {
      pending.delete(id);
      if (err.code === 'call_state' || err.code === 'not_found') {
        // Answered, declined or cancelled meanwhile: the daemon's state decides.
        api.get('/calls/' + id).then((c) => calls.event(c)).catch(() => {});
        return;
      }
      showError(() => t(action === 'answer' ? 'incoming.answer_failed' : 'incoming.decline_failed', { error: describeError(err) }));
      render();
      refocusAction(list, id, action);
    }
  }

  onIncomingAction(list, act);

  if (channel) {
    channel.addEventListener('message', (event) => {
      const msg = event.data || {};
      if (msg.type !== 'mode' || typeof msg.key !== 'string' || !['popup', 'banner'].includes(msg.mode)) return;
      clearTimeout(waiting.get(msg.id));
      waiting.delete(msg.id);
      const had = mode.get(msg.key);
      mode.set(msg.key, msg.mode);
      if (had !== msg.mode) render(had ? undefined : msg.id);
    });
  }

  // The popup asks for the token; only windows this page opened get it.
  window.addEventListener('message', (event) => {
    if (event.origin !== location.origin || !event.source) return;
    const msg = event.data || {};
    if (msg.type !== 'arsphone:popup-hello') return;
    let ours = event.source === popup;
    try {
      ours = ours || event.source.opener === window;
    } catch {
      ours = false;
    }
    if (!ours) return;
    if (event.source === popup) popupHello = true;
    event.source.postMessage({ type: 'arsphone:token', token, language: language() }, location.origin);
  });

  function forget(id) {
    incoming.delete(id);
    pending.delete(id);
    clearTimeout(waiting.get(id));
    waiting.delete(id);
    const note = notes.get(id);
    if (note) note.close();
    notes.delete(id);
  }

  // Every call change goes through here.
  function update(call, before) {
    if (!call || typeof call.id !== 'number') return;
    if (call.state !== 'incoming') {
      if (incoming.has(call.id)) {
        forget(call.id);
        render();
      }
      return;
    }
    const isNew = !incoming.has(call.id);
    incoming.set(call.id, call);
    if (!isNew) return render();
    if (before && before.state === 'incoming') return render();
    if (mode.has(key(call))) return render(call.id);
    if (leader) {
      handle(call);
    } else {
      waiting.set(call.id, setTimeout(() => {
        waiting.delete(call.id);
        if (incoming.has(call.id) && !mode.has(key(call))) {
          mode.set(key(call), 'banner');
          render(call.id);
        }
      }, NO_LEADER_MS));
    }
  }

  onLanguageChange(() => {
    render();
    if (!hint.hidden) fillHint();
  });

  return {
    update,
    rerender: () => render(),
    stop: () => {
      release();
      if (channel) channel.close();
    },
  };
}
