// Words for one call, shared by the page and the popup: the other party, the state, why it ended, times and durations.
//
// Input is the call object of api.md ("Calls"); nothing here touches the DOM.

import { t, has, language } from './i18n.js';

export const STATES = ['dialing', 'ringing', 'incoming', 'early', 'established', 'ended'];
// How far a call has got: a newer copy of a call never has a lower rank (used to drop stale replies).
const RANK = { dialing: 0, incoming: 0, ringing: 1, early: 2, established: 3, ended: 4 };

export function rank(call) {
  return RANK[call && call.state] ?? -1;
}

export function isActive(call) {
  return !!call && STATES.includes(call.state) && call.state !== 'ended';
}

function decode(text) {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

// The other party: {name (or null), number (user part of the URI, or the URI), uri, title (what to show first)}.
export function party(call) {
  const uri = String((call && call.remote_uri) || '');
  const m = /^(?:sips?|tel):([^@;?>]*)(?:@([^;?>]+))?/i.exec(uri);
  let number = uri;
  if (m) number = m[1] ? decode(m[1]) : m[2] || uri;
  const name = call && typeof call.remote_name === 'string' && call.remote_name.trim() ? call.remote_name.trim() : null;
  return { name, number, uri, title: name || number || t('call.unknown_party') };
}

// "Calling…", "Ringing…", "Connected", …
export function stateText(call) {
  const key = 'call_state.' + call.state;
  return has(key) ? t(key) : call.state;
}

// The outcome of an ended call, one of the keys of call_result.* in the dictionaries.
export function result(call) {
  if (call.answered_at) return 'answered';
  const end = call.end || {};
  const code = end.code;
  if (call.direction === 'in') {
    if (end.by === 'local') return code === 486 ? 'busy' : code === 603 ? 'declined' : 'failed';
    return 'missed';
  }
  if (end.by === 'local') return code && code !== 487 ? 'failed' : 'cancelled';
  if (code === 486 || code === 600) return 'busy';
  if (code === 603) return 'declined';
  if (code === 404 || code === 604) return 'not_found';
  if (code === 480) return 'unavailable';
  if (code === 408 || code === 487) return 'no_answer';
  return 'failed';
}

export function resultText(call) {
  return t('call_result.' + result(call));
}

// "Ended by you" / "Ended by the other side" (null when the daemon did not say).
export function endedBy(call) {
  const by = call.end && call.end.by;
  return by === 'local' || by === 'remote' ? t('call.ended_by_' + by) : null;
}

// The daemon's own fixed reason texts (server/sip/call.c) have translations (null: a plain hang-up, which "ended by
// you / the other side" already says); a PBX's reason phrase or Reason/Warning text is shown as sent.
const OWN_REASONS = {
  declined: 'declined',
  cancelled: 'cancelled',
  'hung up': null,
  'the other side hung up': null,
  'the caller hung up before the answer': 'caller_cancelled',
  'the connection to the server was lost': 'connection_lost',
};

// The reason text ("486 Busy Here (User busy)"), with the code in front when the text lacks it.
export function endReason(call) {
  const end = call.end || {};
  let reason = typeof end.reason === 'string' ? end.reason.trim() : '';
  if (Object.hasOwn(OWN_REASONS, reason)) reason = OWN_REASONS[reason] ? t('call_reason.' + OWN_REASONS[reason]) : '';
  const code = typeof end.code === 'number' ? String(end.code) : '';
  if (reason && code && !reason.startsWith(code)) return t('call.end_code', { code }) + ': ' + reason;
  return reason || (code ? t('call.end_code', { code }) : '');
}

function parse(iso) {
  const ms = Date.parse(iso || '');
  return Number.isNaN(ms) ? null : ms;
}

// "0:07", "12:34", "1:02:03".
export function formatDuration(seconds) {
  const s = Math.max(0, Math.floor(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? h + ':' + String(m).padStart(2, '0') + ':' + ss : m + ':' + ss;
}

// Seconds talked: answered_at to ended_at (or to now while established); null if never answered.
export function talkSeconds(call, now = Date.now()) {
  const from = parse(call.answered_at);
  if (from === null) return null;
  const to = parse(call.ended_at) ?? now;
  return Math.max(0, (to - from) / 1000);
}

function locale() {
  return language() === 'ru' ? 'ru-RU' : 'en-GB';
}

// When a call started, in local time: "14:05" today, "25 Nov, 14:05" on other days.
export function formatWhen(iso) {
  const ms = parse(iso);
  if (ms === null) return '';
  const d = new Date(ms);
  const today = new Date().toDateString() === d.toDateString();
  const opts = today ? { hour: '2-digit', minute: '2-digit' } : { day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  return new Intl.DateTimeFormat(locale(), opts).format(d);
}
