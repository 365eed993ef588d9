/**
 * Names no id may take (projects, shots, characters, users): the ones JavaScript objects
 * already carry. A shot called `__proto__` would be dropped silently from any object keyed on
 * shot ids (plan changes, takes, reviews), so it is refused where ids enter instead.
 */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__defineSetter__',
  '__lookupGetter__',
  '__lookupSetter__',
]);

export function isReservedName(name: string): boolean {
  return RESERVED_NAMES.has(name);
}

/** What an id may be everywhere: letters, digits, `-` and `_`, at most 128, not reserved. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function isSafeId(id: string): boolean {
  return ID_PATTERN.test(id) && !isReservedName(id);
}
