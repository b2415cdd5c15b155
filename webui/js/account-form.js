// Account editor dialog: fills the form, sends POST (new) or a PATCH of the changed fields, shows errors beside fields.

import { byId } from './dom.js';
import { t, onLanguageChange } from './i18n.js';
import { ApiError } from './api.js';
import { FieldErrors } from './field-errors.js';
import { HostMapEditor } from './host-map.js';

const TEXT_FIELDS = ['name', 'username', 'auth_username', 'display_name', 'domain', 'server'];
const NULLABLE = new Set(['auth_username', 'display_name']);

function emptyToNull(value) {
  return value === '' ? null : value;
}

export function isUnencrypted(server) {
  return /^ws:\/\//i.test(server || '');
}

export function createAccountForm(api, { onSaved }) {
  const dialog = byId('account-dialog');
  const form = byId('account-form');
  const title = byId('account-dialog-title');
  const save = byId('acc-save');
  const password = byId('acc-password');
  const removePassword = byId('acc-password-remove');
  const tlsMode = byId('acc-tls-mode');
  const server = byId('acc-server');
  let original = null; // the account being edited, or null for a new one
  let opener = null;
  let busy = false;

  const hostMap = new HostMapEditor({
    list: byId('acc-host_map-list'),
    addButton: byId('acc-hm-add'),
    template: byId('host-row-template'),
    emptyNote: byId('acc-host_map-empty'),
    onEdit: (input) => errors.clearField(input),
  });

  const errors = new FieldErrors(byId('acc-form-alert'), (path) => {
    if (path.startsWith('host_map[')) return hostMap.inputFor(path) || byId('acc-host_map');
    if (path === 'tls') return tlsMode;
    return byId('acc-' + path.replace('.', '-'));
  });

  function updateHints() {
    byId('acc-server-warning').hidden = !isUnencrypted(server.value.trim());
    const mode = tlsMode.value;
    byId('acc-tls-warning').hidden = mode !== 'insecure';
    byId('acc-tls-ca-field').hidden = mode !== 'verify';
    byId('acc-tls-pin-field').hidden = mode !== 'pin';
    password.disabled = removePassword.checked;
    if (removePassword.checked) password.value = '';
  }

  function updateTexts() {
    const editing = original !== null;
    title.textContent = editing ? t('account.edit_title', { name: original.name }) : t('account.add_title');
    save.textContent = editing ? t('account.save') : t('account.create');
    password.placeholder = editing && original.has_password ? t('account.password_saved') : '';
  }

  function fill(account) {
    const a = account || {};
    for (const field of TEXT_FIELDS) byId('acc-' + field).value = a[field] || '';
    password.value = '';
    removePassword.checked = false;
    byId('acc-password-remove-field').hidden = !(account && account.has_password);
    byId('acc-register_expires').value = String(a.register_expires ?? 600);
    byId('acc-enabled').checked = a.enabled ?? true;
    const tls = a.tls || {};
    tlsMode.value = tls.mode || 'verify';
    byId('acc-tls-ca_pem').value = tls.ca_pem || '';
    byId('acc-tls-pin_sha256').value = tls.pin_sha256 || '';
    hostMap.set(a.host_map || []);
  }

  // The form as an account object (without password).
  function read() {
    const value = {};
    for (const field of TEXT_FIELDS) {
      const v = byId('acc-' + field).value;
      value[field] = NULLABLE.has(field) ? emptyToNull(v.trim()) : v;
    }
    value.host_map = hostMap.value();
    value.tls = {
      mode: tlsMode.value,
      ca_pem: emptyToNull(byId('acc-tls-ca_pem').value.trim()),
      pin_sha256: emptyToNull(byId('acc-tls-pin_sha256').value.trim()),
    };
    const expires = byId('acc-register_expires').value.trim();
    value.register_expires = expires === '' ? null : Number(expires);
    value.enabled = byId('acc-enabled').checked;
    return value;
  }

  function bodyForCreate(value) {
    const body = { ...value, tls: { mode: value.tls.mode } };
    for (const key of ['ca_pem', 'pin_sha256']) if (value.tls[key] !== null) body.tls[key] = value.tls[key];
    for (const key of NULLABLE) if (body[key] === null) delete body[key];
    if (body.register_expires === null) delete body.register_expires;
    if (password.value !== '') body.password = password.value;
    return body;
  }

  // JSON merge patch with only what the user changed.
  function bodyForPatch(value) {
    const patch = {};
    for (const [key, v] of Object.entries(value)) {
      if (key === 'tls') continue;
      const was = key === 'host_map' ? original.host_map || [] : original[key] ?? null;
      if (JSON.stringify(v) !== JSON.stringify(was)) patch[key] = v;
    }
    const tls = {};
    for (const [key, v] of Object.entries(value.tls)) {
      if (v !== ((original.tls || {})[key] ?? null)) tls[key] = v;
    }
    if (Object.keys(tls).length) patch.tls = tls;
    if (removePassword.checked) patch.password = null;
    else if (password.value !== '') patch.password = password.value;
    return patch;
  }

  async function submit(event) {
    event.preventDefault();
    if (busy) return;
    const value = read();
    let request;
    if (original) {
      const patch = bodyForPatch(value);
      if (!Object.keys(patch).length) {
        close();
        return;
      }
      request = () => api.patch('/accounts/' + original.id, patch);
    } else {
      request = () => api.post('/accounts', bodyForCreate(value));
    }
    busy = true;
    save.disabled = true;
    form.setAttribute('aria-busy', 'true');
    errors.clear();
    try {
      const account = await request();
      const created = !original;
      original = account;
      opener = null; // onSaved decides where focus goes
      close();
      onSaved(account, created);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0, null);
      const first = errors.show(e);
      if (first) first.focus();
      else byId('acc-form-alert').scrollIntoView({ block: 'nearest' });
    } finally {
      busy = false;
      save.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  function open(account, from) {
    original = account ? structuredClone(account) : null;
    opener = from || document.activeElement;
    errors.clear();
    save.disabled = false;
    fill(original);
    updateTexts();
    updateHints();
    dialog.showModal();
    byId('acc-name').focus();
  }

  function close() {
    if (dialog.open) dialog.close();
  }

  form.addEventListener('submit', submit);
  form.addEventListener('input', (event) => {
    if (event.target.id) errors.clearField(event.target);
    updateHints();
  });
  form.addEventListener('change', updateHints);
  byId('acc-cancel').addEventListener('click', close);
  dialog.addEventListener('close', () => {
    if (opener && opener.isConnected) opener.focus();
    opener = null;
  });
  onLanguageChange(() => {
    if (!dialog.open) return;
    updateTexts();
    hostMap.refresh();
    errors.retranslate();
  });

  return {
    open,
    // Another page deleted the account being edited.
    accountDeleted(id) {
      if (dialog.open && original && original.id === id) {
        errors.showAlert(t('account.deleted_elsewhere'));
        save.disabled = true;
      }
    },
    editing: () => (dialog.open && original ? original.id : null),
  };
}
