/**
 * Fountain screenplays (fountain.io) to an imported board: each scene heading opens a scene;
 * each action paragraph is a shot; a run of dialogue with no action between is one shot with
 * its speakers and lines (split when it would run past `DIALOGUE_SHOT_SECONDS`); voice-over
 * (`(V.O.)`) is narration over the shot before it. A character's description is the sentence
 * of the action that first names them in capitals, as screenplays introduce people.
 *
 * The parts of the syntax read: the title page (`Title:`), scene headings (`INT.`, `EXT.`,
 * `EST.`, `INT./EXT.`, `I/E`, forced with `.`, scene numbers `#12#`), character cues (capitals,
 * forced with `@`, extensions such as `(O.S.)`, dual dialogue `^`), parentheticals, dialogue,
 * transitions (`CUT TO:`, forced with `>`), centred text, forced action (`!`), lyrics (`~`),
 * notes (`[[ ]]`, kept as comments), boneyard (`/* *\/`, dropped), sections (`#`), synopses
 * (`=`), page breaks (`===`) and emphasis (`*`, `**`, `_`).
 */
import path from 'node:path';
import type { Tag } from '../storyboard/types.ts';
import { cannotImport, cleanPrompt, IdSet, pad, secondsForText, slug } from './shared.ts';
import type {
  ImportedBoard,
  ImportedCharacter,
  ImportedLine,
  ImportedScene,
  ImportedShot,
  ReadContext,
} from './types.ts';

/** A run of dialogue longer than this is cut into several shots (most models make ≤ 15 s). */
export const DIALOGUE_SHOT_SECONDS = 12;

const HEADING = /^(?:int\.?\/ext|int\/ext|i\/e|int|ext|est)[.\s]/i;
const TITLE_KEY =
  /^(title|credit|author|authors|source|draft date|date|contact|copyright|notes|revision)\s*:/i;

type Element =
  | { kind: 'heading'; line: number; text: string; number?: string }
  | { kind: 'action'; line: number; end: number; text: string }
  | {
      kind: 'dialogue';
      line: number;
      end: number;
      name: string;
      extension: string;
      parentheticals: string[];
      text: string;
    };

export function readFountain(text: string, file: string, context: ReadContext): ImportedBoard {
  const notes: { line: number; text: string }[] = [];
  const lines = withoutBoneyardAndNotes(text.replace(/\r\n?/g, '\n'), notes).split('\n');
  const { title, bodyStart } = titlePage(lines);
  const elements = parse(lines, bodyStart);
  if (!elements.some((e) => e.kind !== 'heading')) {
    throw cannotImport(
      file,
      'no action or dialogue found: nothing to make shots of',
      { line: 1 },
      'a Fountain scene is a heading (INT. PLACE - DAY) followed by action and dialogue',
    );
  }
  const board = build(elements, notes, context);
  return {
    ...board,
    title: title ?? path.basename(file, path.extname(file)),
  };
}

/** The text with boneyard and notes blanked out (line numbers kept); notes are collected. */
function withoutBoneyardAndNotes(text: string, notes: { line: number; text: string }[]): string {
  const blank = (s: string) => s.replace(/[^\n]/g, '');
  const lineAt = (offset: number) => text.slice(0, offset).split('\n').length;
  let out = text.replace(/\/\*[\s\S]*?\*\//g, (m) => blank(m));
  out = out.replace(/\[\[([\s\S]*?)\]\]/g, (m, inner: string, offset: number) => {
    const said = inner.replace(/\s+/g, ' ').trim();
    if (said !== '') notes.push({ line: lineAt(offset), text: said });
    return blank(m);
  });
  return out;
}

function titlePage(lines: string[]): { title?: string; bodyStart: number } {
  const first = lines.findIndex((l) => l.trim() !== '');
  if (first === -1 || !TITLE_KEY.test(lines[first]!)) return { bodyStart: 0 };
  let title: string | undefined;
  let key = '';
  let i = first;
  for (; i < lines.length && lines[i]!.trim() !== ''; i++) {
    const line = lines[i]!;
    const pair = /^([^:]+):\s*(.*)$/.exec(line);
    if (pair && !/^(\s{3,}|\t)/.test(line)) {
      key = pair[1]!.trim().toLowerCase();
      if (key === 'title' && pair[2]!.trim() !== '') title = plain(pair[2]!);
    } else if (key === 'title') {
      title = [title, plain(line)].filter(Boolean).join(' ');
    }
  }
  return { ...(title ? { title } : {}), bodyStart: i };
}

function parse(lines: string[], start: number): Element[] {
  const elements: Element[] = [];
  const blank = (i: number) => i < start || i >= lines.length || lines[i]!.trim() === '';
  let i = start;
  while (i < lines.length) {
    const raw = lines[i]!;
    const line = raw.trim();
    const lineNo = i + 1;
    if (line === '' || /^={3,}$/.test(line) || /^#/.test(line) || /^=/.test(line)) {
      i++;
      continue;
    }
    const afterBlank = blank(i - 1);
    if (afterBlank && (/^\.[^.]/.test(line) || HEADING.test(line))) {
      const number = /\s*#([\w.-]+)#\s*$/.exec(line);
      const text = line.replace(/\s*#[\w.-]+#\s*$/, '').replace(/^\./, '');
      elements.push({
        kind: 'heading',
        line: lineNo,
        text: plain(text).toUpperCase(),
        ...(number ? { number: number[1] } : {}),
      });
      i++;
      continue;
    }
    if (/^>.*<$/.test(line)) {
      i++; // centred text: a title card, no shot for a video model
      continue;
    }
    if (afterBlank && blank(i + 1) && (/^>/.test(line) || /^[A-Z\s.']+TO:$/.test(line))) {
      i++; // a transition: the cut says it
      continue;
    }
    if (afterBlank && !blank(i + 1) && isCue(line)) {
      const cue = line.replace(/^@/, '').replace(/\s*\^$/, '');
      const extension = /\(([^)]*)\)\s*$/.exec(cue)?.[1]?.trim() ?? '';
      const name = plain(cue.replace(/\s*\([^)]*\)\s*$/, '')).trim();
      const parentheticals: string[] = [];
      const said: string[] = [];
      let j = i + 1;
      for (; j < lines.length && lines[j]!.trim() !== ''; j++) {
        const part = lines[j]!.trim();
        if (/^\(.*\)$/.test(part)) parentheticals.push(part.slice(1, -1).trim());
        else said.push(plain(part.replace(/^~/, '')));
      }
      elements.push({
        kind: 'dialogue',
        line: lineNo,
        end: j,
        name,
        extension: extension.toUpperCase(),
        parentheticals,
        text: said.join(' '),
      });
      i = j;
      continue;
    }
    // action: this line and the ones after it up to a blank line or a heading
    const paragraph: string[] = [];
    let j = i;
    for (; j < lines.length && lines[j]!.trim() !== ''; j++) {
      const part = lines[j]!.trim();
      paragraph.push(plain(part.replace(/^!/, '').replace(/^~/, '')));
    }
    elements.push({ kind: 'action', line: lineNo, end: j, text: paragraph.join(' ') });
    i = j;
  }
  return elements;
}

/** A character cue: forced with `@`, or in capitals with at least one letter (an extension aside). */
function isCue(line: string): boolean {
  if (line.startsWith('@')) return line.length > 1;
  if (line.startsWith('!') || /^[>~]/.test(line)) return false;
  const name = line.replace(/\s*\^$/, '').replace(/\s*\([^)]*\)\s*$/, '');
  return /[A-Z]/.test(name) && name === name.toUpperCase() && !/[.:!?]$/.test(name);
}

function build(
  elements: Element[],
  notes: { line: number; text: string }[],
  context: ReadContext,
): Omit<ImportedBoard, 'title'> {
  const characters = introduce(elements);
  const byName = new Map(characters.map((c) => [c.name, c.character]));
  const ids = new IdSet();
  const scenes: ImportedScene[] = [];
  const shots: ImportedShot[] = [];
  const pendingNotes = [...notes].sort((a, b) => a.line - b.line);
  let scene: ImportedScene | undefined;
  let inScene = 0;
  let group: Extract<Element, { kind: 'dialogue' }>[] = [];

  const add = (shot: Omit<ImportedShot, 'id' | 'notes'>, upTo: number) => {
    inScene++;
    const notesHere: string[] = [];
    while (pendingNotes.length > 0 && pendingNotes[0]!.line <= upTo) {
      notesHere.push(`note: ${pendingNotes.shift()!.text}`);
    }
    const id = ids.claim(
      scene ? `${scene.id}-${pad(inScene)}` : `s${pad(inScene)}`,
      `s${pad(shots.length + 1)}`,
    );
    shots.push({ ...shot, id, notes: notesHere });
  };
  const flush = () => {
    if (group.length === 0) return;
    const blocks = group;
    group = [];
    const speakers = unique(blocks.map((b) => b.name));
    const cast = speakers.map((n) => byName.get(n)!.id);
    const who = speakers.map((n) => {
      const moods = blocks.filter((b) => b.name === n).flatMap((b) => b.parentheticals);
      return `${display(n)}${moods.length > 0 ? ` (${unique(moods).join(', ')})` : ''}`;
    });
    const dialogue: ImportedLine[] = blocks
      .filter((b) => b.text !== '')
      .map((b) => ({ speaker: byName.get(b.name)!.id, line: b.text }));
    const tags: Tag[] = ['narrative', 'dialogue'];
    if (cast.length > 1) tags.push('multi-character');
    add(
      {
        origin: { line: blocks[0]!.line },
        ...(scene ? { scene: scene.id } : {}),
        prompt: cleanPrompt(
          `${joinNames(who)} ${speakers.length === 1 ? 'speaks' : 'talk'}.${setting(scene)}`,
        ),
        duration: secondsForText(blocks.map((b) => b.text).join(' ')),
        durationFrom: 'text',
        characters: cast,
        dialogue,
        tags,
        references: [],
      },
      blocks.at(-1)!.end,
    );
  };

  for (const element of elements) {
    if (element.kind === 'heading') {
      flush();
      const wanted = element.number ? `sc${element.number}` : `sc${pad(scenes.length + 1)}`;
      scene = {
        id: ids.claim(wanted.replace(/\./g, '-'), `sc${pad(scenes.length + 1)}`),
        heading: element.text,
        origin: { line: element.line },
      };
      scenes.push(scene);
      inScene = 0;
      continue;
    }
    if (element.kind === 'dialogue') {
      if (/\bV\.?\s?O\b/.test(element.extension) && narrate(shots, scene, element, byName))
        continue;
      const seconds = secondsForText([...group, element].map((b) => b.text).join(' '));
      if (group.length > 0 && seconds > DIALOGUE_SHOT_SECONDS) flush();
      group.push(element);
      continue;
    }
    flush();
    const cast = characters
      .filter((c) => mentions(element.text, c.name))
      .map((c) => c.character.id);
    const tags: Tag[] = ['narrative'];
    if (inScene === 0 && cast.length === 0) tags.push('establishing');
    if (cast.length > 1) tags.push('multi-character');
    add(
      {
        origin: { line: element.line },
        ...(scene ? { scene: scene.id } : {}),
        prompt: cleanPrompt(element.text),
        duration: secondsForText(element.text),
        durationFrom: 'text',
        characters: cast,
        dialogue: [],
        tags,
        references: [],
      },
      element.end,
    );
  }
  flush();
  return {
    format: 'fountain',
    source: context.source,
    deliver: { resolution: '1920x1080', fps: 24 },
    characters: characters.map((c) => c.character),
    scenes,
    shots,
    notes: pendingNotes.map((n) => `note (line ${n.line}): ${n.text}`),
  };
}

/**
 * A voice-over line is narration over the scene's last shot (its words said after any already
 * there); false when the scene has no shot yet, so the line makes a shot of its own.
 */
function narrate(
  shots: ImportedShot[],
  scene: ImportedScene | undefined,
  block: Extract<Element, { kind: 'dialogue' }>,
  byName: ReadonlyMap<string, ImportedCharacter>,
): boolean {
  const last = shots.at(-1);
  if (last === undefined || last.scene !== scene?.id || block.text === '') return false;
  const speaker = byName.get(block.name)!.id;
  const text = last.narration ? `${last.narration.text} ${block.text}` : block.text;
  last.narration = { text, speaker };
  const needed = secondsForText(text);
  if (needed > last.duration) {
    last.duration = needed;
    last.durationFrom = 'text';
  }
  return true;
}

/** Every speaking character, in order of first appearance, described where first introduced. */
function introduce(elements: Element[]): { name: string; character: ImportedCharacter }[] {
  const ids = new IdSet();
  const found: { name: string; character: ImportedCharacter }[] = [];
  const actions = elements.filter((e) => e.kind === 'action');
  for (const element of elements) {
    if (element.kind !== 'dialogue' || found.some((f) => f.name === element.name)) continue;
    const name = element.name;
    const character: ImportedCharacter = {
      id: ids.claim(slug(name), `character-${found.length + 1}`),
      references: [],
      origin: { line: element.line, what: 'first line' },
      notes: [],
    };
    const capitals = new RegExp(`(^|[^A-Za-z])${escapeRegExp(name)}(?![A-Za-z])`);
    const intro = actions.find((a) => capitals.test(a.text));
    if (intro) {
      const sentence = sentences(intro.text).find((s) => capitals.test(s));
      if (sentence) {
        character.description = cleanPrompt(sentence);
        character.origin = { line: intro.line, what: 'introduced' };
      }
    }
    found.push({ name, character });
  }
  return found;
}

function sentences(text: string): string[] {
  return text.split(/(?<=[.!?])\s+(?=[A-Z"'])/);
}

function mentions(text: string, name: string): boolean {
  return new RegExp(`(^|[^A-Za-z])${escapeRegExp(name)}(?![A-Za-z])`, 'i').test(text);
}

/** `INT. KITCHEN - NIGHT` → ` Interior, kitchen, night.`; nothing outside a scene. */
function setting(scene: ImportedScene | undefined): string {
  if (scene === undefined) return '';
  const [place = '', ...times] = scene.heading.split(/\s+[-–—]\s+/);
  const prefix = /^(INT\.?\/EXT\.?|INT\/EXT|I\/E|INT|EXT|EST)\.?\s*/i.exec(place);
  const where = place.slice(prefix?.[0].length ?? 0).toLowerCase();
  const inside = prefix
    ? /\//.test(prefix[1]!)
      ? 'Inside and outside'
      : /^INT/i.test(prefix[1]!)
        ? 'Interior'
        : 'Exterior'
    : '';
  const parts = [inside, where, ...times.map((t) => t.toLowerCase())].filter(Boolean);
  return parts.length === 0 ? '' : ` ${parts.join(', ')}.`;
}

/** `MARA` → `Mara`, `DR. OKAFOR` → `Dr. Okafor` */
function display(name: string): string {
  return name
    .toLowerCase()
    .replace(/(^|[\s'-])(\p{L})/gu, (_, a: string, b: string) => a + b.toUpperCase());
}

function joinNames(names: string[]): string {
  return names.length <= 1
    ? (names[0] ?? '')
    : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}

/** Text without Fountain's emphasis marks and escapes. */
function plain(text: string): string {
  return text
    .replace(/\\([*_])/g, '\uE000$1')
    .replace(/\*{1,3}([^*]+)\*{1,3}/g, '$1')
    .replace(/_([^_]+)_/g, '$1')
    .replace(/\uE000/g, '')
    .trim();
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// exported for the detector
export { HEADING as FOUNTAIN_HEADING };
