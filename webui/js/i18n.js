// Translations: loads /i18n/LANG.json, translates [data-i18n*] elements and tells listeners when the language changes.
//
// Markup: data-i18n="key" sets textContent; data-i18n-placeholder, data-i18n-aria-label
// and data-i18n-title set those attributes. English is the fallback for missing keys.

export const LANGUAGES = ['en', 'ru'];

const dictionaries = {};
const listeners = new Set();
let current = 'en';

async function load(lang) {
  if (!dictionaries[lang]) {
    const response = await fetch('/i18n/' + lang + '.json', { cache: 'no-store' });
    if (!response.ok) throw new Error('cannot load /i18n/' + lang + '.json');
    dictionaries[lang] = await response.json();
  }
  return dictionaries[lang];
}

// The language to use for a stored setting: 'ru', 'en', or null = the browser's.
export function resolveLanguage(setting) {
  if (LANGUAGES.includes(setting)) return setting;
  const browser = (navigator.language || '').toLowerCase();
  return browser.startsWith('ru') ? 'ru' : 'en';
}

export function language() {
  return current;
}

export function has(key) {
  return Object.hasOwn(dictionaries[current] || {}, key) || Object.hasOwn(dictionaries.en || {}, key);
}

// t('accounts.deleted', {name: 'Office'}) fills in {name}.
export function t(key, params) {
  const own = dictionaries[current] || {};
  let text = Object.hasOwn(own, key) ? own[key] : (dictionaries.en || {})[key];
  if (text === undefined) return key;
  if (params) {
    text = text.replace(/\{(\w+)\}/g, (m, name) => (params[name] === undefined ? m : String(params[name])));
  }
  return text;
}

export function translate(root = document) {
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const [attr, data] of [['placeholder', 'i18nPlaceholder'], ['aria-label', 'i18nAriaLabel'], ['title', 'i18nTitle']]) {
    for (const node of root.querySelectorAll('[data-' + 'i18n-' + attr + ']')) node.setAttribute(attr, t(node.dataset[data]));
  }
}

let requested = 0;

// Switches the page language; the last call wins when several overlap.
export async function setLanguage(lang) {
  const wanted = LANGUAGES.includes(lang) ? lang : 'en';
  const mine = ++requested;
  await load('en');
  try {
    await load(wanted);
  } catch {
    // fall back to English if the dictionary cannot be read
  }
  if (mine !== requested) return;
  current = dictionaries[wanted] ? wanted : 'en';
  document.documentElement.lang = current;
  translate();
  document.title = t('app.title');
  for (const fn of listeners) fn(current);
}

export function onLanguageChange(fn) {
  listeners.add(fn);
}
