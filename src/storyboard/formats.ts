/**
 * The storyboard's small value formats (frame size, frame rate, date), each checked with a
 * message that says what was expected and, where a likely intent is visible, how to write it.
 */
import { didYouMean } from '../util/did-you-mean.ts';
import { describe, formatNumber, oneOf, quote } from './describe.ts';
import type { FindingDetails } from './findings.ts';
import { FPS_VALUES, RESOLUTION_KEYWORDS, type Size } from './types.ts';

export type Checked<T> = { ok: true; value: T } | ({ ok: false; message: string } & FindingDetails);

export const MAX_SIDE = 8192;
const KEYWORDS = Object.keys(RESOLUTION_KEYWORDS);
const SIZE_EXPECTED = `WIDTHxHEIGHT (e.g. 1920x1080, or 1080x1920 for vertical) or ${oneOf(KEYWORDS)}`;

export function parseResolution(value: unknown): Checked<Size> {
  const fail = (message: string, hint?: string): Checked<Size> => ({
    ok: false,
    message,
    expected: SIZE_EXPECTED,
    found: describe(value),
    ...(hint === undefined ? {} : { hint }),
  });
  if (typeof value === 'number') {
    const keyword = `${value}p`;
    return fail(
      'must be a frame size',
      keyword in RESOLUTION_KEYWORDS
        ? `did you mean ${keyword}?`
        : 'write it as WIDTHxHEIGHT, e.g. 1920x1080',
    );
  }
  if (typeof value !== 'string') return fail('must be a frame size');
  const text = value.trim();
  const keyword = RESOLUTION_KEYWORDS[text.toLowerCase() as keyof typeof RESOLUTION_KEYWORDS];
  if (keyword !== undefined) return { ok: true, value: { width: keyword[0], height: keyword[1] } };

  const exact = /^(\d+)x(\d+)$/i.exec(text);
  if (exact === null) {
    const loose = /^(\d+)\s*[x×*:,/ ]\s*(\d+)$/i.exec(text);
    if (loose !== null) return fail('is not a frame size', `write ${loose[1]}x${loose[2]}`);
    const near = didYouMean(text, KEYWORDS);
    return fail('is not a frame size', near === undefined ? undefined : `did you mean ${near}?`);
  }
  const width = Number(exact[1]);
  const height = Number(exact[2]);
  if (width === 0 || height === 0) return fail('must have a width and a height greater than 0');
  if (width > MAX_SIDE || height > MAX_SIDE) {
    return fail(`is too large: at most ${MAX_SIDE} pixels on a side`);
  }
  if (width % 2 === 1 || height % 2 === 1) {
    const even = `${width - (width % 2)}x${height - (height % 2)}`;
    return fail(
      'must have an even width and height (video encoders need even sizes)',
      `use ${even}`,
    );
  }
  return { ok: true, value: { width, height } };
}

const FPS_EXPECTED = `one of ${oneOf(FPS_VALUES)} frames per second`;

export function checkFps(value: unknown): Checked<number> {
  const fail = (message: string, hint?: string): Checked<number> => ({
    ok: false,
    message,
    expected: FPS_EXPECTED,
    found: describe(value),
    ...(hint === undefined ? {} : { hint }),
  });
  if (typeof value === 'string') {
    const ratio = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
    const fromText = ratio !== null ? Number(ratio[1]) / Number(ratio[2]) : numberInText(value);
    const near = fromText === undefined ? undefined : nearestFps(fromText);
    return fail(
      'must be a number',
      near === undefined ? undefined : `write ${near}, without quotes`,
    );
  }
  if (typeof value !== 'number') return fail('must be a number');
  if ((FPS_VALUES as readonly number[]).includes(value)) return { ok: true, value };
  const near = nearestFps(value);
  return {
    ok: false,
    message: 'is not a supported frame rate',
    expected: FPS_EXPECTED,
    found: formatNumber(value),
    ...(near === undefined ? {} : { hint: `did you mean ${near}?` }),
  };
}

/** The supported frame rate a number is meant to be (23.98 → 23.976), if it is that close. */
function nearestFps(n: number): number | undefined {
  let best: number | undefined;
  for (const fps of FPS_VALUES) {
    if (
      Math.abs(fps - n) <= 0.1 &&
      (best === undefined || Math.abs(fps - n) < Math.abs(best - n))
    ) {
      best = fps;
    }
  }
  return best;
}

const DATE_EXPECTED = 'a date written YYYY-MM-DD, e.g. 2026-11-26';

export function checkDate(value: unknown): Checked<string> {
  if (typeof value !== 'string') {
    return {
      ok: false,
      message: 'must be a date',
      expected: DATE_EXPECTED,
      found: describe(value),
    };
  }
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (match === null) {
    const loose = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$/.exec(value.trim());
    return {
      ok: false,
      message: 'is not a date written YYYY-MM-DD',
      expected: DATE_EXPECTED,
      found: quote(value),
      ...(loose === null
        ? {}
        : {
            hint: `write ${loose[1]}-${loose[2]!.padStart(2, '0')}-${loose[3]!.padStart(2, '0')}`,
          }),
    };
  }
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (month < 1 || month > 12) {
    return {
      ok: false,
      message: 'is not a real date: the month must be 01 to 12',
      expected: DATE_EXPECTED,
      found: quote(value),
    };
  }
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  if (day < 1 || day > days) {
    return {
      ok: false,
      message: `is not a real date: ${MONTHS[month - 1]} ${year} has ${days} days`,
      expected: DATE_EXPECTED,
      found: quote(value),
    };
  }
  return { ok: true, value };
}

const MONTHS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** The number in text such as "6", "6s", "6 sec", "$40", "40 USD", "24fps", "2.5x"; else undefined. */
export function numberInText(text: string): number | undefined {
  const match = /^\s*\$?\s*([-+]?(?:\d+(?:\.\d*)?|\.\d+))\s*[a-z$%]*\s*$/i.exec(text);
  return match === null ? undefined : Number(match[1]);
}
