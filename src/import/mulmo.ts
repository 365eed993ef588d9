/**
 * MulmoScript (MulmoCast's JSON script) to an imported board. The parts read, as MulmoCast's
 * schema names them: `title`, `canvasSize`, `imageParams.style` and `imageParams.images` (named
 * images: a picture or a prompt of a recurring character), `speechParams.speakers`, and each
 * beat's `id`, `text`, `speaker`, `imagePrompt`, `moviePrompt`, `image`, `imageNames`,
 * `imageParams.style`, `duration`, `description` and `hidden`. A speaker's voice (`voiceId`,
 * `provider`, `speechOptions.instruction`) becomes its entry under `voices` where the provider
 * is one of the catalog's voices. A beat's `imagePrompt` becomes a still of the storyboard's
 * `images:` that the shot starts from (MulmoCast makes that image first and animates it with the
 * `moviePrompt`). Everything else (BGM, captions, transitions, slides) has no place in a
 * storyboard and is left out.
 */
import path from 'node:path';
import { InvalidInputError } from '../errors.ts';
import type { Tag } from '../storyboard/types.ts';
import { parseSourceDoc } from '../util/source-doc.ts';
import {
  cannotImport,
  cleanPrompt,
  givenSeconds,
  IdSet,
  imageForOutput,
  pad,
  secondsForText,
} from './shared.ts';
import type {
  ImportedBoard,
  ImportedCharacter,
  ImportedImage,
  ImportedShot,
  ImportedVoice,
  ReadContext,
} from './types.ts';

type Json = Record<string, unknown>;

/** MulmoCast's default canvas: 1280x720. */
const DEFAULT_CANVAS = { width: 1280, height: 720 };
/** MulmoCast renders its movies at 30 frames a second. */
const MULMO_FPS = 30;
/** MulmoCast's speaker when a beat names none. */
const DEFAULT_SPEAKER = 'Presenter';
/** Beat image kinds that are pictures to generate or show, as opposed to slides, charts, pages. */
const GENERATIVE = new Set(['imagePrompt', 'moviePrompt', 'image', 'movie']);

export function readMulmo(text: string, file: string, context: ReadContext): ImportedBoard {
  const doc = parseSourceDoc(text, file);
  if (doc.syntaxProblems.length > 0) {
    throw new InvalidInputError('invalid_storyboard', doc.syntaxProblems);
  }
  const root = doc.value;
  if (!isObject(root) || !Array.isArray(root.beats) || root.beats.length === 0) {
    throw cannotImport(
      file,
      'not a MulmoScript: expected a JSON object with a non-empty `beats` list',
      { line: 1 },
      'give a MulmoCast script (.json), or name the format with --from',
    );
  }
  const notes: string[] = [];
  const imageParams = isObject(root.imageParams) ? root.imageParams : {};
  const style = typeof imageParams.style === 'string' ? styleText(imageParams.style) : '';
  const characters = namedImages(imageParams, context, notes, (key) =>
    doc.positionOf(['imageParams', 'images', key]),
  );
  const known = new Map(characters.map((c) => [c.id, c]));
  const speaker = defaultSpeaker(root.speechParams);
  const voices = speakerVoices(root.speechParams, (name) =>
    doc.positionOf(['speechParams', 'speakers', name]),
  );
  const ids = new IdSet();
  const shots: ImportedShot[] = [];
  const images: ImportedImage[] = [];

  root.beats.forEach((value, index) => {
    const what = `beats[${index}]`;
    const line = doc.positionOf(['beats', index]).line;
    if (!isObject(value)) {
      notes.push(`${what} (line ${line}) is not an object: left out`);
      return;
    }
    if (value.hidden === true) {
      notes.push(`${what} (line ${line}) is hidden: left out`);
      return;
    }
    const shot = beatShot(value, index, { line, what }, { ids, known, speaker, style, context });
    shots.push(shot);
    const still = stillOf(value, shot);
    if (still !== undefined) {
      images.push({ ...still, origin: { line, what: `${what}.imagePrompt` } });
      shot.firstFrameImage = still.name;
    }
  });
  if (shots.length === 0) {
    throw cannotImport(
      file,
      'every beat of this MulmoScript is hidden or empty: nothing to import',
    );
  }
  return {
    format: 'mulmo',
    source: context.source,
    title: stringOr(root.title, path.basename(file, path.extname(file))),
    deliver: { resolution: canvas(root.canvasSize), fps: MULMO_FPS },
    ...(style === '' ? {} : { style: { prompt: style } }),
    characters,
    ...(voices.length > 0 ? { voices } : {}),
    ...(images.length > 0 ? { images } : {}),
    scenes: [],
    shots,
    notes,
  };
}

/**
 * The catalog voice a MulmoCast TTS provider's voices belong to: OpenAI's voice names are the
 * gpt-4o-mini-tts voices (which take MulmoCast's instructions), ElevenLabs' voice ids are the
 * account's for any of its models. Others (Google Cloud voices, Nijivoice) have no catalog card.
 */
const MULMO_TTS_MODELS: Record<string, string> = {
  openai: 'gpt-4o-mini-tts',
  elevenlabs: 'eleven-multilingual-v2',
};

/** `speechParams.speakers` as voices, each speaker's provider or the script's default (openai). */
function speakerVoices(
  speechParams: unknown,
  lineOf: (name: string) => { line: number },
): ImportedVoice[] {
  if (!isObject(speechParams) || !isObject(speechParams.speakers)) return [];
  const fallback = stringOr(speechParams.provider, 'openai');
  return Object.entries(speechParams.speakers).map(([name, value]) => {
    const speaker = isObject(value) ? value : {};
    const provider = stringOr(speaker.provider, fallback);
    const voiceId = stringOr(speaker.voiceId, '');
    const options = isObject(speaker.speechOptions) ? speaker.speechOptions : {};
    const notes = stringOr(options.instruction, '');
    const model = MULMO_TTS_MODELS[provider];
    const voice: ImportedVoice = {
      speaker: name,
      origin: { line: lineOf(name).line, what: `speechParams.speakers.${name}` },
      comments: [],
    };
    if (model === undefined) {
      voice.comments.push(
        `MulmoCast reads ${name} with ${provider}${voiceId ? ` voice ${voiceId}` : ''}, which no catalog voice offers: the plan chooses a default voice`,
      );
      return voice;
    }
    voice.model = model;
    if (voiceId !== '') voice.voice = voiceId;
    if (notes !== '') voice.notes = notes;
    return voice;
  });
}

/** A beat's `imagePrompt` as a still named after its shot, unless the beat gives its picture. */
function stillOf(beat: Json, shot: ImportedShot): { name: string; prompt: string } | undefined {
  if (typeof beat.imagePrompt !== 'string' || beat.imagePrompt.trim() === '') return undefined;
  if (shot.firstFrame !== undefined) return undefined;
  return { name: `${shot.id}-still`, prompt: cleanPrompt(beat.imagePrompt) };
}

interface BeatContext {
  ids: IdSet;
  known: ReadonlyMap<string, ImportedCharacter>;
  speaker: string;
  style: string;
  context: ReadContext;
}

function beatShot(
  beat: Json,
  index: number,
  origin: { line: number; what: string },
  { ids, known, speaker, style, context }: BeatContext,
): ImportedShot {
  const notes: string[] = [];
  const spoken = stringOr(beat.text, '');
  const image = isObject(beat.image) ? beat.image : undefined;
  const imageType = typeof image?.type === 'string' ? image.type : undefined;

  const pictured = [beat.imagePrompt, beat.moviePrompt, image?.prompt]
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim());
  let prompt = pictured.join(' ');
  if (prompt === '') prompt = stringOr(beat.description, '') || spoken;
  if (imageType !== undefined && !GENERATIVE.has(imageType)) {
    notes.push(
      `the beat shows a ${imageType} (not made by a video model): its prompt is the beat's words`,
    );
  }
  if (prompt === '') prompt = `Beat ${index + 1}`;

  let firstFrame: string | undefined;
  if (image && (imageType === 'image' || imageType === 'movie') && isObject(image.source)) {
    const found = sourceForOutput(image.source, context);
    if (imageType === 'image' && found.spec !== undefined) firstFrame = found.spec;
    else notes.push(`the beat's ${imageType} (${found.said}) is not carried over`);
  }

  // MulmoCast plays a beat for as long as its words take and uses `duration` for a silent one:
  // a shot lasts the given duration, or longer when its words need it
  const said = secondsForText(spoken || prompt);
  const given = typeof beat.duration === 'number' && beat.duration > 0;
  const duration =
    given && (spoken === '' || givenSeconds(beat.duration as number) >= said)
      ? { duration: givenSeconds(beat.duration as number), durationFrom: 'given' as const }
      : { duration: said, durationFrom: 'text' as const };

  // MulmoCast sends every named image with a beat that does not list its own
  const named = Array.isArray(beat.imageNames)
    ? beat.imageNames.filter((n): n is string => typeof n === 'string')
    : [...known.keys()];
  const characters = imageType === undefined || GENERATIVE.has(imageType) ? named : [];
  for (const name of characters.filter((n) => !known.has(n))) {
    notes.push(`imageNames lists '${name}', which imageParams.images does not define`);
  }
  const cast = characters.filter((n) => known.has(n));
  const ownStyle =
    isObject(beat.imageParams) && typeof beat.imageParams.style === 'string'
      ? styleText(beat.imageParams.style)
      : undefined;

  const wanted = typeof beat.id === 'string' ? beat.id : '';
  return {
    id: ids.claim(wanted, `b${pad(index + 1)}`),
    origin,
    prompt: cleanPrompt(prompt),
    ...duration,
    characters: cast,
    dialogue: [],
    ...(spoken === ''
      ? {}
      : { narration: { text: spoken.trim(), speaker: stringOr(beat.speaker, speaker) } }),
    ...(ownStyle ? { style: ownStyle } : {}),
    tags: tagsFor(`${ownStyle ?? style} ${prompt}`, cast.length),
    references: [],
    ...(firstFrame === undefined ? {} : { firstFrame }),
    notes,
  };
}

/** `imageParams.images`: a picture is a character's reference, a prompt its description. */
function namedImages(
  imageParams: Json,
  context: ReadContext,
  notes: string[],
  lineOf: (key: string) => { line: number },
): ImportedCharacter[] {
  const images = isObject(imageParams.images) ? imageParams.images : {};
  const characters: ImportedCharacter[] = [];
  for (const [name, entry] of Object.entries(images)) {
    if (!isObject(entry) || name.trim() === '') continue;
    const origin = { line: lineOf(name).line, what: `imageParams.images.${name}` };
    const character: ImportedCharacter = { id: name, references: [], origin, notes: [] };
    if (entry.type === 'imagePrompt' && typeof entry.prompt === 'string') {
      character.description = cleanPrompt(entry.prompt);
    } else if (entry.type === 'image' && isObject(entry.source)) {
      const found = sourceForOutput(entry.source, context);
      if (found.spec !== undefined) character.references.push(found.spec);
      else character.notes.push(`its picture (${found.said}) is not carried over`);
    } else {
      notes.push(
        `imageParams.images.${name} is a ${String(entry.type)}, not a character: left out`,
      );
      continue;
    }
    characters.push(character);
  }
  return characters;
}

/**
 * A MulmoCast media source as a storyboard image: a URL as written; a path when the file is
 * inside the output's folder; base64 data never (the storyboard names files).
 */
function sourceForOutput(source: Json, context: ReadContext): { spec?: string; said: string } {
  if (source.kind === 'url' && typeof source.url === 'string') {
    return /^https?:\/\//i.test(source.url)
      ? { spec: source.url, said: source.url }
      : { said: source.url };
  }
  if (source.kind === 'path' && typeof source.path === 'string') {
    const spec = imageForOutput(source.path, context.sourceDir, context.outDir);
    return spec === undefined
      ? { said: `${source.path}, not found in the storyboard's folder` }
      : { spec, said: source.path };
  }
  return { said: `${String(source.kind)} data` };
}

/** `<style>Ghibli style.</style>` → `Ghibli style.` */
function styleText(text: string): string {
  return cleanPrompt(text.replace(/<\/?style>/gi, ' '));
}

function canvas(value: unknown): string {
  const size = isObject(value) ? value : DEFAULT_CANVAS;
  const side = (n: unknown, fallback: number) =>
    typeof n === 'number' && n >= 2 ? Math.min(8192, Math.round(n / 2) * 2) : fallback;
  return `${side(size.width, DEFAULT_CANVAS.width)}x${side(size.height, DEFAULT_CANVAS.height)}`;
}

function defaultSpeaker(speechParams: unknown): string {
  const speakers =
    isObject(speechParams) && isObject(speechParams.speakers) ? speechParams.speakers : {};
  const marked = Object.entries(speakers).find(([, s]) => isObject(s) && s.isDefault === true);
  return marked?.[0] ?? Object.keys(speakers)[0] ?? DEFAULT_SPEAKER;
}

function tagsFor(words: string, castSize: number): Tag[] {
  const tags: Tag[] = ['narrative'];
  if (/\b(anime|manga|ghibli)\b/i.test(words)) tags.push('anime', 'stylized');
  else if (/\b(photo ?real|photographic|realistic)\b/i.test(words)) tags.push('photoreal');
  else if (/\b(style|illustrat|painted|watercolou?r|comic|cartoon)/i.test(words))
    tags.push('stylized');
  if (castSize > 1) tags.push('multi-character');
  return tags;
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback;
}
