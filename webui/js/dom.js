// Small DOM helpers: build elements with textContent only (never innerHTML), find by id.

export function byId(id) {
  return document.getElementById(id);
}

// el('li', {class: 'x', text: 'y', attrs: {'data-id': 1}}, [children...])
export function el(tag, opts = {}, children = []) {
  const node = document.createElement(tag);
  if (opts.class) node.className = opts.class;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  for (const [name, value] of Object.entries(opts.attrs || {})) {
    if (value !== undefined && value !== null && value !== false) {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children) {
    if (child) node.append(child);
  }
  return node;
}

// Adds or removes one id in a space-separated attribute such as aria-describedby.
export function toggleToken(node, attr, token, on) {
  const list = (node.getAttribute(attr) || '').split(/\s+/).filter(Boolean);
  const has = list.includes(token);
  if (on && !has) list.push(token);
  if (!on && has) list.splice(list.indexOf(token), 1);
  if (list.length) node.setAttribute(attr, list.join(' '));
  else node.removeAttribute(attr);
}
