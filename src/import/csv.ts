/**
 * CSV shot lists, as production teams keep them, to an imported board: one row a shot, columns
 * found by their headers, matched loosely ("Shot Size", "size", "Framing" are the same column;
 * a near miss such as "Discription" still matches), `--map FIELD=HEADER` for any other. Comma,
 * semicolon and tab separated files are all read; quoted fields may hold separators, quotes
 * (`""`) and line breaks.
 */
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import type { Tag } from '../storyboard/types.ts';
import { editDistance } from '../util/did-you-mean.ts';
import {
  cannotImport,
  cleanPrompt,
  givenSeconds,
  IdSet,
  pad,
  secondsForText,
  slug,
} from './shared.ts';
import type {
  ImportedBoard,
  ImportedCharacter,
  ImportedLine,
  ImportedScene,
  ImportedShot,
  ReadContext,
} from './types.ts';

/** The columns a shot list may have, each with the headers it goes by (normalised). */
export const CSV_COLUMNS = {
  scene: ['scene', 'sc', 'scn', 'scene no', 'scene number', 'scene #', 'scene id'],
  shot: ['shot', 'shot no', 'shot number', 'shot #', 'shot id', 'no', '#', 'id', 'number', 'nr'],
  size: ['shot size', 'size', 'framing', 'shot type', 'type', 'frame', 'frame size'],
  movement: [
    'movement',
    'camera movement',
    'move',
    'camera move',
    'motion',
    'camera motion',
    'moves',
  ],
  angle: ['angle', 'camera angle', 'lens', 'camera', 'cam'],
  description: [
    'description',
    'desc',
    'shot description',
    'action',
    'what we see',
    'visual',
    'visuals',
    'prompt',
    'content',
    'subject',
    'details',
  ],
  duration: [
    'duration',
    'length',
    'time',
    'dur',
    'secs',
    'seconds',
    'sec',
    'est duration',
    'runtime',
    'timing',
  ],
  characters: ['characters', 'character', 'cast', 'talent', 'who', 'actors', 'actor', 'people'],
  dialogue: ['dialogue', 'dialog', 'lines', 'line', 'vo', 'voice over', 'script'],
  notes: ['notes', 'note', 'comments', 'comment', 'remarks'],
  location: ['location', 'set', 'place', 'setting'],
} as const;

export type CsvColumn = keyof typeof CSV_COLUMNS;
const COLUMN_NAMES = Object.keys(CSV_COLUMNS) as CsvColumn[];

/** Shot-size shorthand as it is written in shot lists, in words a model understands. */
const SIZES: Record<string, string> = {
  ecu: 'extreme close-up',
  xcu: 'extreme close-up',
  bcu: 'extreme close-up',
  cu: 'close-up',
  mcu: 'medium close-up',
  ms: 'medium shot',
  m: 'medium shot',
  med: 'medium shot',
  mws: 'medium wide shot',
  mls: 'medium wide shot',
  cowboy: 'medium wide shot',
  fs: 'full shot',
  ws: 'wide shot',
  w: 'wide shot',
  ls: 'wide shot',
  ews: 'extreme wide shot',
  els: 'extreme wide shot',
  xws: 'extreme wide shot',
  xls: 'extreme wide shot',
  est: 'establishing shot',
  ots: 'over-the-shoulder shot',
  pov: 'point-of-view shot',
  '2s': 'two-shot',
  '2 shot': 'two-shot',
  ins: 'insert',
};

export interface CsvOptions {
  /** column → header, from `--map` */
  map?: Partial<Record<CsvColumn, string>>;
}

export interface Row {
  line: number;
  cells: string[];
}

export function readCsv(
  text: string,
  file: string,
  context: ReadContext,
  options: CsvOptions = {},
): ImportedBoard {
  const rows = parseCsv(text.replace(/^\uFEFF/, '')).filter((r) => r.cells.some((c) => c.trim()));
  // a title row or two may sit above the header (spreadsheets often start with the project)
  const at = Math.max(0, rows.slice(0, HEADER_SEARCH_ROWS).findIndex(looksLikeHeader));
  const above = rows.splice(0, at);
  const title = above.flatMap((r) => r.cells.map((c) => c.trim())).find((c) => c !== '');
  const header = rows.shift();
  if (header === undefined || rows.length === 0) {
    throw cannotImport(file, 'the shot list has no rows under its header: nothing to import');
  }
  const columns = matchColumns(header, file, options.map ?? {});
  const cell = (row: Row, column: CsvColumn) => {
    const index = columns.get(column);
    return index === undefined ? '' : (row.cells[index] ?? '').trim();
  };
  const used = new Set(columns.values());
  const unused = header.cells
    .map((name, index) => ({ name: name.trim(), index }))
    .filter((h) => !used.has(h.index) && h.name !== '');

  const ids = new IdSet();
  const characterIds = new IdSet();
  const characters = new Map<string, ImportedCharacter>();
  const scenes = new Map<string, ImportedScene>();
  const shots: ImportedShot[] = [];
  const notes: string[] = [];
  if (unused.length > 0) {
    notes.push(
      `columns kept as notes on each shot: ${unused.map((h) => h.name).join(', ')} (use --map FIELD=HEADER to read one as a field)`,
    );
  }

  rows.forEach((row, index) => {
    const what = `row ${index + 1}`;
    const description = cell(row, 'description');
    if (description === '') {
      notes.push(`${what} (line ${row.line}) has no description: left out`);
      return;
    }
    const shotNotes: string[] = [];
    const sceneKey = cell(row, 'scene');
    let scene: ImportedScene | undefined;
    if (sceneKey !== '') {
      scene = scenes.get(sceneKey);
      if (scene === undefined) {
        const location = cell(row, 'location');
        scene = {
          id: ids.claim(`sc${idPart(sceneKey)}`, `sc${pad(scenes.size + 1)}`),
          heading: location === '' ? `Scene ${sceneKey}` : `Scene ${sceneKey}: ${location}`,
          origin: { line: row.line, what },
        };
        scenes.set(sceneKey, scene);
      }
    }
    const cast: string[] = [];
    for (const name of names(cell(row, 'characters'))) {
      let character = characters.get(name.toLowerCase());
      if (character === undefined) {
        character = {
          id: characterIds.claim(slug(name), `character-${characters.size + 1}`),
          references: [],
          origin: { line: row.line, what },
          notes: [],
        };
        characters.set(name.toLowerCase(), character);
      }
      if (!cast.includes(character.id)) cast.push(character.id);
    }
    const dialogue = lines(cell(row, 'dialogue'), cast, characters, shotNotes);

    const sizeText = cell(row, 'size');
    const size =
      SIZES[
        sizeText
          .toLowerCase()
          .replace(/[.\s-]+/g, ' ')
          .trim()
      ] ?? sizeText;
    const movement = cell(row, 'movement');
    const camera = [size, cell(row, 'angle'), movement].filter(Boolean).join(', ');

    const given = seconds(cell(row, 'duration'));
    if (cell(row, 'duration') !== '' && given === undefined) {
      shotNotes.push(
        `duration '${cell(row, 'duration')}' is not a length of time: worked out from the text`,
      );
    }
    const said = dialogue.map((d) => d.line).join(' ');
    const note = cell(row, 'notes');
    if (note !== '') shotNotes.push(`notes: ${note}`);
    for (const h of unused) {
      const value = (row.cells[h.index] ?? '').trim();
      if (value !== '') shotNotes.push(`${h.name}: ${value}`);
    }
    const shotKey = cell(row, 'shot');
    const wanted = scene
      ? `${scene.id}-${shotKey === '' ? pad(index + 1) : idPart(shotKey)}`
      : shotKey === ''
        ? `r${pad(index + 1)}`
        : `s${idPart(shotKey)}`;
    shots.push({
      id: ids.claim(wanted, `r${pad(index + 1)}`),
      origin: { line: row.line, what },
      ...(scene ? { scene: scene.id } : {}),
      prompt: cleanPrompt(description),
      ...(given === undefined
        ? {
            duration: secondsForText(said.length > description.length ? said : description),
            durationFrom: 'text' as const,
          }
        : { duration: givenSeconds(given), durationFrom: 'given' as const }),
      characters: cast,
      dialogue,
      ...(camera === '' ? {} : { camera }),
      tags: tagsFor(sizeText, size, movement, cast.length, dialogue.length > 0),
      references: [],
      notes: shotNotes,
    });
  });
  if (shots.length === 0) {
    throw cannotImport(file, 'no row of the shot list has a description: nothing to import');
  }
  return {
    format: 'csv',
    source: context.source,
    title: title ?? path.basename(file, path.extname(file)),
    deliver: { resolution: '1920x1080', fps: 24 },
    characters: [...characters.values()],
    scenes: [...scenes.values()],
    shots,
    notes,
  };
}

/** How far down a shot list its header row is looked for. */
const HEADER_SEARCH_ROWS = 10;

/** A row naming at least two of a shot list's columns as they are usually written. */
export function looksLikeHeader(row: Row): boolean {
  const names = new Set<string>(Object.values(CSV_COLUMNS).flat());
  return row.cells.filter((c) => names.has(normalise(c))).length >= 2;
}

/** Which cell of a row holds which column: `--map` first, then the header's own words. */
function matchColumns(
  header: Row,
  file: string,
  map: Partial<Record<CsvColumn, string>>,
): Map<CsvColumn, number> {
  const headers = header.cells.map(normalise);
  const columns = new Map<CsvColumn, number>();
  const taken = new Set<number>();
  const claim = (column: CsvColumn, index: number) => {
    columns.set(column, index);
    taken.add(index);
  };
  for (const [column, name] of Object.entries(map) as [CsvColumn, string][]) {
    const index = headers.indexOf(normalise(name));
    if (index === -1) {
      throw new ShotrouterError(
        'usage',
        `--map ${column}=${name}: the shot list has no column '${name}'; its columns are ${header.cells.map((c) => `'${c.trim()}'`).join(', ')}`,
      );
    }
    claim(column, index);
  }
  // the exact names first, then a header holding a name's words, then a near miss
  const passes: ((h: string, names: readonly string[]) => boolean)[] = [
    (h, names) => names.includes(h),
    (h, names) => names.some((n) => n.length > 2 && new RegExp(`\\b${n}\\b`).test(h)),
    // one slip in a short name, two in a long one ("Discription"); never "take" for "time"
    (h, names) => names.some((n) => n.length > 4 && editDistance(h, n) <= (n.length < 8 ? 1 : 2)),
  ];
  for (const pass of passes) {
    for (const column of COLUMN_NAMES) {
      if (columns.has(column)) continue;
      const index = headers.findIndex((h, i) => !taken.has(i) && pass(h, CSV_COLUMNS[column]));
      if (index !== -1) claim(column, index);
    }
  }
  if (!columns.has('description')) {
    throw cannotImport(
      file,
      `no column holds the shots' descriptions (the columns are ${header.cells.map((c) => `'${c.trim()}'`).join(', ')})`,
      { line: header.line },
      'name it: --map description=HEADER',
    );
  }
  return columns;
}

/** `Shot Size (abbr.)` → `shot size` */
function normalise(header: string): string {
  return header
    .toLowerCase()
    .replace(/\([^)]*\)/g, ' ')
    .replace(/[^a-z0-9#]+/g, ' ')
    .trim();
}

/** A length of time as shot lists write it: `4`, `4.5s`, `4 sec`, `0:04`, `00:00:04`, `1m30s`. */
export function seconds(text: string): number | undefined {
  const t = text.trim().toLowerCase().replace(',', '.');
  if (t === '') return undefined;
  let value: number | undefined;
  const unit = /^(\d+(?:\.\d+)?)\s*(s|sec|secs|second|seconds|")?$/.exec(t);
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)$/.exec(t);
  const minutes = /^(\d+)\s*m(?:in)?\s*(?:(\d+(?:\.\d+)?)\s*s(?:ec)?)?$/.exec(t);
  if (unit) value = Number(unit[1]);
  else if (clock) value = Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  else if (minutes) value = Number(minutes[1]) * 60 + Number(minutes[2] ?? 0);
  return value !== undefined && value > 0 ? value : undefined;
}

/** `Mara, Teo & Ines` → `[Mara, Teo, Ines]` */
function names(text: string): string[] {
  return text
    .split(/\s*(?:[,;/&+]|\band\b)\s*/i)
    .map((n) => n.trim())
    .filter((n) => slug(n) !== '');
}

/**
 * A dialogue cell: `NAME: line` parts, each with its speaker; a cell without names is said by
 * the shot's only character (with none or several, it is kept as a note).
 */
function lines(
  text: string,
  cast: string[],
  characters: Map<string, ImportedCharacter>,
  notes: string[],
): ImportedLine[] {
  if (text === '') return [];
  const parts = [
    ...text.matchAll(/([A-Za-z][\w .'-]{0,40}):\s*([\s\S]*?)(?=\s+[A-Za-z][\w .'-]{0,40}:\s|$)/g),
  ];
  const named = parts
    .map((p) => ({ character: characters.get(p[1]!.trim().toLowerCase()), line: p[2]!.trim() }))
    .filter((p) => p.character !== undefined && p.line !== '');
  if (named.length > 0) {
    for (const p of named) if (!cast.includes(p.character!.id)) cast.push(p.character!.id);
    return named.map((p) => ({ speaker: p.character!.id, line: p.line }));
  }
  if (cast.length === 1) return [{ speaker: cast[0]!, line: text }];
  notes.push(`dialogue (no speaker given): ${text}`);
  return [];
}

function tagsFor(
  written: string,
  size: string,
  movement: string,
  castSize: number,
  spoken: boolean,
): Tag[] {
  const tags: Tag[] = [];
  if (/establishing|extreme wide/i.test(size) || /^est/i.test(written)) tags.push('establishing');
  if (movement !== '' && !/^(static|locked|lock(ed)? off|none|-|fixed|still)$/i.test(movement))
    tags.push('camera-move');
  if (spoken) tags.push('dialogue', 'narrative');
  if (castSize > 1) tags.push('multi-character');
  return tags;
}

/** A scene or shot number as part of an id: `12A` stays, `3.1` → `3-1`. */
function idPart(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'x';
}

/**
 * Rows of a CSV text (RFC 4180: quoted fields may hold separators, `""` and line breaks), the
 * separator being whichever of comma, semicolon and tab the first lines have most of.
 */
export function parseCsv(text: string): Row[] {
  const top = text.split('\n', 5).join('\n');
  const counts = [',', ';', '\t'].map((d) => ({ d, n: top.split(d).length }));
  const separator = counts.sort((a, b) => b.n - a.n)[0]!.d;
  const rows: Row[] = [];
  let cells: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let rowLine = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (c === '"' && field.trim() === '') {
      quoted = true;
      field = '';
    } else if (c === separator) {
      cells.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      cells.push(field);
      rows.push({ line: rowLine, cells });
      cells = [];
      field = '';
      line++;
      rowLine = line;
    } else field += c;
  }
  if (field !== '' || cells.length > 0) {
    cells.push(field);
    rows.push({ line: rowLine, cells });
  }
  return rows;
}
