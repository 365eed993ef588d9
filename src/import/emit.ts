/**
 * Writes an imported board as a storyboard (YAML, format version 1) that `validate` accepts,
 * with comments saying where each shot and character came from and how each duration was
 * found. Written by hand rather than through a YAML library's stringify because the comments
 * must sit beside the entries they explain.
 */
import { WORDS_PER_SECOND } from './shared.ts';
import { FORMAT_NAMES, type ImportedBoard, type ImportedShot, type Origin } from './types.ts';

/**
 * Which of the parts an import finds the storyboard format has a field for. A part switched
 * off is written as a comment in the place and shape its field would take:
 * - `style`: the look of every shot, at the top level: `style: { prompt, negative }`;
 * - `scene`: on each shot, the scene heading it belongs to: `scene: INT. KITCHEN - NIGHT`;
 * - `narration`: on each shot, the voice-over said over it: `narration: { text, speaker }`.
 * Once storyboard/check.ts knows a field, switch it on here and the same value is written as
 * the field instead of the comment.
 */
export interface FieldSwitches {
  style: boolean;
  scene: boolean;
  narration: boolean;
}

export const FIELDS_IN_FORMAT: FieldSwitches = { style: true, scene: true, narration: true };

const WIDTH = 100;

export function emitStoryboard(
  board: ImportedBoard,
  fields: FieldSwitches = FIELDS_IN_FORMAT,
): string {
  const out: string[] = [];
  comment(
    out,
    '',
    `Imported by \`shotrouter import\` from ${board.source} (${FORMAT_NAMES[board.format]}). Each shot says where it came from; a duration not given was worked out from its text at ${WORDS_PER_SECOND} words a second (docs/import.md).`,
  );
  for (const note of board.notes) comment(out, '', note);
  out.push('version: 1');
  out.push(`title: ${scalar(board.title)}`);
  out.push('deliver:');
  out.push(`  resolution: ${board.deliver.resolution}`);
  out.push(`  fps: ${board.deliver.fps}`);
  out.push('  audio: true');
  if (board.style) optional(out, '', fields.style, 'style', styleValue(board.style));

  if (board.characters.length > 0) {
    out.push('characters:');
    for (const character of board.characters) {
      if (character.origin) comment(out, '  ', from(board.source, character.origin));
      for (const note of character.notes) comment(out, '  ', note);
      const body: string[] = [];
      if (character.description) body.push(`    description: ${scalar(character.description)}`);
      if (character.references.length > 0)
        body.push(`    references: ${flowList(character.references)}`);
      out.push(`  ${scalar(character.id)}:${body.length === 0 ? ' {}' : ''}`);
      out.push(...body);
    }
  }

  if (board.voices && board.voices.length > 0) emitVoices(out, board, fields.narration);
  if (board.images !== undefined && board.images.length > 0) {
    out.push('images:');
    for (const image of board.images) {
      if (image.origin)
        comment(out, '  ', `${from(board.source, image.origin)}: made before its shot`);
      out.push(`  ${scalar(image.name)}:`);
      out.push(`    generate: ${scalar(image.prompt)}`);
    }
  }

  out.push('shots:');
  const headings = new Map(board.scenes.map((s) => [s.id, s]));
  let scene: string | undefined;
  for (const shot of board.shots) {
    if (shot.scene !== undefined && shot.scene !== scene && !fields.scene) {
      const heading = headings.get(shot.scene);
      if (heading) comment(out, '  ', `${heading.heading} (${from(board.source, heading.origin)})`);
    }
    scene = shot.scene;
    emitShot(out, board.source, shot, headings.get(shot.scene ?? '')?.heading, fields);
  }
  return `${out.join('\n')}\n`;
}

function emitShot(
  out: string[],
  source: string,
  shot: ImportedShot,
  heading: string | undefined,
  fields: FieldSwitches,
) {
  comment(out, '  ', from(source, shot.origin));
  for (const note of shot.notes) comment(out, '  ', note);
  out.push(`  - id: ${shot.id}`);
  if (heading !== undefined && fields.scene) out.push(`    scene: ${scalar(heading)}`);
  out.push(`    prompt: ${scalar(shot.prompt)}`);
  const why =
    shot.durationFrom === 'text' ? ` # from the text at ${WORDS_PER_SECOND} words a second` : '';
  out.push(`    duration: ${shot.duration}${why}`);
  if (shot.characters.length > 0) out.push(`    characters: ${flowList(shot.characters)}`);
  if (shot.references.length > 0) out.push(`    references: ${flowList(shot.references)}`);
  if (shot.firstFrame !== undefined) out.push(`    first_frame: ${scalar(shot.firstFrame)}`);
  else if (shot.firstFrameImage !== undefined)
    out.push(`    first_frame: { image: ${scalar(shot.firstFrameImage)} }`);
  if (shot.camera !== undefined) out.push(`    camera: ${scalar(shot.camera)}`);
  if (shot.tags.length > 0) out.push(`    tags: [${shot.tags.join(', ')}]`);
  if (shot.dialogue.length > 0) {
    out.push('    audio:');
    out.push('      dialogue:');
    for (const line of shot.dialogue) {
      out.push(`        - speaker: ${scalar(line.speaker)}`);
      out.push(`          line: ${scalar(line.line)}`);
    }
  }
  if (shot.style !== undefined) comment(out, '    ', `this shot's own style: ${shot.style}`);
  if (shot.narration) {
    const value: Record<string, string> = { text: shot.narration.text };
    if (shot.narration.speaker !== undefined) value.speaker = shot.narration.speaker;
    optional(out, '    ', fields.narration, 'narration', value);
  }
}

/** `voices:` (with narration switched on), else the same as comments. */
function emitVoices(out: string[], board: ImportedBoard, asField: boolean) {
  if (asField) out.push('voices:');
  for (const voice of board.voices ?? []) {
    const indent = asField ? '  ' : '';
    if (voice.origin) comment(out, indent, from(board.source, voice.origin));
    for (const note of voice.comments) comment(out, indent, note);
    const value: Record<string, string> = {};
    if (voice.model !== undefined) value.model = voice.model;
    if (voice.voice !== undefined) value.voice = voice.voice;
    if (voice.notes !== undefined) value.notes = voice.notes;
    if (!asField) {
      for (const [key, text] of Object.entries(value))
        comment(out, '', `voices.${voice.speaker}.${key}: ${text}`);
      continue;
    }
    const fields = Object.entries(value).map(([key, text]) => `${key}: ${scalar(text, true)}`);
    out.push(
      `  ${scalar(voice.speaker)}: ${fields.length === 0 ? '{}' : `{ ${fields.join(', ')} }`}`,
    );
  }
}

function styleValue(style: { prompt: string; negative?: string }): Record<string, string> {
  return style.negative === undefined
    ? { prompt: style.prompt }
    : { prompt: style.prompt, negative: style.negative };
}

/** A mapping field the format may not have yet: the field when switched on, else a comment. */
function optional(
  out: string[],
  indent: string,
  asField: boolean,
  name: string,
  value: Record<string, string>,
) {
  if (asField) {
    out.push(`${indent}${name}:`);
    for (const [key, text] of Object.entries(value)) out.push(`${indent}  ${key}: ${scalar(text)}`);
    return;
  }
  for (const [key, text] of Object.entries(value)) comment(out, indent, `${name}.${key}: ${text}`);
}

function from(source: string, origin: Origin): string {
  return `from ${source}:${origin.line}${origin.what ? `, ${origin.what}` : ''}`;
}

/** A comment on as many lines as it takes, each within WIDTH columns where the words allow. */
function comment(out: string[], indent: string, text: string) {
  const words = text.replace(/\s+/g, ' ').trim().split(' ');
  const room = Math.max(40, WIDTH - indent.length - 2);
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + 1 + word.length > room) {
      out.push(`${indent}# ${line}`);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') out.push(`${indent}# ${line}`);
}

function flowList(items: readonly string[]): string {
  return `[${items.map((item) => scalar(item, true)).join(', ')}]`;
}

const YAML_WORDS = /^(?:true|false|yes|no|on|off|null|y|n|~)$/i;

/**
 * A string as YAML: plain where it cannot be misread, else double-quoted (JSON's escapes are
 * YAML's). In a flow list (`[a, b]`) a comma would end the item, so it is quoted there.
 */
export function scalar(text: string, inFlow = false): string {
  const plain =
    /^[A-Za-z][A-Za-z0-9 _.,;'’()/-]*$/.test(text) &&
    !(inFlow && text.includes(',')) &&
    !text.endsWith(' ') &&
    !YAML_WORDS.test(text) &&
    !text.includes(' #');
  return plain ? text : JSON.stringify(text);
}
