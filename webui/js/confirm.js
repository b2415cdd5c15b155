// Confirmation <dialog>: resolves true when the user confirms, false on Cancel or Escape.

import { byId } from './dom.js';

export function confirmDialog({ title, text, confirmLabel }) {
  const dialog = byId('confirm-dialog');
  byId('confirm-title').textContent = title;
  byId('confirm-text').textContent = text;
  byId('confirm-ok').textContent = confirmLabel;
  const opener = document.activeElement;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener(
      'close',
      () => {
        const ok = dialog.returnValue === 'ok';
        if (!ok && opener && opener.isConnected) opener.focus();
        resolve(ok);
      },
      { once: true },
    );
    dialog.showModal();
    byId('confirm-cancel').focus();
  });
}
