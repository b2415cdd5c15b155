// Shows API errors: field errors beside their inputs (ID-error, aria-invalid, aria-describedby), the rest in a role=alert area.

import { t, has } from './i18n.js';
import { byId, toggleToken } from './dom.js';

// A translated, human sentence for an ApiError that is not about one field.
export function describeError(err) {
  if (has('error.' + err.code)) return t('error.' + err.code);
  return t('error.unknown', { message: err.message });
}

// The message shown beside a field: a translation of its code when one exists
// (field-specific first: field_code.host_map.address.bad_ip), else the server's English text.
export function fieldMessage(path, code, english) {
  const generic = path.replace(/\[\d+\]/g, '');
  if (code) {
    for (const key of ['field_code.' + generic + '.' + code, 'field_code.' + code]) {
      if (has(key)) return t(key);
    }
  }
  if (english) return english.charAt(0).toUpperCase() + english.slice(1);
  return t('error.field_generic');
}

function visible(node) {
  return node && node.isConnected && !node.closest('[hidden]');
}

export class FieldErrors {
  // resolve(path) returns the input for a field path such as "tls.pin_sha256", or null.
  constructor(alertNode, resolve) {
    this.alert = alertNode;
    this.resolve = resolve;
    this.marked = new Set();
    this.shown = []; // [path, code, english] to re-translate on a language change
    this.general = null;
  }

  clear() {
    for (const input of [...this.marked]) this.clearField(input);
    this.shown = [];
    this.showAlert(null);
  }

  clearField(input) {
    if (!this.marked.has(input)) return;
    this.marked.delete(input);
    input.removeAttribute('aria-invalid');
    const note = byId(input.id + '-error');
    if (note) {
      note.textContent = '';
      note.hidden = true;
      toggleToken(input, 'aria-describedby', note.id, false);
    }
  }

  // text: a string, or null to hide; err: an ApiError to describe (kept for re-translation).
  showAlert(text, err) {
    this.general = err || null;
    this.alert.textContent = text || '';
    this.alert.hidden = !text;
  }

  // Shows every field error of err; returns the first invalid input (to focus), or null.
  show(err) {
    this.clear();
    const paths = [...new Set([...Object.keys(err.fields), ...Object.keys(err.fieldCodes)])];
    this.shown = paths.map((p) => [p, err.fieldCodes[p], err.fields[p]]);
    return this.render(err);
  }

  render(err) {
    const leftovers = [];
    let first = null;
    const texts = new Map();
    for (const [path, code, english] of this.shown) {
      const input = this.resolve(path);
      // An empty required input is simply missing, whatever the format check said.
      const empty = input && input.required && input.value === '';
      const message = empty ? t('field_code.required') : fieldMessage(path, code, english);
      const note = input && byId(input.id + '-error');
      if (!visible(input) || !note) {
        leftovers.push(path + ': ' + message);
        continue;
      }
      texts.set(input, [...(texts.get(input) || []), message]);
    }
    for (const [input, messages] of texts) {
      const note = byId(input.id + '-error');
      note.textContent = messages.join(' ');
      note.hidden = false;
      input.setAttribute('aria-invalid', 'true');
      toggleToken(input, 'aria-describedby', note.id, true);
      this.marked.add(input);
      if (!first || (first.compareDocumentPosition(input) & Node.DOCUMENT_POSITION_PRECEDING)) first = input;
    }
    const general = err && (err.code !== 'validation_failed' || leftovers.length) ? describeError(err) : null;
    const text = [general, ...leftovers].filter(Boolean).join(' ');
    this.showAlert(text || null, err);
    return first;
  }

  // Re-translates what is shown after the language changed.
  retranslate() {
    const err = this.general;
    if (this.shown.length) this.render(err);
    else if (err) this.showAlert(describeError(err), err);
  }
}
