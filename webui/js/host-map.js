// host_map editor for the account form: rows of host name + IP address that can be added and removed.

import { byId } from './dom.js';
import { t, translate } from './i18n.js';

let nextRowId = 1;

export class HostMapEditor {
  constructor({ list, addButton, template, emptyNote, onEdit }) {
    this.list = list;
    this.template = template;
    this.emptyNote = emptyNote;
    this.onEdit = onEdit;
    this.sent = []; // rows in the order of the last value(), to place host_map[N] errors
    addButton.addEventListener('click', () => {
      const row = this.addRow({ host: '', address: '' });
      row.querySelector('.hm-host').focus();
    });
  }

  set(entries) {
    this.list.replaceChildren();
    this.sent = [];
    for (const entry of entries || []) this.addRow(entry);
    this.refresh();
  }

  addRow({ host, address }) {
    const row = this.template.content.firstElementChild.cloneNode(true);
    translate(row);
    const id = 'acc-hm' + nextRowId++;
    for (const part of ['host', 'address']) {
      const input = row.querySelector('.hm-' + part);
      input.id = id + '-' + part;
      input.value = part === 'host' ? host || '' : address || '';
      row.querySelector('.hm-' + part + '-label').htmlFor = input.id;
      row.querySelector('.hm-' + part + '-error').id = input.id + '-error';
      input.addEventListener('input', () => this.onEdit(input));
    }
    row.querySelector('.hm-remove').addEventListener('click', () => this.removeRow(row));
    this.list.append(row);
    this.refresh();
    return row;
  }

  removeRow(row) {
    const next = row.nextElementSibling || row.previousElementSibling;
    row.remove();
    this.refresh();
    if (next) next.querySelector('.hm-remove').focus();
    else byId('acc-hm-add').focus();
  }

  // Row numbers in the remove buttons' names, and the "no entries" note.
  refresh() {
    const rows = [...this.list.children];
    rows.forEach((row, i) => {
      row.querySelector('.hm-remove').setAttribute('aria-label', t('account.host_map_remove_row', { n: i + 1 }));
    });
    this.emptyNote.hidden = rows.length > 0;
  }

  // Entries to send; rows left completely empty are skipped.
  value() {
    this.sent = [];
    const entries = [];
    for (const row of this.list.children) {
      const host = row.querySelector('.hm-host').value.trim();
      const address = row.querySelector('.hm-address').value.trim();
      if (!host && !address) continue;
      this.sent.push(row);
      entries.push({ host, address });
    }
    return entries;
  }

  // The input for an error path such as host_map[1].address (or the row's host input for host_map[1]).
  inputFor(path) {
    const m = /^host_map\[(\d+)\](?:\.(host|address))?/.exec(path);
    if (!m) return null;
    const row = this.sent[Number(m[1])];
    return row ? row.querySelector('.hm-' + (m[2] || 'host')) : null;
  }
}
