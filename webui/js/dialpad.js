// Dialpad: number field, 0-9 * # keys, backspace and clear; the Call button stays disabled (no calls in this version).

import { byId } from './dom.js';

export function createDialpad() {
  const form = byId('dialpad-form');
  const number = byId('dial-number');

  for (const key of form.querySelectorAll('button[data-key]')) {
    key.addEventListener('click', () => {
      number.value += key.dataset.key;
    });
  }
  byId('dial-backspace').addEventListener('click', () => {
    number.value = number.value.slice(0, -1);
  });
  byId('dial-clear').addEventListener('click', () => {
    number.value = '';
    number.focus();
  });
  // Enter in the number field would "call": nothing to do until calls exist.
  form.addEventListener('submit', (event) => event.preventDefault());
}
