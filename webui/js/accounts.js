// Accounts list: keeps accounts and their registration state, renders them, and handles the
// Register now / Trust / Edit / Delete buttons.

import { byId, el } from './dom.js';
import { t, onLanguageChange } from './i18n.js';
import { confirmDialog } from './confirm.js';
import { describeError } from './field-errors.js';
import { createAccountForm, isUnencrypted } from './account-form.js';
import * as view from './registration.js';
import { trustDialog } from './trust.js';

const TICK_MS = 1000;

export function createAccounts(api, { announce, showError, onChange = () => {} }) {
  const list = byId('accounts-list');
  const empty = byId('accounts-empty');
  const live = byId('reg-live');
  const accounts = new Map(); // id -> account
  const registration = new Map(); // id -> registration object as the daemon sent it
  const eventCount = new Map(); // id -> registration events seen, to spot stale answers
  const told = new Map(); // id -> {state, error} last read out by the live region
  let loaded = false;
  let ticker = null;

  const form = createAccountForm(api, {
    onSaved(account, created) {
      upsert(account);
      announce(() => t(created ? 'accounts.created' : 'accounts.saved', { name: account.name }));
      focusItem(account.id);
    },
  });

  function renderItem(account) {
    const reg = view.effective(account, registration.get(account.id));
    const who = account.username + '@' + account.domain;
    const head = el('div', { class: 'acc-head' }, [el('h3', { class: 'acc-name', text: account.name }), ...view.badge(reg)]);
    const details = el('p', { class: 'acc-details' }, [
      el('span', { text: account.display_name ? account.display_name + ' · ' + who : who }),
      el('span', { class: 'acc-server', text: account.server }),
    ]);
    const more = view.details(account, reg);
    const wide = [...more.wide];
    const warnings = [];
    if (isUnencrypted(account.server)) warnings.push(t('warning.unencrypted'));
    if (account.tls && account.tls.mode === 'insecure') warnings.push(t('warning.insecure_tls'));
    if (warnings.length) {
      wide.push(el('ul', { class: 'warnings' }, warnings.map((w) => el('li', { class: 'warning', text: w }))));
    }
    const button = (action, key, cls) =>
      el('button', { class: cls, attrs: { type: 'button', 'data-action': action } }, [
        el('span', { text: t(key) }),
        el('span', { class: 'vh', text: ' ' + account.name }),
      ]);
    const actions = [];
    if (account.enabled) actions.push(button('register', 'reg.register_now', 'secondary'));
    actions.push(button('edit', 'accounts.edit', 'secondary'), button('delete', 'accounts.delete', 'danger-quiet'));
    return el('li', { class: 'account state-' + reg.state + (account.enabled ? '' : ' is-disabled'), attrs: { 'data-id': account.id } }, [
      el('div', { class: 'acc-main' }, [head, details, ...more.main]),
      el('div', { class: 'acc-actions' }, actions),
      wide.length ? el('div', { class: 'acc-wide' }, wide) : null,
    ]);
  }

  // Runs change() and puts keyboard focus back on the same button of the same
  // account afterwards (falling back to its Edit button when that one is gone).
  function keepFocus(change) {
    const active = document.activeElement;
    const itemId = active && list.contains(active) ? active.closest('li[data-id]')?.dataset.id : null;
    const action = active && active.dataset ? active.dataset.action : null;
    change();
    if (!itemId || list.contains(document.activeElement)) return;
    const item = list.querySelector('li[data-id="' + itemId + '"]');
    const again = item && (item.querySelector('[data-action="' + action + '"]') || item.querySelector('[data-action="edit"]'));
    if (again) again.focus();
  }

  function startTicker() {
    if (ticker || !list.querySelector('[data-retry-at]')) return;
    ticker = setInterval(() => {
      if (view.tickCountdowns(list) === 0) {
        clearInterval(ticker);
        ticker = null;
      }
    }, TICK_MS);
  }

  function render() {
    keepFocus(() => {
      const sorted = [...accounts.values()].sort((x, y) => x.id - y.id);
      list.replaceChildren(...sorted.map(renderItem));
      empty.hidden = !loaded || sorted.length > 0;
      list.setAttribute('aria-busy', String(!loaded));
    });
    startTicker();
    changed();
  }

  // Tells the dialpad and the call views what the accounts and their registrations are now.
  function changed() {
    onChange([...accounts.values()], registration);
  }

  // Re-renders one account only (registration changes come often).
  function renderOne(id) {
    const account = accounts.get(id);
    const old = list.querySelector('li[data-id="' + id + '"]');
    if (!account || !old) {
      render();
      return;
    }
    keepFocus(() => old.replaceWith(renderItem(account)));
    startTicker();
    changed();
  }

  function focusItem(id) {
    const button = list.querySelector('li[data-id="' + id + '"] [data-action="edit"]');
    if (button) button.focus();
  }

  function upsert(account) {
    accounts.set(account.id, account);
    render();
  }

  function remove(id) {
    accounts.delete(id);
    registration.delete(id);
    eventCount.delete(id);
    told.delete(id);
    form.accountDeleted(id);
    render();
  }

  async function askDelete(account, button) {
    const ok = await confirmDialog({
      title: t('confirm.delete_title'),
      text: t('confirm.delete_text', { name: account.name }),
      confirmLabel: t('confirm.delete'),
    });
    if (!ok) return;
    const index = [...list.children].findIndex((li) => li.dataset.id === String(account.id));
    try {
      await api.del('/accounts/' + account.id);
    } catch (err) {
      if (err.code !== 'not_found') {
        showError(() => t('accounts.delete_failed', { name: account.name, error: describeError(err) }));
        if (button.isConnected) button.focus();
        return;
      }
    }
    remove(account.id);
    announce(() => t('accounts.deleted', { name: account.name }));
    const next = list.children[Math.min(index, list.children.length - 1)];
    (next ? next.querySelector('[data-action="edit"]') : byId('account-add')).focus();
  }

  function setRegistration(id, reg, tell) {
    const account = accounts.get(id);
    registration.set(id, reg);
    if (!account) return changed(); // its account.created event or the next load brings it
    const after = view.effective(account, reg);
    renderOne(id);
    if (tell && view.worthTelling(told.get(id), after)) {
      told.set(id, { state: after.state, error: after.error || null });
      // Clear first so the same sentence twice in a row is read twice.
      live.textContent = '';
      live.textContent = view.announcement(account, after);
    }
  }

  async function registerNow(account) {
    const seen = eventCount.get(account.id) || 0;
    try {
      const reg = await api.post('/accounts/' + account.id + '/register');
      // An event that overtook this answer is newer than it.
      const stale = (eventCount.get(account.id) || 0) !== seen;
      if (reg && typeof reg.state === 'string' && !stale) setRegistration(account.id, reg, true);
    } catch (err) {
      showError(() => t('reg.register_failed', { name: account.name, error: describeError(err) }));
    }
  }

  async function trust(account) {
    const offer = view.trustOffer(account, view.effective(account, registration.get(account.id)));
    if (!offer) return;
    const pinned = await trustDialog({
      account,
      offer,
      save: async () => {
        const updated = await api.patch('/accounts/' + account.id, { tls: { mode: 'pin', pin_sha256: offer.cert.sha256 } });
        upsert(updated);
      },
    });
    if (!pinned) return;
    announce(() => t('trust.saved', { name: account.name }));
    focusItem(account.id);
  }

  const ACTIONS = {
    edit: (account, button) => form.open(account, button),
    delete: (account, button) => askDelete(account, button),
    register: (account) => registerNow(account),
    trust: (account) => trust(account),
  };

  list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const account = accounts.get(Number(button.closest('li[data-id]').dataset.id));
    const action = ACTIONS[button.dataset.action];
    if (account && action) action(account, button);
  });
  byId('account-add').addEventListener('click', (event) => form.open(null, event.currentTarget));
  onLanguageChange(render);

  return {
    // Replaces everything with a fresh GET /accounts (+ status for registration).
    setAll(list, status) {
      accounts.clear();
      for (const a of list) accounts.set(a.id, a);
      loaded = true;
      if (status) this.setStatus(status, false);
      render();
    },
    setStatus(status, rerender = true) {
      registration.clear();
      for (const a of status.accounts || []) {
        if (!a || !a.registration) continue;
        registration.set(a.id, a.registration);
        // Loaded, not changed: not read out, but the baseline for later changes.
        if (!told.has(a.id)) told.set(a.id, { state: a.registration.state, error: a.registration.error || null });
      }
      if (rerender) render();
    },
    event(msg) {
      if (msg.type === 'account.created' || msg.type === 'account.updated') {
        if (msg.account && typeof msg.account.id === 'number') upsert(msg.account);
      } else if (msg.type === 'account.deleted') {
        remove(msg.account_id);
      } else if (msg.type === 'registration' && typeof msg.account_id === 'number') {
        // api.md: `registration` is the full object; the top-level copies are a convenience.
        const reg = msg.registration && typeof msg.registration === 'object'
          ? msg.registration
          : { state: msg.state, code: msg.code ?? null, reason: msg.reason ?? null, expires: msg.expires ?? null };
        eventCount.set(msg.account_id, (eventCount.get(msg.account_id) || 0) + 1);
        setRegistration(msg.account_id, reg, true);
      }
    },
  };
}
