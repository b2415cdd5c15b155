// Accounts list: keeps accounts and their registration state, renders them, and handles edit/delete buttons.

import { byId, el } from './dom.js';
import { t, onLanguageChange } from './i18n.js';
import { confirmDialog } from './confirm.js';
import { describeError } from './field-errors.js';
import { createAccountForm, isUnencrypted } from './account-form.js';

const STATES = ['disabled', 'unregistered', 'registering', 'registered', 'failed'];

export function createAccounts(api, { announce, showError }) {
  const list = byId('accounts-list');
  const empty = byId('accounts-empty');
  const accounts = new Map(); // id -> account
  const registration = new Map(); // id -> {state, code, reason}
  let loaded = false;

  const form = createAccountForm(api, {
    onSaved(account, created) {
      upsert(account);
      announce(() => t(created ? 'accounts.created' : 'accounts.saved', { name: account.name }));
      focusItem(account.id);
    },
  });

  // Until registration events exist, guess from `enabled` when we know nothing better.
  function stateOf(account) {
    const reg = registration.get(account.id);
    if (!account.enabled) return { state: 'disabled', code: null, reason: null };
    if (!reg || reg.state === 'disabled') return { state: 'unregistered', code: null, reason: null };
    return reg;
  }

  function renderItem(account) {
    const reg = stateOf(account);
    const state = STATES.includes(reg.state) ? reg.state : 'unregistered';
    const who = account.username + '@' + account.domain;
    const badge = el('span', { class: 'badge state-' + state, text: t('state.' + state) });
    const head = el('div', { class: 'acc-head' }, [el('h3', { class: 'acc-name', text: account.name }), badge]);
    const details = el('p', { class: 'acc-details' }, [
      el('span', { text: account.display_name ? account.display_name + ' · ' + who : who }),
      el('span', { class: 'acc-server', text: account.server }),
    ]);
    const children = [head, details];
    if (reg.reason || reg.code) {
      const text = [reg.code, reg.reason].filter((v) => v !== null && v !== undefined).join(' ');
      children.push(el('p', { class: 'acc-reason', text: t('accounts.reason', { reason: text }) }));
    }
    const warnings = [];
    if (isUnencrypted(account.server)) warnings.push(t('warning.unencrypted'));
    if (account.tls && account.tls.mode === 'insecure') warnings.push(t('warning.insecure_tls'));
    if (warnings.length) {
      children.push(el('ul', { class: 'warnings' }, warnings.map((w) => el('li', { class: 'warning', text: w }))));
    }
    const edit = el('button', { class: 'secondary', attrs: { type: 'button', 'data-action': 'edit' } }, [
      el('span', { text: t('accounts.edit') }),
      el('span', { class: 'vh', text: ' ' + account.name }),
    ]);
    const del = el('button', { class: 'danger-quiet', attrs: { type: 'button', 'data-action': 'delete' } }, [
      el('span', { text: t('accounts.delete') }),
      el('span', { class: 'vh', text: ' ' + account.name }),
    ]);
    return el('li', { class: 'account' + (account.enabled ? '' : ' is-disabled'), attrs: { 'data-id': account.id } }, [
      el('div', { class: 'acc-main' }, children),
      el('div', { class: 'acc-actions' }, [edit, del]),
    ]);
  }

  function render() {
    // Keep keyboard focus on the same button across a re-render.
    const active = document.activeElement;
    const focusItemId = active && list.contains(active) ? active.closest('li[data-id]')?.dataset.id : null;
    const focusAction = active && active.dataset ? active.dataset.action : null;
    const sorted = [...accounts.values()].sort((a, b) => a.id - b.id);
    list.replaceChildren(...sorted.map(renderItem));
    empty.hidden = !loaded || sorted.length > 0;
    list.setAttribute('aria-busy', String(!loaded));
    if (focusItemId) {
      const again = list.querySelector('li[data-id="' + focusItemId + '"] [data-action="' + (focusAction || 'edit') + '"]');
      if (again) again.focus();
    }
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

  list.addEventListener('click', (event) => {
    const button = event.target.closest('button[data-action]');
    if (!button) return;
    const account = accounts.get(Number(button.closest('li[data-id]').dataset.id));
    if (!account) return;
    if (button.dataset.action === 'edit') form.open(account, button);
    else askDelete(account, button);
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
        if (a && a.registration) registration.set(a.id, a.registration);
      }
      if (rerender) render();
    },
    event(msg) {
      if (msg.type === 'account.created' || msg.type === 'account.updated') {
        if (msg.account && typeof msg.account.id === 'number') upsert(msg.account);
      } else if (msg.type === 'account.deleted') {
        remove(msg.account_id);
      }
    },
  };
}
