// Connection indicator in the header: connecting / connected / reconnecting to the daemon's event stream.

import { byId } from './dom.js';
import { t, onLanguageChange } from './i18n.js';

export function createConnectionIndicator() {
  const box = byId('conn');
  const text = byId('conn-text');
  let state = 'connecting';

  function render() {
    box.dataset.state = state;
    text.textContent = t('conn.' + state);
  }

  onLanguageChange(render);
  return {
    set(next) {
      state = next;
      render();
    },
  };
}
