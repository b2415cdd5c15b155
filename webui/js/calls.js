// Calls on the page: the active-call panel (party, state, timer, codec, DTMF tones sent and received, Mute and Hold
// toggles with the state in words, Hang up), ended
// calls with their reason for a few seconds, and the recent-calls list (the daemon's stored history: missed calls
// marked in words, Call back on each entry, Clear history). Calls come from GET /api/v1/calls, the hello's status
// and `call` events.
//
// Focus: when a call starts from this page (Call, or Answer in the banner) its Hang up button gets the focus; when a
// call answered elsewhere starts, only if nothing else has the focus. Hang up ignores a held-down (repeating) Enter,
// so the Enter that placed a call cannot end it. No key hangs up by itself (Escape does nothing here).

import { byId, el } from './dom.js';
import { t, onLanguageChange } from './i18n.js';
import { describeError } from './field-errors.js';
import { confirmDialog } from './confirm.js';
import * as view from './call-view.js';

const ENDED_SHOWN_MS = 8000; // an ended call stays in the panel this long, with its reason
const HISTORY_MAX = 500; // what the daemon keeps (api.md "Call history")

// Keyboard activation of a call button: never from a repeating key, and not in the first moments after we moved the
// focus there ourselves (the key that started the call may still be down).
export function guardButton(button) {
  button.addEventListener('keydown', (event) => {
    if ((event.key === 'Enter' || event.key === ' ') && event.repeat) event.preventDefault();
  });
}

export function focusGuarded(button) {
  button.dataset.armedAt = String(Date.now() + 400);
  button.focus();
}

// True for a keyboard click (detail 0) on a button that focusGuarded() just focused.
export function tooSoon(button, event) {
  return event.detail === 0 && Date.now() < Number(button.dataset.armedAt || 0);
}

// The Answer and Decline buttons of an incoming call (the banner and the popup), disabled while one is being done.
export function incomingButtons(call, busy) {
  const suffix = el('span', { class: 'vh', text: ' ' + t('incoming.from', { party: view.party(call).title }) });
  const answer = el('button', { class: 'call answer', attrs: { type: 'button', 'data-action': 'answer' } }, [
    el('span', { text: t('incoming.answer') }),
    suffix,
  ]);
  const decline = el('button', { class: 'danger decline', attrs: { type: 'button', 'data-action': 'decline' } }, [
    el('span', { text: t('incoming.decline') }),
    suffix.cloneNode(true),
  ]);
  for (const button of [answer, decline]) {
    guardButton(button);
    button.disabled = busy;
  }
  return [answer, decline];
}

// Answer/Decline clicks in a list of incoming calls (the banner and the popup): act(id, action, button).
export function onIncomingAction(list, act) {
  list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button || tooSoon(button, event)) return;
    act(Number(button.closest('li[data-id]').dataset.id), button.dataset.action, button);
  });
}

// After a failed answer/decline the list was redrawn: put the focus back on the same button.
export function refocusAction(list, id, action) {
  const again = list.querySelector('li[data-id="' + id + '"] [data-action="' + action + '"]');
  if (again) again.focus();
}

export function createCalls(api, { accountLabel, onChange, showError, focusAfterEnd }) {
  const panel = byId('call-card');
  const list = byId('call-list');
  const live = byId('call-live');
  const historyList = byId('history-list');
  const historyEmpty = byId('history-empty');
  const historyClear = byId('history-clear');
  const calls = new Map(); // id -> latest call object
  const endedShown = new Map(); // id -> time until which the ended call stays in the panel
  const focusWanted = new Set(); // ids whose Hang up gets the focus when they appear/establish
  const touched = new Map(); // id -> clock value of the last take(), to tell what changed during a GET /calls
  const tonesIn = new Map(); // id -> DTMF digits received (`dtmf` events) while this page listened
  const pending = new Map(); // id + 'mute'|'hold' -> the state asked for, until the daemon says it (or gives up)
  let clock = 0;
  let ticker = null;
  let loaded = false;

  function hangupButton(call) {
    const p = view.party(call);
    const button = el('button', { class: 'danger hangup', attrs: { type: 'button', 'data-action': 'hangup' } }, [
      el('span', { text: t('call.hangup') }),
      el('span', { class: 'vh', text: ' ' + t('call.with', { party: p.title }) }),
    ]);
    guardButton(button);
    return button;
  }

  // Mute and Hold: toggle buttons whose name stays the same (a screen reader says "Mute, pressed"); aria-pressed is
  // what the daemon says (`muted`, `held`), or what was asked while a hold/resume is being negotiated.
  function toggleButton(call, action, key, pressed) {
    const p = view.party(call);
    const button = el('button', {
      class: 'secondary toggle ' + action,
      attrs: { type: 'button', 'data-action': action, 'aria-pressed': String(pressed), 'aria-disabled': pending.has(call.id + action) ? 'true' : null },
    }, [
      el('span', { text: t(key) }),
      el('span', { class: 'vh', text: ' ' + t('call.with', { party: p.title }) }),
    ]);
    guardButton(button);
    return button;
  }

  function heldShown(call) {
    const asked = pending.get(call.id + 'hold');
    return asked === undefined ? call.held === true : asked;
  }

  function callItem(call) {
    const p = view.party(call);
    const ended = call.state === 'ended';
    const facts = [];
    const account = accountLabel(call.account_id);
    if (account) facts.push(el('span', { text: t(call.direction === 'in' ? 'call.to_account' : 'call.from_account', { account }) }));
    if (call.codec) facts.push(el('span', { text: t('call.codec', { codec: call.codec === 'opus' ? 'Opus' : call.codec }) }));
    const stateLine = el('p', { class: 'call-state' }, [
      el('span', { class: 'call-direction', text: t(call.direction === 'in' ? 'call.incoming' : 'call.outgoing') + ' · ' }),
      el('strong', { class: 'call-state-text', text: view.stateText(call) }),
    ]);
    const seconds = view.talkSeconds(call);
    const timer = seconds === null ? null : el('span', {
      class: 'call-timer',
      text: view.formatDuration(seconds),
      attrs: { role: 'timer', 'aria-label': t('call.duration'), 'data-answered-at': ended ? null : call.answered_at },
    });
    const children = [
      el('div', { class: 'call-head' }, [
        el('div', { class: 'call-who' }, [
          el('h3', { class: 'call-party', text: p.title }),
          p.name && p.number !== p.name ? el('p', { class: 'call-number', text: p.number }) : null,
        ]),
        timer,
      ]),
      stateLine,
      facts.length ? el('p', { class: 'call-facts' }, facts) : null,
    ];
    // On hold / microphone off: in words, not only as a pressed button.
    const flags = [];
    if (!ended && call.held === true) flags.push(t('call.on_hold'));
    if (!ended && call.muted === true) flags.push(t('call.mic_off'));
    if (flags.length) children.push(el('p', { class: 'call-flags' }, [el('strong', { text: flags.join(' · ') })]));
    const tones = [
      ['call.dtmf_sent', call.dtmf_sent],
      ['call.dtmf_received', tonesIn.get(call.id)],
    ].filter(([, digits]) => typeof digits === 'string' && digits);
    for (const [key, digits] of tones) {
      children.push(el('p', { class: 'call-dtmf' }, [
        el('span', { text: t(key) + ' ' }),
        el('strong', { class: 'call-dtmf-digits', text: digits }),
      ]));
    }
    if (ended) {
      const by = view.endedBy(call);
      const reason = view.endReason(call);
      children.push(el('p', { class: 'call-end result-' + view.result(call) }, [
        el('strong', { text: view.resultText(call) }),
        by ? el('span', { text: ' · ' + by }) : null,
      ]));
      if (reason) children.push(el('p', { class: 'call-end-reason', text: reason }));
    } else {
      const toggles = call.state === 'established'
        ? [toggleButton(call, 'mute', 'call.mute', call.muted === true), toggleButton(call, 'hold', 'call.hold', heldShown(call))]
        : [];
      children.push(el('div', { class: 'call-actions' }, [...toggles, hangupButton(call)]));
    }
    return el('li', { class: 'call-item state-' + call.state, attrs: { 'data-id': call.id } }, children);
  }

  // Active calls (incoming ones belong to the popup or the banner), newest first, then the call that ended last if
  // that was only a few seconds ago (the others are in the history).
  function panelCalls() {
    const now = Date.now();
    const active = [...calls.values()].filter((c) => view.isActive(c) && c.state !== 'incoming').sort((a, b) => b.id - a.id);
    const ended = [...endedShown].filter(([id, until]) => until > now && calls.has(id)).sort((a, b) => b[1] - a[1]);
    return ended.length ? [...active, calls.get(ended[0][0])] : active;
  }

  function renderPanel() {
    const active = document.activeElement;
    const focusedId = active && list.contains(active) ? active.closest('li[data-id]')?.dataset.id : null;
    const focusedAction = focusedId ? active.closest('button[data-action]')?.dataset.action : null;
    const shown = panelCalls();
    list.replaceChildren(...shown.map(callItem));
    panel.hidden = shown.length === 0;
    // Focus: back on the same call's Hang up; a new call's Hang up when asked for; the dial field when ours ended.
    let target = null;
    for (const c of shown) {
      if (c.state === 'ended' || !focusWanted.has(c.id)) continue;
      if (c.direction === 'out' || c.state === 'established') {
        target = list.querySelector('li[data-id="' + c.id + '"] .hangup');
        focusWanted.delete(c.id);
        break;
      }
    }
    // the same button if it is still there (Mute/Hold go once a call is no longer established), else Hang up
    const inCall = focusedId && list.querySelector('li[data-id="' + focusedId + '"]');
    const same = inCall && (inCall.querySelector('[data-action="' + focusedAction + '"]') || inCall.querySelector('.hangup'));
    if (target) focusGuarded(target);
    else if (same) same.focus();
    else if (focusedId) focusAfterEnd(); // the focused call ended: back to the number field
    startTicker();
  }

  function renderHistory() {
    const ended = [...calls.values()].filter((c) => c.state === 'ended').sort((a, b) => b.id - a.id).slice(0, HISTORY_MAX);
    historyList.replaceChildren(...ended.map(historyItem));
    historyEmpty.hidden = !loaded || ended.length > 0;
    historyList.setAttribute('aria-busy', String(!loaded));
    // aria-disabled keeps the focus on the button once the list is gone.
    historyClear.setAttribute('aria-disabled', String(ended.length === 0));
  }

  function historyItem(call) {
    const p = view.party(call);
    const key = view.result(call);
    const seconds = view.talkSeconds(call);
    const outcome = key === 'answered' ? t('history.talked', { duration: view.formatDuration(seconds || 0) }) : view.resultText(call);
    const reason = view.endReason(call);
    // Missed: said in words (a badge), not only by its color.
    const result = call.missed === true
      ? el('strong', { class: 'history-result history-missed', text: t('history.missed'), attrs: { title: reason || null } })
      : el('span', { class: 'history-result', text: outcome, attrs: { title: reason || null } });
    // The account is null once it was deleted: nothing to call back from.
    const back = call.account_id === null
      ? el('span', { class: 'history-note', text: t('history.account_deleted') })
      : el('button', { class: 'secondary callback', attrs: { type: 'button', 'data-action': 'callback' } }, [
        el('span', { text: t('history.callback') }),
        el('span', { class: 'vh', text: ' ' + p.title }),
      ]);
    return el('li', { class: 'history-item result-' + key + ' dir-' + call.direction + (call.missed ? ' missed' : ''), attrs: { 'data-id': call.id } }, [
      el('span', { class: 'history-dir', attrs: { 'aria-hidden': 'true' }, text: call.direction === 'in' ? '↙' : '↗' }),
      el('div', { class: 'history-main' }, [
        el('p', { class: 'history-party' }, [
          el('span', { class: 'vh', text: t(call.direction === 'in' ? 'call.incoming' : 'call.outgoing') + ': ' }),
          el('strong', { text: p.title }),
          p.name && p.number !== p.name ? el('span', { class: 'history-number', text: ' ' + p.number }) : null,
        ]),
        el('p', { class: 'history-meta' }, [
          el('time', { text: view.formatWhen(call.created_at), attrs: { datetime: call.created_at } }),
          result,
        ]),
      ]),
      el('div', { class: 'history-actions' }, [back]),
    ]);
  }

  function tick() {
    let running = 0;
    const now = Date.now();
    for (const node of list.querySelectorAll('.call-timer[data-answered-at]')) {
      const from = Date.parse(node.dataset.answeredAt);
      if (Number.isNaN(from)) continue;
      node.textContent = view.formatDuration((now - from) / 1000);
      running += 1;
    }
    // Ended calls leave the panel when their time is up.
    let expired = false;
    for (const [id, until] of endedShown) {
      if (until <= now) {
        endedShown.delete(id);
        expired = true;
      }
    }
    if (expired) renderPanel();
    if (!running && endedShown.size === 0 && ticker) {
      clearInterval(ticker);
      ticker = null;
    }
  }

  function startTicker() {
    if (ticker) return;
    if (!list.querySelector('.call-timer[data-answered-at]') && endedShown.size === 0) return;
    ticker = setInterval(tick, 1000);
  }

  function announce(call, before) {
    if (call.state === 'incoming') return; // the banner or the popup says it
    if (before && before.state === call.state) return;
    const p = view.party(call);
    let text = t('call.announce', { party: p.title, state: view.stateText(call) });
    if (call.state === 'ended') text += ' ' + view.resultText(call) + '.';
    live.textContent = '';
    live.textContent = text;
  }

  // Takes a call object (from an event, a reply or a list); returns true if it was news.
  function take(call, { fresh = true } = {}) {
    if (!call || typeof call.id !== 'number' || !view.STATES.includes(call.state)) return false;
    let before = calls.get(call.id) || null;
    // The daemon numbers calls from 1 again after a restart: same id, another call.
    if (before && before.created_at !== call.created_at) {
      endedShown.delete(call.id);
      before = null;
    }
    if (before && view.rank(call) < view.rank(before)) return false; // an older copy: keep what we have
    calls.set(call.id, call);
    touched.set(call.id, ++clock);
    if (call.state === 'ended' || pending.get(call.id + 'hold') === call.held) pending.delete(call.id + 'hold');
    if (fresh && call.state === 'ended' && before && before.state !== 'ended') {
      endedShown.clear(); // only the last one is shown
      endedShown.set(call.id, Date.now() + ENDED_SHOWN_MS);
    } else if (!before && view.isActive(call) && call.state !== 'incoming') {
      endedShown.clear(); // a new call takes the panel
    }
    if (fresh && before) announce(call, before);
    else if (fresh && !before && call.state !== 'ended') announce(call, null);
    // A call answered in the popup or elsewhere: its Hang up gets the focus if nothing else has it.
    if (fresh && call.state === 'established' && (!before || before.state !== 'established')) {
      const a = document.activeElement;
      const idle = !a || a === document.body || panel.contains(a) || byId('incoming-banner').contains(a);
      if (idle && !document.querySelector('dialog[open]')) focusWanted.add(call.id);
    }
    if (call.state === 'ended') focusWanted.delete(call.id);
    onChange(call, before);
    return true;
  }

  function trimHistory() {
    const ended = [...calls.values()].filter((c) => c.state === 'ended').sort((a, b) => b.id - a.id);
    for (const c of ended.slice(HISTORY_MAX)) {
      if (endedShown.has(c.id)) continue;
      calls.delete(c.id);
      touched.delete(c.id);
    }
  }

  function renderAll() {
    trimHistory();
    renderPanel();
    renderHistory();
  }

  // aria-disabled, not disabled, while the request runs: a disabled button would drop the keyboard focus.
  async function hangup(id, button) {
    if (!calls.get(id) || button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    try {
      take(await api.post('/calls/' + id + '/hangup'));
      renderAll();
    } catch (err) {
      if (err.code === 'call_state' || err.code === 'not_found') return; // it ended meanwhile; the event says how
      showError(() => t('call.hangup_failed', { error: describeError(err) }));
      const again = list.querySelector('li[data-id="' + id + '"] .hangup');
      if (again) again.removeAttribute('aria-disabled');
    }
  }

  const HOLD_WAIT_MS = 10000; // a hold/resume the other side never answers stops showing as asked

  // Mute/unmute is at once; hold/resume is a re-INVITE: the button shows what was asked until `held` says so.
  async function toggle(id, action, button) {
    const call = calls.get(id);
    const key = id + action;
    if (!call || pending.has(key) || button.getAttribute('aria-disabled') === 'true') return;
    const on = button.getAttribute('aria-pressed') !== 'true';
    const verb = action === 'mute' ? (on ? 'mute' : 'unmute') : on ? 'hold' : 'resume';
    pending.set(key, on);
    renderPanel();
    try {
      const got = await api.post('/calls/' + id + '/' + verb);
      if (action === 'mute' || got.held === on) pending.delete(key);
      else {
        setTimeout(() => {
          if (pending.get(key) !== on) return;
          pending.delete(key);
          renderPanel();
        }, HOLD_WAIT_MS);
      }
      take(got);
      renderAll();
    } catch (err) {
      pending.delete(key);
      renderPanel();
      if (err.code === 'not_found') return; // it ended meanwhile; the event says how
      showError(() => t('call.' + verb + '_failed', { error: describeError(err) }));
    }
  }

  list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button || tooSoon(button, event)) return;
    const id = Number(button.closest('li[data-id]').dataset.id);
    if (button.dataset.action === 'hangup') hangup(id, button);
    else toggle(id, button.dataset.action, button);
  });

  // A call this page just placed (POST /calls answered 201): its Hang up gets the focus.
  function placed(call) {
    focusWanted.add(call.id);
    take(call);
    renderAll();
  }

  // Call back: the same account and the other party's URI, as POST /api/v1/calls takes them.
  async function callBack(call, button) {
    if (button.getAttribute('aria-disabled') === 'true') return;
    button.setAttribute('aria-disabled', 'true');
    try {
      placed(await api.post('/calls', { account_id: call.account_id, to: call.remote_uri }));
    } catch (err) {
      showError(() => t('history.callback_failed', { error: describeError(err) }));
    } finally {
      button.removeAttribute('aria-disabled');
    }
  }

  historyList.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action="callback"]');
    const call = button && calls.get(Number(button.closest('li[data-id]').dataset.id));
    if (call) callBack(call, button);
  });

  historyClear.addEventListener('click', async () => {
    if (historyClear.getAttribute('aria-disabled') === 'true') return;
    const ok = await confirmDialog({
      title: t('history.clear_title'),
      text: t('history.clear_text'),
      confirmLabel: t('history.clear_confirm'),
    });
    if (!ok) return;
    try {
      await api.del('/calls/history'); // the list empties on the call_history.cleared event, on every open page
    } catch (err) {
      showError(() => t('history.clear_failed', { error: describeError(err) }));
    }
    historyClear.focus();
  });
  onLanguageChange(renderAll);

  return {
    // Call before a GET /api/v1/calls; its value goes to setAll() with the answer.
    mark() {
      return clock;
    },
    // GET /api/v1/calls: active calls and the last ended ones, complete as of the request. An ended call it does not
    // list (and that did not change since the request) is no longer in the daemon's history (e.g. it restarted).
    setAll(listed, since = clock) {
      const ids = new Set();
      for (const c of listed || []) {
        ids.add(c.id);
        take(c, { fresh: loaded });
      }
      for (const [id, c] of calls) {
        if (ids.has(id) || c.state !== 'ended' || (touched.get(id) || 0) > since) continue;
        calls.delete(id);
        touched.delete(id);
        endedShown.delete(id);
      }
      loaded = true;
      renderAll();
    },
    // The hello's status.calls: the active calls right now. The hello comes in order with the events, so an active
    // call we know of that it does not list ended while we were not listening (or the daemon restarted).
    setActive(active) {
      const ids = new Set();
      for (const c of active || []) {
        ids.add(c.id);
        take(c, { fresh: loaded });
      }
      for (const [id, c] of calls) {
        if (ids.has(id) || !view.isActive(c)) continue;
        api.get('/calls/' + id).then(
          (latest) => take(latest) && renderAll(),
          (err) => {
            if (err.code !== 'not_found') return;
            calls.delete(id);
            onChange({ ...c, state: 'ended', end: null }, c);
            renderAll();
          },
        );
      }
      renderAll();
    },
    event(call) {
      if (take(call)) renderAll();
    },
    // A `dtmf` event: a digit from the far end of a call.
    tone(callId, digit) {
      if (!calls.has(callId) || typeof digit !== 'string') return;
      tonesIn.set(callId, ((tonesIn.get(callId) || '') + digit).slice(-64));
      renderPanel();
    },
    // The newest established call (the one the dialpad's keys send tones to), or null.
    established() {
      return [...calls.values()].filter((c) => c.state === 'established').sort((a, b) => b.id - a.id)[0] || null;
    },
    // The daemon forgot its ended calls (call_history.cleared); calls ending after that come as later events.
    historyCleared() {
      for (const [id, c] of calls) {
        if (c.state !== 'ended') continue;
        calls.delete(id);
        touched.delete(id);
        endedShown.delete(id);
      }
      renderAll();
    },
    placed,
    // Answer pressed on this page: focus Hang up once the call is established.
    answering(id) {
      focusWanted.add(id);
    },
    rerender: renderAll,
  };
}
