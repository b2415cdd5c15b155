// Desktop notifications (Notification API): the "Enable desktop notifications" control in Settings, which asks for
// permission from the user's click (browsers ignore requests made without one), and showing/closing one.

import { byId } from './dom.js';
import { t, onLanguageChange } from './i18n.js';

function supported() {
  return typeof window.Notification === 'function';
}

export function permission() {
  return supported() ? Notification.permission : 'unsupported';
}

// Shows a notification if allowed; onClick runs after the page was focused. Returns it (to close later) or null.
export function showNotification(title, body, tag, onClick) {
  if (permission() !== 'granted') return null;
  try {
    const note = new Notification(title, { body, tag, requireInteraction: true });
    note.addEventListener('click', () => {
      window.focus();
      note.close();
      if (onClick) onClick();
    });
    return note;
  } catch {
    return null; // e.g. a browser that allows notifications only from a service worker
  }
}

export function createNotificationControl() {
  const button = byId('notify-enable');
  const state = byId('notify-state');

  function render() {
    const p = permission();
    state.textContent = t('notify.state_' + p);
    state.dataset.state = p;
    // Asking again after "denied" does nothing in browsers: the text says where to change it instead.
    button.hidden = p !== 'default';
  }

  button.addEventListener('click', async () => {
    if (!supported()) return;
    try {
      await Notification.requestPermission();
    } catch {
      // old callback-only implementations: the permission is read below anyway
    }
    render();
  });
  onLanguageChange(render);
  // The permission can change in the browser's own settings while the page is open.
  if (navigator.permissions && navigator.permissions.query) {
    navigator.permissions.query({ name: 'notifications' }).then((status) => status.addEventListener('change', render)).catch(() => {});
  }
  render();
  return { render };
}
