/**
 * What an import reads out of a foreign file before anything is written: a format-neutral board
 * (scenes, shots, characters, style, narration). The readers (mulmo.ts, fountain.ts, csv.ts)
 * fill it; emit.ts writes it as a storyboard. Keeping the two apart lets the emitter grow with
 * the storyboard format without touching any reader.
 */
import type { Tag } from '../storyboard/types.ts';

export const IMPORT_FORMATS = ['mulmo', 'fountain', 'csv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The names people know the formats by, for messages. */
export const FORMAT_NAMES: Record<ImportFormat, string> = {
  mulmo: 'a MulmoScript (MulmoCast) JSON file',
  fountain: 'a Fountain screenplay',
  csv: 'a CSV shot list',
};

/** Where something came from: the source file's name and a 1-based line. */
export interface Origin {
  line: number;
  /** e.g. `beats[3]` or `row 4`: what the line holds, when the line alone is not enough */
  what?: string;
}

export interface ImportedCharacter {
  /** the storyboard's key for the character, as shots and dialogue name it */
  id: string;
  description?: string;
  /** image paths (relative to the output's folder) or http(s) URLs */
  references: string[];
  origin?: Origin;
  /** said as comments beside the character */
  notes: string[];
}

export interface ImportedScene {
  id: string;
  /** e.g. `INT. KITCHEN - NIGHT` */
  heading: string;
  origin: Origin;
}

export interface ImportedLine {
  speaker: string;
  line: string;
}

export interface ImportedShot {
  id: string;
  origin: Origin;
  /** the id of the scene the shot belongs to */
  scene?: string;
  prompt: string;
  duration: number;
  /** how `duration` was found, said in a comment when it was not given */
  durationFrom: 'given' | 'text';
  characters: string[];
  dialogue: ImportedLine[];
  camera?: string;
  narration?: { text: string; speaker?: string };
  /** a style for this shot only (MulmoScript's per-beat `imageParams.style`) */
  style?: string;
  tags: Tag[];
  references: string[];
  firstFrame?: string;
  /** the shot starts from this still of the board's `images` (written `first_frame: { image }`) */
  firstFrameImage?: string;
  /** said as comments above the shot */
  notes: string[];
}

/** A speaker's voice as the source names it (MulmoScript's `speechParams.speakers`). */
export interface ImportedVoice {
  /** the name narration's `speaker` uses */
  speaker: string;
  /** a catalog voice model, when the source's provider maps to one */
  model?: string;
  /** the provider's voice name or id, when it fits that model */
  voice?: string;
  /** delivery instructions */
  notes?: string;
  origin?: Origin;
  /** said as comments beside the voice */
  comments: string[];
}

/** A still to generate before the shots (the storyboard's `images:` with `generate`). */
export interface ImportedImage {
  /** its name under `images:` */
  name: string;
  prompt: string;
  origin?: Origin;
}

export interface ImportedBoard {
  format: ImportFormat;
  /** the source file's base name, as the comments cite it */
  source: string;
  title: string;
  deliver: { resolution: string; fps: number };
  style?: { prompt: string; negative?: string };
  characters: ImportedCharacter[];
  /** the speakers' voices, when the source names them */
  voices?: ImportedVoice[];
  /** stills to generate, in the order the shots use them; absent: none */
  images?: ImportedImage[];
  scenes: ImportedScene[];
  shots: ImportedShot[];
  /** said as comments at the top */
  notes: string[];
}

/** What every reader is given besides the text. */
export interface ReadContext {
  /** the source file's base name */
  source: string;
  /** the source file's folder (image paths in it are relative to it) */
  sourceDir: string;
  /** the folder the storyboard will be written to (its image paths are relative to it) */
  outDir: string;
}
