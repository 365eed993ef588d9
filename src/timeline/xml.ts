/**
 * A small, strict XML 1.0 reader and writer: elements, attributes, text, the predefined and
 * numeric character references, CDATA, comments, processing instructions, and a DOCTYPE
 * (skipped; entities it would declare are not supported and are reported as undefined).
 * Namespaces are not interpreted: a prefixed name is just a name. Enough for FCPXML, with
 * errors that say line and column.
 */
import { ShotrouterError } from '../errors.ts';

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  /** elements and text, in document order (adjacent text and CDATA merged into one string) */
  children: XmlNode[];
  /** 1-based position of the element's `<` */
  line: number;
  col: number;
}

export type XmlNode = XmlElement | string;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export class XmlSyntaxError extends ShotrouterError {
  readonly line: number;
  readonly col: number;
  constructor(message: string, line: number, col: number) {
    super('invalid_timeline', `XML ${line}:${col}: ${message}`, { details: { line, col } });
    this.name = 'XmlSyntaxError';
    this.line = line;
    this.col = col;
  }
}

/** Parses a whole document and returns its root element. */
export function parseXml(input: string): XmlElement {
  return new Parser(input).document();
}

class Parser {
  private readonly s: string;
  private i = 0;

  constructor(input: string) {
    // XML processors see every line end as a single \n (XML 1.0 §2.11)
    this.s = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  }

  document(): XmlElement {
    if (this.s.startsWith('<?xml')) this.processingInstruction();
    this.misc(true);
    if (this.s[this.i] !== '<') this.fail('expected the root element');
    const root = this.element();
    this.misc(false);
    if (this.i < this.s.length) this.fail('content after the root element');
    return root;
  }

  /** whitespace, comments and PIs around the root (and the DOCTYPE before it) */
  private misc(beforeRoot: boolean): void {
    let doctypeSeen = false;
    for (;;) {
      this.skipSpace();
      if (this.s.startsWith('<!--', this.i)) this.comment();
      else if (this.s.startsWith('<?', this.i)) this.processingInstruction();
      else if (beforeRoot && !doctypeSeen && this.s.startsWith('<!DOCTYPE', this.i)) {
        this.doctype();
        doctypeSeen = true;
      } else return;
    }
  }

  private element(): XmlElement {
    const { line, col } = this.position(this.i);
    this.i++; // '<'
    const name = this.name();
    const attrs: Record<string, string> = Object.create(null);
    for (;;) {
      const hadSpace = this.skipSpace();
      const c = this.s[this.i];
      if (c === '/' || c === '>') break;
      if (c === undefined) this.fail(`unclosed start tag <${name}>`);
      if (!hadSpace) this.fail('expected whitespace before an attribute');
      const attrName = this.name();
      this.skipSpace();
      this.expect('=');
      this.skipSpace();
      if (Object.hasOwn(attrs, attrName)) this.fail(`attribute "${attrName}" given twice`);
      attrs[attrName] = this.attributeValue();
    }
    const element: XmlElement = { name, attrs: { ...attrs }, children: [], line, col };
    if (this.s.startsWith('/>', this.i)) {
      this.i += 2;
      return element;
    }
    this.i++; // '>'
    this.content(element);
    return element;
  }

  private content(parent: XmlElement): void {
    let text = '';
    const flush = () => {
      if (text !== '') parent.children.push(text);
      text = '';
    };
    for (;;) {
      const lt = this.s.indexOf('<', this.i);
      if (lt === -1) this.fail(`<${parent.name}> is never closed`, this.s.length);
      if (lt > this.i) text += this.characterData(this.i, lt);
      this.i = lt;
      if (this.s.startsWith('</', this.i)) {
        const tagStart = this.i;
        this.i += 2;
        const name = this.name();
        if (name !== parent.name) this.fail(`</${name}> closes <${parent.name}>`, tagStart);
        this.skipSpace();
        this.expect('>');
        flush();
        return;
      }
      if (this.s.startsWith('<![CDATA[', this.i)) {
        const end = this.s.indexOf(']]>', this.i + 9);
        if (end === -1) this.fail('unterminated CDATA section');
        text += this.s.slice(this.i + 9, end);
        this.i = end + 3;
      } else if (this.s.startsWith('<!--', this.i)) {
        this.comment();
      } else if (this.s.startsWith('<?', this.i)) {
        this.processingInstruction();
      } else {
        flush();
        parent.children.push(this.element());
      }
    }
  }

  private characterData(from: number, to: number): string {
    const raw = this.s.slice(from, to);
    const bad = raw.indexOf(']]>');
    if (bad !== -1) this.fail('"]]>" is not allowed in text', from + bad);
    return this.decode(raw, from);
  }

  private attributeValue(): string {
    const quote = this.s[this.i];
    if (quote !== '"' && quote !== "'") this.fail('attribute values must be quoted');
    const end = this.s.indexOf(quote, this.i + 1);
    if (end === -1) this.fail('unterminated attribute value');
    const raw = this.s.slice(this.i + 1, end);
    const lt = raw.indexOf('<');
    if (lt !== -1) this.fail('"<" is not allowed in an attribute value', this.i + 1 + lt);
    const from = this.i + 1;
    this.i = end + 1;
    // literal whitespace becomes a space; a character reference such as &#10; stays itself
    return this.decode(raw.replace(/[\t\n]/g, ' '), from);
  }

  private decode(raw: string, offset: number): string {
    this.checkChars(raw, offset);
    if (!raw.includes('&')) return raw;
    return raw.replace(/&([^;&\s]*);?/g, (match, body: string, at: number) => {
      if (!match.endsWith(';')) this.fail('"&" must start a reference ending in ";"', offset + at);
      if (body.startsWith('#')) {
        const hex = body[1] === 'x';
        const digits = body.slice(hex ? 2 : 1);
        const valid = hex ? /^[0-9A-Fa-f]+$/.test(digits) : /^[0-9]+$/.test(digits);
        const code = valid ? Number.parseInt(digits, hex ? 16 : 10) : Number.NaN;
        if (!isXmlChar(code)) this.fail(`&${body}; is not a valid character`, offset + at);
        return String.fromCodePoint(code);
      }
      const value = PREDEFINED[body];
      if (value === undefined) this.fail(`undefined entity &${body};`, offset + at);
      return value;
    });
  }

  private checkChars(raw: string, offset: number): void {
    const bad = firstInvalidChar(raw);
    if (bad !== -1) {
      const code = raw.charCodeAt(bad).toString(16).toUpperCase().padStart(4, '0');
      this.fail(`character U+${code} is not allowed in XML`, offset + bad);
    }
  }

  private comment(): void {
    const end = this.s.indexOf('-->', this.i + 4);
    if (end === -1) this.fail('unterminated comment');
    const body = this.s.slice(this.i + 4, end);
    if (body.includes('--') || body.endsWith('-')) this.fail('"--" is not allowed in a comment');
    this.i = end + 3;
  }

  private processingInstruction(): void {
    const end = this.s.indexOf('?>', this.i + 2);
    if (end === -1) this.fail('unterminated processing instruction');
    this.i = end + 2;
  }

  /** `<!DOCTYPE name ...>`, including an internal subset in brackets (skipped) */
  private doctype(): void {
    this.i += '<!DOCTYPE'.length;
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '"' || c === "'") {
        const end = this.s.indexOf(c, this.i + 1);
        if (end === -1) break;
        this.i = end + 1;
        continue;
      }
      if (c === '[') depth++;
      else if (c === ']') depth--;
      else if (c === '>' && depth === 0) {
        this.i++;
        return;
      }
      this.i++;
    }
    this.fail('unterminated DOCTYPE');
  }

  private name(): string {
    const start = this.i;
    const first = this.s.codePointAt(this.i);
    if (first === undefined || !isNameStart(first)) this.fail('expected a name');
    this.i += first > 0xffff ? 2 : 1;
    for (;;) {
      const c = this.s.codePointAt(this.i);
      if (c === undefined || !(isNameStart(c) || isNameChar(c))) break;
      this.i += c > 0xffff ? 2 : 1;
    }
    return this.s.slice(start, this.i);
  }

  private skipSpace(): boolean {
    const start = this.i;
    while (this.i < this.s.length && ' \t\n'.includes(this.s[this.i] as string)) this.i++;
    return this.i > start;
  }

  private expect(text: string): void {
    if (!this.s.startsWith(text, this.i)) this.fail(`expected "${text}"`);
    this.i += text.length;
  }

  private lineStarts: number[] | undefined;

  private position(at: number): { line: number; col: number } {
    if (this.lineStarts === undefined) {
      this.lineStarts = [0];
      for (let k = this.s.indexOf('\n'); k !== -1; k = this.s.indexOf('\n', k + 1)) {
        this.lineStarts.push(k + 1);
      }
    }
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: at - (starts[lo] as number) + 1 };
  }

  private fail(message: string, at = this.i): never {
    const { line, col } = this.position(at);
    throw new XmlSyntaxError(message, line, col);
  }
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

/**
 * Index of the first character XML 1.0 does not allow anywhere, even escaped (control
 * characters, U+FFFE/U+FFFF, unpaired surrogates), or -1.
 */
function firstInvalidChar(text: string): number {
  for (let i = 0; i < text.length; i++) {
    const code = text.codePointAt(i) as number;
    if (!isXmlChar(code)) return i;
    if (code > 0xffff) i++;
  }
  return -1;
}

// XML 1.0 (fifth edition) name characters, by code point
function isNameStart(c: number): boolean {
  return (
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x41 && c <= 0x5a) ||
    c === 0x5f ||
    c === 0x3a ||
    (c >= 0xc0 && c <= 0xd6) ||
    (c >= 0xd8 && c <= 0xf6) ||
    (c >= 0xf8 && c <= 0x2ff) ||
    (c >= 0x370 && c <= 0x37d) ||
    (c >= 0x37f && c <= 0x1fff) ||
    (c >= 0x200c && c <= 0x200d) ||
    (c >= 0x2070 && c <= 0x218f) ||
    (c >= 0x2c00 && c <= 0x2fef) ||
    (c >= 0x3001 && c <= 0xd7ff) ||
    (c >= 0xf900 && c <= 0xfdcf) ||
    (c >= 0xfdf0 && c <= 0xfffd) ||
    (c >= 0x10000 && c <= 0xeffff)
  );
}

function isNameChar(c: number): boolean {
  return (
    c === 0x2d ||
    c === 0x2e ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0xb7 ||
    (c >= 0x300 && c <= 0x36f) ||
    (c >= 0x203f && c <= 0x2040)
  );
}

// ——— reading helpers ———

export function childElements(parent: XmlElement, name?: string): XmlElement[] {
  return parent.children.filter(
    (c): c is XmlElement => typeof c !== 'string' && (name === undefined || c.name === name),
  );
}

export function firstChild(parent: XmlElement, name: string): XmlElement | undefined {
  return childElements(parent, name)[0];
}

/** The element's own text (its text children joined; nested elements' text excluded). */
export function textOf(element: XmlElement): string {
  return element.children.filter((c): c is string => typeof c === 'string').join('');
}

/** Every descendant element named `name`, depth first, in document order. */
export function descendants(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const walk = (e: XmlElement) => {
    for (const c of childElements(e)) {
      if (c.name === name) found.push(c);
      walk(c);
    }
  };
  walk(root);
  return found;
}

// ——— writing ———

/** An element to write; attributes whose value is undefined are left out. */
export interface XmlOut {
  name: string;
  attrs?: Record<string, string | number | undefined>;
  children?: Array<XmlOut | string>;
}

export function xml(
  name: string,
  attrs: XmlOut['attrs'] = {},
  children: Array<XmlOut | string> = [],
): XmlOut {
  return { name, attrs, children };
}

/** Replaces what XML cannot carry at all (control characters, lone surrogates) with U+FFFD. */
export function xmlSafe(text: string): string {
  if (firstInvalidChar(text) === -1) return text;
  let out = '';
  for (const ch of text) out += isXmlChar(ch.codePointAt(0) as number) ? ch : '\uFFFD';
  return out;
}

export function escapeText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Escapes for a double-quoted attribute; tabs and line ends as references so they survive. */
export function escapeAttr(value: string): string {
  return escapeText(value)
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#9;')
    .replace(/\n/g, '&#10;')
    .replace(/\r/g, '&#13;');
}

/**
 * Serializes with two-space indentation. An element whose children are all text is written
 * on one line with its text untouched; text is never re-indented, so it reads back exactly.
 * A carriage return in text is written as &#13; (a raw one would be read as a line end).
 */
export function serializeXml(root: XmlOut, prolog: string[] = []): string {
  const lines: string[] = [...prolog];
  const write = (e: XmlOut, depth: number) => {
    const indent = '  '.repeat(depth);
    const attrs = Object.entries(e.attrs ?? {})
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
      .map(([k, v]) => ` ${k}="${escapeAttr(String(v))}"`)
      .join('');
    const children = e.children ?? [];
    if (children.length === 0) {
      lines.push(`${indent}<${e.name}${attrs}/>`);
    } else if (children.every((c) => typeof c === 'string')) {
      const text = escapeText(children.join('')).replace(/\r/g, '&#13;');
      lines.push(`${indent}<${e.name}${attrs}>${text}</${e.name}>`);
    } else {
      lines.push(`${indent}<${e.name}${attrs}>`);
      for (const c of children) {
        if (typeof c === 'string') {
          if (c !== '') lines.push(escapeText(c).replace(/\r/g, '&#13;'));
        } else write(c, depth + 1);
      }
      lines.push(`${indent}</${e.name}>`);
    }
  };
  write(root, 0);
  return `${lines.join('\n')}\n`;
}
