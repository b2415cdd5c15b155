// Registration view of one account: state badge, reason, code, target, expiry, retry countdown, and
// the server's certificate (with "Trust this certificate…") after a TLS error. Builds nodes only.

import { el } from './dom.js';
import { t, has, language } from './i18n.js';

export const STATES = ['disabled', 'unregistered', 'registering', 'registered', 'failed'];
// Errors after which pinning the certificate the server showed lets the account connect.
const TRUST_ERRORS = new Set(['tls_untrusted', 'tls_name_mismatch', 'tls_pin_mismatch']);

function nonEmpty(v) {
  return v !== null && v !== undefined && v !== '';
}

// The registration to show for an account: `disabled` whenever the account is
// off, `unregistered` when the daemon has told us nothing (yet).
export function effective(account, reg) {
  const r = reg && typeof reg === 'object' ? reg : {};
  let state = STATES.includes(r.state) ? r.state : 'unregistered';
  if (!account.enabled) state = 'disabled';
  else if (state === 'disabled') state = 'unregistered';
  if (state === 'disabled') return { state, code: null, reason: null, error: null };
  return { ...r, state };
}

// Whether a screen reader should hear about `after`, given what it was last
// told (`told`: {state, error} or undefined). Not on a new retry time or
// expiry, and not on every round of a retry loop: a retry shows up as
// "registering" that still carries the last failure's error, then the same
// failure again.
export function worthTelling(told, after) {
  const error = after.error || null;
  if (after.state === 'registering' && error) return false;
  return !told || told.state !== after.state || told.error !== error;
}

// The state in words ("Registered"), colored, with a shape drawn by CSS
// (silent for screen readers); the hidden "Registration:" before it gives
// the word context when read out.
export function badge(reg) {
  return [
    el('span', { class: 'vh', text: t('reg.label') + ' ' }),
    el('span', { class: 'badge state-' + reg.state, text: t('state.' + reg.state) }),
  ];
}

// "AB:CD:…" in four unbreakable groups of 8 bytes with line-break chances
// between them; textContent (and copy) stays the plain colon form.
export function fingerprint(hex) {
  const bytes = String(hex || '').replace(/[^0-9a-f]/gi, '').toUpperCase().match(/../g) || [];
  const code = el('code', { class: 'fingerprint' });
  for (let i = 0; i < bytes.length; i += 8) {
    if (i) code.append(':', document.createElement('wbr'));
    code.append(el('span', { text: bytes.slice(i, i + 8).join(':') }));
  }
  return code;
}

function formatDate(iso) {
  const d = new Date(iso);
  if (!nonEmpty(iso) || Number.isNaN(d.getTime())) return iso || '?';
  const locale = language() === 'ru' ? 'ru-RU' : 'en-GB';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(d);
}

function validity(cert) {
  const text = t('cert.validity', { from: formatDate(cert.not_before), to: formatDate(cert.not_after) });
  const now = Date.now();
  const notes = [];
  if (Date.parse(cert.not_after) < now) notes.push(t('cert.expired'));
  if (Date.parse(cert.not_before) > now) notes.push(t('cert.not_yet_valid'));
  const node = el('span', { text, attrs: { title: (cert.not_before || '?') + ' – ' + (cert.not_after || '?') } });
  return notes.length ? [node, el('strong', { class: 'cert-bad', text: ' (' + notes.join(', ') + ')' })] : [node];
}

function row(label, value) {
  return el('div', { class: 'cert-row' }, [el('dt', { text: label }), el('dd', {}, Array.isArray(value) ? value : [value])]);
}

// Certificate details as a <dl>: fingerprint(s), subject, issuer, validity.
export function certificateList(cert, oldPin) {
  const rows = [];
  if (oldPin) {
    rows.push(row(t('cert.pinned'), fingerprint(oldPin)));
    rows.push(row(t('cert.presented'), fingerprint(cert.sha256)));
  } else {
    rows.push(row(t('cert.sha256'), fingerprint(cert.sha256)));
  }
  const self = nonEmpty(cert.subject) && cert.subject === cert.issuer;
  rows.push(row(t('cert.subject'), el('span', { text: cert.subject || '?' })));
  rows.push(row(t('cert.issuer'), el('span', { text: self ? t('cert.self_signed', { issuer: cert.issuer }) : cert.issuer || '?' })));
  rows.push(row(t('cert.valid'), validity(cert)));
  return el('dl', { class: 'cert' + (oldPin ? ' is-changed' : '') }, rows);
}

// The certificate the daemon reported with a TLS error, or null when there is nothing to trust.
export function trustOffer(account, reg) {
  const cert = reg.certificate;
  if (!cert || !nonEmpty(cert.sha256) || !TRUST_ERRORS.has(reg.error)) return null;
  const changed = reg.error === 'tls_pin_mismatch';
  return { cert, changed, oldPin: changed ? (account.tls && account.tls.pin_sha256) || '?' : null };
}

function certificateBox(account, offer) {
  const title = offer.changed ? t('cert.changed_title') : t('cert.title');
  const children = [el('h4', { class: 'cert-title', text: title })];
  if (offer.changed) children.push(el('p', { class: 'cert-note', text: t('cert.changed_text') }));
  children.push(certificateList(offer.cert, offer.oldPin));
  const button = el('button', { class: offer.changed ? 'danger-quiet' : 'secondary', attrs: { type: 'button', 'data-action': 'trust' } }, [
    el('span', { text: t(offer.changed ? 'trust.button_changed' : 'trust.button') }),
    el('span', { class: 'vh', text: ' (' + account.name + ')' }),
  ]);
  children.push(el('div', { class: 'cert-actions' }, [button]));
  return el('div', { class: 'cert-box' + (offer.changed ? ' is-changed' : '') }, children);
}

function capitalized(text) {
  const s = String(text).trim();
  return s.charAt(0).toUpperCase() + s.slice(1);
}

// The daemon writes `reason` in English. In English we show it; in another
// language our own explanation of `error` comes first and the daemon's words
// follow as detail (marked lang="en" for screen readers). `server_error`
// carries the PBX's bare reason phrase, so it gets the explanation in English too.
function reasonLine(reg) {
  const known = nonEmpty(reg.error) && has('reg_error.' + reg.error);
  const english = language() === 'en';
  const explain = known && (!english || !nonEmpty(reg.reason) || reg.error === 'server_error');
  const parts = [];
  if (explain) parts.push(el('span', { class: 'reg-explain', text: t('reg_error.' + reg.error) }));
  if (nonEmpty(reg.reason)) {
    if (english && !explain) parts.push(el('span', { class: 'reg-daemon', text: capitalized(reg.reason) }));
    else {
      parts.push(el('span', { class: 'reg-daemon' }, [
        el('span', { text: t(reg.error === 'server_error' ? 'reg.server_says' : 'reg.daemon_says') + ' ' }),
        el('span', { text: reg.reason, attrs: { lang: 'en' } }),
      ]));
    }
  }
  if (!parts.length) return null;
  return el('p', { class: 'acc-reason' + (reg.state === 'failed' ? ' is-failed' : '') }, parts);
}

function retrySeconds(retryAt) {
  const at = Date.parse(retryAt);
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

function countdownText(retryAt) {
  const n = retrySeconds(retryAt);
  return n > 0 ? t('reg.retry_in', { n }) : t('reg.retry_due');
}

// Updates every countdown under root; returns how many are still running.
export function tickCountdowns(root) {
  let running = 0;
  for (const node of root.querySelectorAll('[data-retry-at]')) {
    const text = countdownText(node.dataset.retryAt);
    if (node.textContent !== text) node.textContent = text;
    if (retrySeconds(node.dataset.retryAt) > 0) running += 1;
  }
  return running;
}

// What to show under the account's details: `main` (facts, reason, retry
// note) beside the buttons, `wide` (the certificate) across the whole item.
export function details(account, reg) {
  const main = [];
  const facts = [];
  if (reg.state !== 'disabled') {
    if (nonEmpty(reg.target)) facts.push(el('span', { text: t('reg.target', { target: reg.target }) }));
    if (nonEmpty(reg.code)) facts.push(el('span', { text: t('reg.code', { code: reg.code }) }));
    if (reg.state === 'registered' && nonEmpty(reg.expires)) facts.push(el('span', { text: t('reg.expires', { n: reg.expires }) }));
  }
  if (facts.length) main.push(el('p', { class: 'reg-facts' }, facts));
  // A registered account's reason is the PBX's "OK": nothing to explain.
  if (reg.state !== 'disabled' && reg.state !== 'registered') main.push(reasonLine(reg));
  if (nonEmpty(reg.retry_at) && (reg.state === 'failed' || reg.state === 'registering') && retrySeconds(reg.retry_at) !== null) {
    // Not a live region: a screen reader would read it every second.
    main.push(el('p', { class: 'reg-retry', text: countdownText(reg.retry_at), attrs: { 'data-retry-at': reg.retry_at } }));
  } else if (reg.state === 'failed') {
    main.push(el('p', { class: 'reg-retry', text: t('reg.no_retry') }));
  }
  const offer = trustOffer(account, reg);
  return { main: main.filter(Boolean), wide: offer ? [certificateBox(account, offer)] : [] };
}

// One sentence for the polite live region after a state change.
export function announcement(account, reg) {
  const parts = [t('reg.announce', { name: account.name, state: t('state.' + reg.state) })];
  if (reg.state === 'failed' && nonEmpty(reg.error) && has('reg_error.' + reg.error)) parts.push(t('reg_error.' + reg.error));
  return parts.join(' ');
}
