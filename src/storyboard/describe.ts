/** Words for what a user wrote, for the `found` part of a problem. */

const MAX_TEXT = 60;

/** `"Mara"`, shortened when long. */
export function quote(text: string): string {
  const short = text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT - 1)}…` : text;
  return JSON.stringify(short);
}

/** What kind of value this is and what it holds: `text "six"`, `a list of 2 items`, … */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return value === '' ? 'empty text ""' : `text ${quote(value)}`;
  if (typeof value === 'number') return `the number ${formatNumber(value)}`;
  if (typeof value === 'boolean') return `${value} (a yes/no value)`;
  if (Array.isArray(value)) {
    if (value.length === 0) return 'an empty list';
    return value.length === 1 ? 'a list of 1 item' : `a list of ${value.length} items`;
  }
  if (typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 0) return 'an empty mapping';
    const shown = keys.slice(0, 5).join(', ');
    return `a mapping with ${shown}${keys.length > 5 ? ', …' : ''}`;
  }
  return String(value);
}

/** A number as YAML would show it: `.nan` and `.inf` spelt out. */
export function formatNumber(n: number): string {
  if (Number.isNaN(n)) return '.nan (not a number)';
  if (n === Number.POSITIVE_INFINITY) return '.inf (infinity)';
  if (n === Number.NEGATIVE_INFINITY) return '-.inf (minus infinity)';
  return String(n);
}

/** `about 2.5 hours`, for durations far beyond what a shot can be. */
export function humanSeconds(seconds: number): string {
  const units: [number, string][] = [
    [365 * 86400, 'year'],
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute'],
  ];
  for (const [size, name] of units) {
    if (seconds >= size) {
      const amount = Math.round((seconds / size) * 10) / 10;
      return `about ${amount} ${name}${amount === 1 ? '' : 's'}`;
    }
  }
  return `${seconds} seconds`;
}

/** `a, b or c` */
export function oneOf(values: readonly (string | number)[]): string {
  if (values.length <= 1) return values.join('');
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}
