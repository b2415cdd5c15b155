// "Trust this certificate" <dialog>: shows the certificate and a warning; confirming runs the given
// async save (the PATCH to pin mode) and closes only when it succeeded. Cancel and Escape do nothing.

import { byId } from './dom.js';
import { t, onLanguageChange } from './i18n.js';
import { describeError } from './field-errors.js';
import { certificateList } from './registration.js';

let shown = null; // {account, offer, error} while the dialog is open, to re-translate

function fill() {
  const { account, offer, error } = shown;
  const changed = offer.changed;
  const dialog = byId('trust-dialog');
  dialog.classList.toggle('is-changed', changed);
  byId('trust-title').textContent = t(changed ? 'trust.title_changed' : 'trust.title');
  byId('trust-intro').textContent = t('trust.intro', { name: account.name, target: account.server });
  byId('trust-cert').replaceChildren(certificateList(offer.cert, offer.oldPin));
  byId('trust-warning').textContent = t(changed ? 'trust.warning_changed' : 'trust.warning');
  byId('trust-ok').textContent = t('trust.confirm');
  byId('trust-ok').className = changed ? 'danger' : 'primary';
  const alert = byId('trust-alert');
  alert.textContent = error ? t('trust.failed', { error: describeError(error) }) : '';
  alert.hidden = !error;
}

onLanguageChange(() => {
  if (shown) fill();
});

// Resolves true once save() succeeded, false when the user cancelled.
export function trustDialog({ account, offer, save }) {
  const dialog = byId('trust-dialog');
  const ok = byId('trust-ok');
  const opener = document.activeElement;
  shown = { account, offer, error: null };
  fill();
  ok.disabled = false;
  dialog.returnValue = '';
  let busy = false;

  return new Promise((resolve) => {
    async function confirm() {
      if (busy) return;
      busy = true;
      ok.disabled = true;
      byId('trust-cancel').disabled = true;
      dialog.setAttribute('aria-busy', 'true');
      try {
        await save();
        dialog.close('ok');
      } catch (err) {
        shown.error = err;
        fill();
        ok.disabled = false;
      } finally {
        busy = false;
        byId('trust-cancel').disabled = false;
        dialog.removeAttribute('aria-busy');
        if (dialog.open) ok.focus();
      }
    }
    // Escape while the PATCH is on its way would hide whether it worked.
    function onCancel(event) {
      if (busy) event.preventDefault();
    }
    ok.addEventListener('click', confirm);
    dialog.addEventListener('cancel', onCancel);
    dialog.addEventListener(
      'close',
      () => {
        ok.removeEventListener('click', confirm);
        dialog.removeEventListener('cancel', onCancel);
        shown = null;
        const done = dialog.returnValue === 'ok';
        if (!done && opener && opener.isConnected) opener.focus();
        resolve(done);
      },
      { once: true },
    );
    dialog.showModal();
    byId('trust-cancel').focus();
  });
}
