// Settings panel: language, incoming-call popup and ring volume; each change is saved at once with PATCH /api/v1/settings.

import { byId } from './dom.js';
import { t, setLanguage, resolveLanguage, onLanguageChange } from './i18n.js';
import { describeError } from './field-errors.js';

export function createSettings(api) {
  const language = byId('set-language');
  const popup = byId('set-popup');
  const volume = byId('set-volume');
  const volumeValue = byId('set-volume-value');
  const status = byId('settings-status');
  let saved = { language: null, popup_on_incoming: true, ring_volume: 80 };
  let statusKey = null;
  let statusTimer = null;
  let applied = 0; // server states applied so far (GET or settings.updated)

  function say(key, params, isError = false) {
    statusKey = key ? [key, params] : null;
    status.textContent = key ? t(key, params) : '';
    status.classList.toggle('is-error', isError);
    clearTimeout(statusTimer);
    if (key && !isError) statusTimer = setTimeout(() => say(null), 3000);
  }

  function show(settings) {
    language.value = settings.language || '';
    popup.checked = settings.popup_on_incoming !== false;
    volume.value = String(settings.ring_volume ?? 80);
    volumeValue.textContent = volume.value;
  }

  // Applies settings from the server (GET or settings.updated event).
  async function apply(settings) {
    if (!settings || typeof settings !== 'object') return;
    applied++;
    saved = { ...saved, ...settings };
    show(saved);
    await setLanguage(resolveLanguage(saved.language));
  }

  async function save(change) {
    try {
      const before = applied;
      const settings = await api.patch('/settings', change);
      // A settings.updated that arrived meanwhile is newer than this reply
      // (it may carry someone else's later change): keep it.
      if (applied === before) await apply(settings);
      say('settings.saved');
    } catch (err) {
      show(saved);
      await setLanguage(resolveLanguage(saved.language));
      say('settings.save_failed', { error: describeError(err) }, true);
    }
  }

  // Every change saves itself; Enter must not submit (and navigate) the form.
  byId('settings-form').addEventListener('submit', (event) => event.preventDefault());
  language.addEventListener('change', () => {
    const value = language.value || null;
    setLanguage(resolveLanguage(value)); // switch at once, do not wait for the daemon
    save({ language: value });
  });
  popup.addEventListener('change', () => save({ popup_on_incoming: popup.checked }));
  volume.addEventListener('input', () => {
    volumeValue.textContent = volume.value;
  });
  volume.addEventListener('change', () => save({ ring_volume: Number(volume.value) }));
  onLanguageChange(() => {
    if (statusKey) status.textContent = t(...statusKey);
  });

  return { apply, get: () => saved };
}
