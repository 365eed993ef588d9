/**
 * Checks a parsed storyboard field by field (docs/storyboard.md) and builds the typed
 * `Storyboard`. Every problem is collected in one pass; positions are looked up only for the
 * problems found. Hand-written rather than a zod schema because each problem needs its own
 * words (what was expected, what was found, a did-you-mean) and one unknown key or one bad
 * shot must not hide the others.
 */

import path from 'node:path';
import { InvalidInputError } from '../errors.ts';
import { didYouMean } from '../util/did-you-mean.ts';
import { isReservedName } from '../util/reserved-names.ts';
import { soundSeconds } from '../util/sound-length.ts';
import type { PathKey, SourceDoc } from '../util/source-doc.ts';
import { describe, formatNumber, humanSeconds, oneOf, quote } from './describe.ts';
import { type CutEntry, cutEntries, cutSeconds, overlaps } from './edit.ts';
import { type FindingDetails, Findings } from './findings.ts';
import { type Checked, checkDate, checkFps, numberInText, parseResolution } from './formats.ts';
import { ImageResolver } from './images.ts';
import { deriveNeeds, orientationOf } from './needs.ts';
import {
  type Character,
  CONTINUITY_POLICIES,
  DEFAULT_NARRATOR,
  DEFAULT_QC_POLICY,
  DELIVER_CODECS,
  DELIVER_FITS,
  type Deliver,
  DIALOGUE_VOICES,
  type DialogueLine,
  type FirstFrameFrom,
  FRAMES_OF_SHOT,
  type ImageRef,
  type Location,
  type Look,
  type MusicCue,
  NARRATION_PAUSE_SECONDS,
  NARRATION_WORDS_PER_SECOND,
  type NamedImage,
  type Narration,
  type Optimize,
  type Policy,
  type Priority,
  QC_CHECK_CODES,
  type QcPolicy,
  type ReuseShot,
  type Scene,
  type Shot,
  type ShotAudio,
  type ShotEdit,
  type Size,
  SLOWMO_POLICIES,
  SOUNDTRACK_FITS,
  type Soundtrack,
  type Storyboard,
  type Style,
  TAGS,
  type Tag,
  TRANSITION_TYPES,
  type Transition,
  VOICE_GAP_SECONDS,
  type Voice,
} from './types.ts';

/**
 * A narration's length before it is synthesised: its words at a calm pace plus the pause, to the
 * tenth of a second above. An estimate, said so wherever it is shown.
 */
export function estimatedNarrationSeconds(text: string, gaps = 0): number {
  const words = text.split(/\s+/).filter((w) => w !== '').length;
  const seconds =
    words / NARRATION_WORDS_PER_SECOND + gaps * VOICE_GAP_SECONDS + NARRATION_PAUSE_SECONDS;
  return Math.min(LIMITS.maxShotSeconds, Math.ceil(seconds * 10) / 10);
}

export interface LoadOptions {
  /** the catalog's model ids: shot pins, `policy.allow` and `policy.deny` must name one */
  knownModels?: readonly string[];
  /** the catalog's judge model ids: `policy.qc.judge` must name one */
  knownJudges?: readonly string[];
  /** the catalog's text-to-speech model ids: `voices.<speaker>.model` must name one */
  knownVoiceModels?: readonly string[];
  /** the catalog's image model ids (`kind: image`): `images.NAME.model` must name one */
  knownImageModels?: readonly string[];
  /** accept image paths outside the storyboard's folder (absolute, `../`, symbolic links) */
  allowOutsidePaths?: boolean;
}

export const LIMITS = {
  maxShotSeconds: 600,
  maxSlowmo: 16,
  maxTakes: 20,
  maxBudgetUsd: 1_000_000,
  maxVramGb: 1024,
  maxIdLength: 128,
  /** characters of one shot's prompt; a model's card may allow fewer (`max_prompt_chars`) */
  maxPromptChars: 10_000,
} as const;

/** A shot's edit-only fields: they shape the cut and never the generate request. */
const EDIT_FIELDS = [
  'scene',
  'omit',
  'trim',
  'transition',
  'fade_out',
  'title',
  'caption',
] as const;
/** What a reuse shot may hold: it generates nothing, so nothing that asks a model for anything. */
const REUSE_SHOT_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'duration',
  'reuse',
  'scene',
  'transition',
  'fade_out',
  'title',
  'caption',
]);

const FIELDS = {
  storyboard: [
    'version',
    'title',
    'as_of',
    'deliver',
    'budget_usd',
    'policy',
    'style',
    'characters',
    'locations',
    'voices',
    'images',
    'shots',
    'music',
    'soundtrack',
  ],
  music: ['file', 'from', 'to', 'gain', 'duck'],
  soundtrack: ['file', 'fit'],
  image: ['file', 'generate', 'model', 'size'],
  image_ref: ['image'],
  style: ['prompt', 'negative'],
  deliver: ['resolution', 'fps', 'audio', 'codec', 'fit', 'loudness'],
  policy: [
    'optimize',
    'allow',
    'deny',
    'local_only',
    'max_vram_gb',
    'licenses',
    'allow_upscale',
    'allow_retired',
    'slowmo',
    'qc',
    'continuity',
    'dialogue_voice',
  ],
  character: ['description', 'references', 'real_person', 'looks', 'narrator'],
  look: ['description', 'references', 'real_person'],
  qc: ['retake', 'on', 'judge'],
  location: ['description', 'references'],
  shot: [
    'id',
    'prompt',
    'duration',
    'resolution',
    'fps',
    'audio',
    'characters',
    'style',
    'negative',
    'references',
    'first_frame',
    'first_frame_from',
    'location',
    'last_frame',
    'real_person',
    'camera',
    'slowmo',
    'sequence',
    'continuous',
    'model',
    'priority',
    'takes',
    'tags',
    'narration',
    ...EDIT_FIELDS,
    'reuse',
  ],
  reuse: ['shot', 'in'],
  trim: ['in', 'out'],
  transition: ['type', 'duration'],
  audio: ['dialogue', 'ambient', 'sfx', 'music', 'silent'],
  dialogue: ['speaker', 'line'],
  first_frame_from: ['shot', 'frame'],
  voice: ['model', 'voice', 'notes'],
  narration: ['text', 'speaker'],
} as const;

type Section = keyof typeof FIELDS;

/** How to name a section in "belongs to" hints. */
const SECTION_NAMES: Record<Section, string> = {
  storyboard: 'the top level',
  deliver: 'deliver',
  policy: 'policy',
  style: 'style',
  qc: 'policy.qc',
  character: 'a character',
  look: "a character's look",
  shot: 'a shot',
  reuse: "a shot's reuse",
  trim: "a shot's trim",
  transition: "a shot's transition",
  audio: "a shot's audio",
  dialogue: 'a dialogue line',
  location: 'a location',
  first_frame_from: 'first_frame_from',
  music: 'a music bed',
  soundtrack: 'soundtrack',
  voice: 'a voice',
  narration: "a shot's narration",
  image: 'an entry of images',
  image_ref: 'an image reference',
};

const SECTIONS = Object.keys(FIELDS) as Section[];
/** Small sections whose generic keys (`in`, `type`, `shot`) would make poor "belongs to" hints. */
// first_frame_from's `shot` would otherwise claim every misspelt `shots`
const QUIET_SECTIONS: ReadonlySet<Section> = new Set([
  'voice',
  'narration',
  'reuse',
  'trim',
  'transition',
  'first_frame_from',
  'music',
  'soundtrack',
  'image_ref',
  'image',
]);
const FIELD_SETS = {} as Record<Section, ReadonlySet<string>>;
for (const section of SECTIONS) FIELD_SETS[section] = new Set<string>(FIELDS[section]);

const TAG_SET: ReadonlySet<string> = new Set(TAGS);
const OPTIMIZE: readonly Optimize[] = ['quality', 'cost', 'speed', 'balanced'];
const PRIORITIES: readonly Priority[] = ['hero', 'normal', 'draft'];
const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

interface NumberRule {
  expected: string;
  min: number;
  /** true: the number must be greater than `min`; false: at least `min` */
  minExclusive: boolean;
  max: number;
  integer?: boolean;
  /** better words for a number above `max` */
  tooLarge?: (n: number) => FindingDetails & { message: string };
}

const DURATION: NumberRule = {
  expected: `a number of seconds, > 0 and ≤ ${LIMITS.maxShotSeconds}`,
  min: 0,
  minExclusive: true,
  max: LIMITS.maxShotSeconds,
  tooLarge: (n) => ({
    message:
      n >= 86_400
        ? `is absurd for one shot (${humanSeconds(n)}): a shot lasts at most ${LIMITS.maxShotSeconds} seconds (10 minutes)`
        : `is too long: a shot lasts at most ${LIMITS.maxShotSeconds} seconds (10 minutes)`,
    found: `${n} (${humanSeconds(n)})`,
    hint:
      n >= 1000 && n / 1000 <= LIMITS.maxShotSeconds
        ? `durations are in seconds: if you meant ${n} milliseconds, write ${n / 1000}`
        : 'split it into several shots',
  }),
};
const SLOWMO: NumberRule = {
  expected: `a slow-motion factor, ≥ 1 and ≤ ${LIMITS.maxSlowmo} (1 = normal speed)`,
  min: 1,
  minExclusive: false,
  max: LIMITS.maxSlowmo,
};
const TAKES: NumberRule = {
  expected: `a whole number of takes, 1 to ${LIMITS.maxTakes}`,
  min: 1,
  minExclusive: false,
  max: LIMITS.maxTakes,
  integer: true,
};
const BUDGET: NumberRule = {
  expected: `a number of US dollars, > 0 and ≤ ${LIMITS.maxBudgetUsd}`,
  min: 0,
  minExclusive: true,
  max: LIMITS.maxBudgetUsd,
};
const VRAM: NumberRule = {
  expected: `the GPU's memory in GB, > 0 and ≤ ${LIMITS.maxVramGb}`,
  min: 0,
  minExclusive: true,
  max: LIMITS.maxVramGb,
};

const RETAKES: NumberRule = {
  expected: `how many more takes a failing take may buy: a whole number from 0 to ${LIMITS.maxTakes}`,
  min: 0,
  minExclusive: false,
  max: LIMITS.maxTakes,
  integer: true,
};
const EDIT_SECONDS: NumberRule = {
  expected: `seconds, 0 or more and ≤ ${LIMITS.maxShotSeconds}`,
  min: 0,
  minExclusive: false,
  max: LIMITS.maxShotSeconds,
};
const TRANSITION_SECONDS: NumberRule = {
  expected: 'seconds, > 0 and ≤ 10',
  min: 0,
  minExclusive: true,
  max: 10,
};
/** A transition written without a duration lasts this long. */
export const DEFAULT_TRANSITION_SECONDS = 1;

const MUSIC_GAIN: NumberRule = {
  expected: 'a gain in dB, from -60 to 20 (negative is quieter; -12 sits a bed under speech)',
  min: -60,
  minExclusive: false,
  max: 20,
};

const LOUDNESS: NumberRule = {
  expected: 'an integrated loudness target in LUFS, from -70 to -5 (-23 broadcast, -14 social)',
  min: -70,
  minExclusive: false,
  max: -5,
  tooLarge: (n) => ({
    message: 'must be at most -5 LUFS',
    found: formatNumber(n),
    ...(n > 0 && n <= 70 ? { hint: `loudness targets are negative: write -${n}` } : {}),
  }),
};

type Path = readonly PathKey[];
/** Filled in once the checks pass (positions are looked up only then). */
const NO_POSITION = { line: 0, col: 0 };
type Fields = Record<string, unknown>;

/** Checks a parsed document; throws InvalidInputError('invalid_storyboard') with every problem. */
export function checkStoryboard(doc: SourceDoc, options: LoadOptions = {}): Storyboard {
  if (doc.syntaxProblems.length > 0) {
    const problems = [...doc.syntaxProblems].sort((a, b) => a.line - b.line || a.col - b.col);
    throw new InvalidInputError('invalid_storyboard', problems);
  }
  const checker = new Checker(doc.file, options);
  const storyboard = checker.storyboard(doc.value);
  if (storyboard === undefined || checker.findings.hasErrors) {
    throw new InvalidInputError('invalid_storyboard', checker.findings.errorProblems(doc));
  }
  storyboard.warnings = checker.findings.warningProblems(doc);
  for (const shot of storyboard.shots) shot.position = doc.positionOf(['shots', shot.index]);
  for (const reuse of storyboard.reuses ?? []) {
    reuse.position = doc.positionOf(['shots', reuse.index]);
  }
  storyboard.music?.forEach((cue, i) => {
    cue.position = doc.positionOf(soundFilePath(doc, ['music', i]));
  });
  if (storyboard.soundtrack !== undefined) {
    storyboard.soundtrack.position = doc.positionOf(soundFilePath(doc, ['soundtrack']));
  }
  return storyboard;
}

/** Where a bed's file is written: its `file` field, or the bed itself when written as a path. */
function soundFilePath(doc: SourceDoc, at: PathKey[]): PathKey[] {
  let value: unknown = doc.value;
  for (const key of at) value = (value as Record<PathKey, unknown>)[key];
  return typeof value === 'string' ? at : [...at, 'file'];
}

interface ShotContext {
  deliver: Deliver | undefined;
  characters: ReadonlyMap<string, Character>;
  locations: ReadonlyMap<string, Location>;
  ids: Map<string, number>;
  style: Style | undefined;
  /** reuse shots found so far (they are not `Shot`s: nothing is generated for them) */
  reuses: ReuseShot[];
  /** `policy.dialogue_voice: tts`: dialogue asks no sound of the model */
  dialogueByTts: boolean;
}

/** A speaker who is not a character: warned once, at the first line, with the count of the others. */
interface UndeclaredSpeaker {
  at: Path;
  lines: number;
  shots: Set<string | number>;
}

class Checker {
  readonly findings = new Findings();
  private readonly undeclaredSpeakers = new Map<string, UndeclaredSpeaker>();
  private readonly file: string;
  private readonly images: ImageResolver;
  private readonly knownModels: readonly string[] | undefined;
  private readonly knownJudges: readonly string[] | undefined;
  private readonly knownVoiceModels: readonly string[] | undefined;
  private readonly knownModelSet: ReadonlySet<string> | undefined;
  private readonly knownImageModels: readonly string[] | undefined;
  /** `images:` by name, read before anything that may name one */
  private readonly namedImages = new Map<string, NamedImage>();
  /** every name under `images:`, valid or not (a faulty entry is reported once, where it is) */
  private readonly declaredImages = new Set<string>();
  /** one shared reference per named image, however many fields name it */
  private readonly namedRefs = new Map<string, ImageRef>();

  constructor(file: string, options: LoadOptions) {
    this.file = file;
    this.knownImageModels = options.knownImageModels;
    this.images = new ImageResolver(path.dirname(file), options.allowOutsidePaths === true);
    this.knownModels = options.knownModels;
    this.knownJudges = options.knownJudges;
    this.knownVoiceModels = options.knownVoiceModels;
    this.knownModelSet = options.knownModels && new Set(options.knownModels);
  }

  storyboard(root: unknown): Storyboard | undefined {
    if (root === undefined || root === null) {
      this.findings.error([], 'the storyboard is empty', {
        expected: 'a mapping with version, title, deliver and shots',
      });
      return undefined;
    }
    const top = this.mapping(root, [], 'storyboard');
    if (top === undefined) return undefined;

    this.version(top.version);
    const title = this.text([], 'title', top.title, {
      required: true,
      expected: 'a title for the film',
    });
    const asOf =
      top.as_of === undefined ? undefined : this.checked([], 'as_of', checkDate(top.as_of));
    const deliver = this.deliver(top.deliver);
    const budgetUsd = this.number([], 'budget_usd', top.budget_usd, BUDGET, false);
    const policy = this.policy(top.policy);
    const style = this.style(top.style);
    this.namedImageList(top.images, deliver);
    const characters = this.characters(top.characters);
    const locations = this.locations(top.locations);
    const voices = this.voices(top.voices);
    const ids = new Map<string, number>();
    const context: ShotContext = {
      deliver,
      characters,
      locations,
      ids,
      style,
      reuses: [],
      dialogueByTts: policy.dialogueVoice === 'tts',
    };
    const shots = this.shots(top.shots, context);
    this.firstFrameLinks(shots, ids);
    const scenes = this.editLinks(shots, context);
    this.undeclaredSpeakerWarnings(characters);
    const music = this.music(top.music, shots, context.reuses, deliver);
    const soundtrack = this.soundtrack(top.soundtrack, deliver, shots, context.reuses);
    if (title === undefined || deliver === undefined) return undefined;

    const storyboard: Storyboard = {
      file: this.file,
      dir: path.dirname(this.file),
      version: 1,
      title,
      deliver,
      policy,
      characters: Object.fromEntries(characters),
      shots,
      warnings: [],
    };
    if (context.reuses.length > 0) storyboard.reuses = context.reuses;
    if (scenes.length > 0) storyboard.scenes = scenes;
    if (music.length > 0) storyboard.music = music;
    if (soundtrack !== undefined) storyboard.soundtrack = soundtrack;
    if (locations.size > 0) storyboard.locations = Object.fromEntries(locations);
    if (this.namedImages.size > 0) storyboard.images = Object.fromEntries(this.namedImages);
    if (asOf !== undefined) storyboard.asOf = asOf;
    if (style !== undefined) storyboard.style = style;
    if (voices !== undefined) storyboard.voices = voices;
    if (budgetUsd !== undefined) storyboard.budgetUsd = budgetUsd;
    return storyboard;
  }

  // ---- sections ----

  private version(value: unknown): void {
    if (value === 1) return;
    const details = { expected: '1', found: describe(value) };
    if (value === undefined) {
      this.findings.error(
        ['version'],
        'is missing: a storyboard starts with `version: 1`',
        details,
      );
    } else if (value === '1') {
      this.findings.error(['version'], 'must be the number 1', {
        ...details,
        hint: 'write version: 1, without quotes',
      });
    } else {
      this.findings.error(['version'], 'is not a storyboard version this program reads', details);
    }
  }

  private deliver(value: unknown): Deliver | undefined {
    const at: Path = ['deliver'];
    if (value === undefined || value === null) {
      this.findings.error(at, 'is missing: say what the final cut must be', {
        expected: 'deliver: { resolution: 1920x1080, fps: 24 } (audio is optional, default true)',
        found: describe(value),
      });
      return undefined;
    }
    const fields = this.mapping(value, at, 'deliver');
    if (fields === undefined) return undefined;
    const size = this.required(at, 'resolution', fields.resolution, parseResolution);
    const fps = this.required(at, 'fps', fields.fps, checkFps);
    const audio = this.bool(at, 'audio', fields.audio) ?? true;
    const codec = this.choice(at, 'codec', fields.codec, DELIVER_CODECS);
    const fit = this.choice(at, 'fit', fields.fit, DELIVER_FITS);
    const loudness = this.number(at, 'loudness', fields.loudness, LOUDNESS, false);
    if (size === undefined || fps === undefined) return undefined;
    return {
      size,
      fps,
      audio,
      ...(codec === undefined ? {} : { codec }),
      ...(fit === undefined ? {} : { fit }),
      ...(loudness === undefined ? {} : { loudness }),
    };
  }

  private policy(value: unknown): Policy {
    const policy: Policy = {
      optimize: 'balanced',
      deny: [],
      localOnly: false,
      allowUpscale: false,
      allowRetired: false,
    };
    if (value === undefined || value === null) return policy;
    const at: Path = ['policy'];
    const fields = this.mapping(value, at, 'policy');
    if (fields === undefined) return policy;
    policy.optimize = this.choice(at, 'optimize', fields.optimize, OPTIMIZE) ?? 'balanced';
    const allow = this.modelList(at, 'allow', fields.allow);
    if (allow !== undefined) {
      if (Array.isArray(fields.allow) && fields.allow.length === 0) {
        this.findings.error([...at, 'allow'], 'is empty, so no model would be allowed', {
          expected: 'the model ids that may be used, or no `allow` at all to allow every model',
          found: 'an empty list',
        });
      }
      policy.allow = allow;
    }
    policy.deny = this.modelList(at, 'deny', fields.deny) ?? [];
    policy.localOnly = this.bool(at, 'local_only', fields.local_only) ?? false;
    const vram = this.number(at, 'max_vram_gb', fields.max_vram_gb, VRAM, false);
    if (vram !== undefined) policy.maxVramGb = vram;
    const licenses = this.textList(
      at,
      'licenses',
      fields.licenses,
      'a license id, e.g. apache-2.0',
    );
    if (licenses !== undefined) {
      if (Array.isArray(fields.licenses) && fields.licenses.length === 0) {
        this.findings.error(
          [...at, 'licenses'],
          'is empty, so no open-weight model would be allowed',
          {
            expected: 'the licenses that may be used, or no `licenses` at all to allow any',
            found: 'an empty list',
          },
        );
      }
      policy.licenses = licenses;
    }
    policy.allowUpscale = this.bool(at, 'allow_upscale', fields.allow_upscale) ?? false;
    policy.allowRetired = this.bool(at, 'allow_retired', fields.allow_retired) ?? false;
    const slowmo = this.choice(at, 'slowmo', fields.slowmo, SLOWMO_POLICIES);
    if (slowmo !== undefined) policy.slowmo = slowmo;
    const qc = this.qcPolicy([...at, 'qc'], fields.qc);
    if (qc !== undefined) policy.qc = qc;
    const continuity = this.choice(at, 'continuity', fields.continuity, CONTINUITY_POLICIES);
    if (continuity !== undefined) policy.continuity = continuity;
    const dialogueVoice = this.choice(at, 'dialogue_voice', fields.dialogue_voice, DIALOGUE_VOICES);
    if (dialogueVoice !== undefined) policy.dialogueVoice = dialogueVoice;

    if (policy.allow !== undefined && policy.deny.length > 0) {
      const denied = new Set(policy.deny);
      policy.allow.forEach((model, i) => {
        if (denied.has(model)) {
          this.findings.warn(
            [...at, 'allow', i],
            `'${model}' is both allowed and denied; it will not be used`,
            {
              hint: 'remove it from one of the two lists',
            },
          );
        }
      });
    }
    return policy;
  }

  /** `policy.qc`: retakes, the codes that buy them, and the judge (off or a model id). */
  private qcPolicy(at: Path, value: unknown): QcPolicy | undefined {
    if (value === undefined || value === null) return undefined;
    const fields = this.mapping(value, at, 'qc');
    if (fields === undefined) return undefined;
    const qc: QcPolicy = { ...DEFAULT_QC_POLICY, on: [...DEFAULT_QC_POLICY.on] };
    qc.retake = this.number(at, 'retake', fields.retake, RETAKES, false) ?? qc.retake;
    const codes = this.list(
      at,
      'on',
      fields.on,
      `a list of check codes: ${QC_CHECK_CODES.join(', ')}`,
    );
    if (codes !== undefined) {
      qc.on = [];
      codes.forEach((code, i) => {
        const checked = this.choice([...at, 'on'], i, code, QC_CHECK_CODES);
        if (checked !== undefined && !qc.on.includes(checked)) qc.on.push(checked);
      });
    }
    if (fields.judge !== undefined) {
      qc.judge =
        fields.judge === 'off' || fields.judge === false
          ? 'off'
          : (this.judgeId(at, fields.judge) ?? 'off');
    }
    return qc;
  }

  private characters(value: unknown): Map<string, Character> {
    const characters = new Map<string, Character>();
    if (value === undefined || value === null) return characters;
    const at: Path = ['characters'];
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.findings.error(at, 'must be a mapping from each character name to its description', {
        expected: 'characters: { mara: { description: …, references: [refs/mara.png] } }',
        found: describe(value),
        ...(Array.isArray(value)
          ? { hint: 'write each name as a key, e.g. `mara:` on its own line' }
          : {}),
      });
      return characters;
    }
    for (const [name, entry] of Object.entries(value as Fields)) {
      const here: Path = [...at, name];
      if (name.trim() === '') {
        this.findings.error(here, 'a character needs a name', { atKey: true, found: quote(name) });
        continue;
      }
      if (isReservedName(name)) {
        this.findings.error(here, `'${name}' is a reserved name: call the character otherwise`, {
          atKey: true,
          found: quote(name),
        });
        continue;
      }
      const character: Character = { name, references: [] };
      characters.set(name, character);
      if (entry === null) continue; // `teo:` with nothing more is a character without details
      const fields = this.mapping(entry, here, 'character');
      if (fields === undefined) continue;
      const description = this.text(here, 'description', fields.description, {
        expected: 'words describing how the character looks',
      });
      if (description !== undefined) character.description = description;
      character.references = this.imageList(here, 'references', fields.references);
      if (this.bool(here, 'real_person', fields.real_person) === true) character.realPerson = true;
      if (this.bool(here, 'narrator', fields.narrator) === true) character.narrator = true;
      const looks = this.looks(here, fields.looks);
      if (looks !== undefined) character.looks = looks;
    }
    return characters;
  }

  /** `style: { prompt, negative }`, or `style: "…"` for the prompt alone. */
  private style(value: unknown): Style | undefined {
    if (value === undefined || value === null) return undefined;
    const expected = 'words for the look of the film';
    if (typeof value === 'string') {
      const prompt = this.text([], 'style', value, { expected });
      return prompt === undefined ? undefined : { prompt };
    }
    const at: Path = ['style'];
    const fields = this.mapping(value, at, 'style');
    if (fields === undefined) return undefined;
    const style: Style = {};
    const prompt = this.text(at, 'prompt', fields.prompt, { expected });
    if (prompt !== undefined) style.prompt = prompt;
    const negative = this.text(at, 'negative', fields.negative, {
      expected: 'what no shot should show, e.g. "text, watermark, extra fingers"',
    });
    if (negative !== undefined) style.negative = negative;
    return style;
  }

  /** A character's `looks`: each name to its own description and references. */
  private looks(at: Path, value: unknown): Record<string, Look> | undefined {
    if (value === undefined || value === null) return undefined;
    const here: Path = [...at, 'looks'];
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.findings.error(here, 'must be a mapping from each look name to its description', {
        expected: 'looks: { gym: { description: "grey hoodie, hair tied back" } }',
        found: describe(value),
      });
      return undefined;
    }
    const looks: Record<string, Look> = {};
    for (const [name, entry] of Object.entries(value as Fields)) {
      const lookAt: Path = [...here, name];
      if (!ID_PATTERN.test(name)) {
        this.findings.error(lookAt, "a look's name may only hold letters, digits, '-' and '_'", {
          atKey: true,
          expected: 'a short name such as gym or injured',
          found: quote(name),
        });
        continue;
      }
      const look: Look = { name, references: [] };
      looks[name] = look;
      if (entry === null) continue;
      if (typeof entry === 'string') {
        const description = this.text(here, name, entry, { expected: 'how the look differs' });
        if (description !== undefined) look.description = description;
        continue;
      }
      const fields = this.mapping(entry, lookAt, 'look');
      if (fields === undefined) continue;
      const description = this.text(lookAt, 'description', fields.description, {
        expected: 'how the character looks in this variant (wardrobe, age, injury)',
      });
      if (description !== undefined) look.description = description;
      look.references = this.imageList(lookAt, 'references', fields.references);
      if (this.bool(lookAt, 'real_person', fields.real_person) === true) look.realPerson = true;
    }
    return looks;
  }

  private shots(value: unknown, context: ShotContext): Shot[] {
    const at: Path = ['shots'];
    const expected = 'a list of shots, each with at least id, prompt and duration';
    if (value === undefined || value === null) {
      this.findings.error(
        at,
        value === null ? 'is empty: a storyboard needs at least one shot' : 'is missing',
        {
          expected,
          found: describe(value),
        },
      );
      return [];
    }
    if (!Array.isArray(value)) {
      this.findings.error(at, 'must be a list', {
        expected,
        found: describe(value),
        hint: "start each shot with '- ', e.g. '- id: s01'",
      });
      return [];
    }
    if (value.length === 0) {
      this.findings.error(at, 'is empty: a storyboard needs at least one shot', {
        expected,
        found: 'an empty list',
      });
      return [];
    }
    const shots: Shot[] = [];
    for (let index = 0; index < value.length; index++) {
      const shot = this.shot(value[index], index, context);
      if (shot !== undefined) shots.push(shot);
    }
    return shots;
  }

  private shot(value: unknown, index: number, context: ShotContext): Shot | undefined {
    const at: Path = ['shots', index];
    const errorsBefore = this.findings.errorCount;
    const fields = this.mapping(value, at, 'shot');
    if (fields === undefined) return undefined;
    if (fields.reuse !== undefined) {
      this.reuseShot(at, fields, index, context);
      return undefined;
    }

    const id = this.shotId(at, fields.id, index, context.ids);
    const prompt = this.text(at, 'prompt', fields.prompt, {
      required: true,
      expected: 'a description of what the shot shows',
    });
    if (prompt !== undefined && prompt.length > LIMITS.maxPromptChars) {
      this.findings.error([...at, 'prompt'], `is too long: ${prompt.length} characters`, {
        expected: `at most ${LIMITS.maxPromptChars} characters (video models read a few hundred words at most)`,
        found: `${prompt.slice(0, 40)}… (${prompt.length} characters)`,
        hint: 'describe the shot in a paragraph; put the rest in the script, not the prompt',
      });
    }
    const narration = this.narration(at, fields.narration);
    const audio = this.shotAudio(at, fields.audio, context);
    const auto = fields.duration === 'auto';
    // what TTS voices read over the shot: its narration, and its dialogue under dialogue_voice: tts
    const spoken = [
      ...(narration ? [narration.text] : []),
      ...(context.dialogueByTts && !audio.silent ? audio.dialogue.map((d) => d.line) : []),
    ];
    const duration = auto
      ? this.autoDuration(at, spoken, context.dialogueByTts)
      : this.number(at, 'duration', fields.duration, DURATION, true);
    const size =
      fields.resolution === undefined
        ? context.deliver?.size
        : this.checked(at, 'resolution', parseResolution(fields.resolution));
    const fps =
      fields.fps === undefined
        ? context.deliver?.fps
        : this.checked(at, 'fps', checkFps(fields.fps));
    const cast = this.shotCharacters(at, fields.characters, context.characters);
    const shotStyle = this.text(at, 'style', fields.style, {
      expected: "words for this shot's look (replaces the top-level style.prompt)",
    });
    const shotNegative = this.text(at, 'negative', fields.negative, {
      expected: 'what this shot should not show (replaces the top-level style.negative)',
    });
    const references = this.imageList(at, 'references', fields.references);
    const firstFrame = this.image(at, 'first_frame', fields.first_frame);
    const firstFrameFrom = this.firstFrameFrom(at, fields, firstFrame !== undefined);
    const location = this.shotLocation(at, fields.location, context.locations);
    const lastFrame = this.image(at, 'last_frame', fields.last_frame);
    const realPerson = this.bool(at, 'real_person', fields.real_person);
    const camera = this.text(at, 'camera', fields.camera, {
      expected: 'camera direction in words',
    });
    const slowmo = this.number(at, 'slowmo', fields.slowmo, SLOWMO, false) ?? 1;
    const sequence = this.text(at, 'sequence', fields.sequence, {
      expected: 'a name shared by adjacent shots that may be generated together',
    });
    const continuous = this.bool(at, 'continuous', fields.continuous) ?? false;
    const model = fields.model === undefined ? undefined : this.modelId(at, 'model', fields.model);
    const priority = this.choice(at, 'priority', fields.priority, PRIORITIES) ?? 'normal';
    const takes = this.number(at, 'takes', fields.takes, TAKES, false) ?? 1;
    const tags = this.tags(at, fields.tags);
    const edit = this.shotEdit(at, fields, duration);

    if (duration !== undefined && fps !== undefined && duration < 1 / fps - 1e-9) {
      this.findings.error(
        [...at, 'duration'],
        `is shorter than one frame at ${formatNumber(fps)} fps`,
        {
          expected: `at least one frame: ${formatNumber(Math.ceil((1 / fps) * 1000) / 1000)} s or more`,
          found: formatNumber(duration),
          hint: 'durations are in seconds',
        },
      );
    }
    const deliver = context.deliver;
    if (
      this.findings.errorCount > errorsBefore ||
      deliver === undefined ||
      id === undefined ||
      prompt === undefined ||
      duration === undefined ||
      size === undefined ||
      fps === undefined
    ) {
      return undefined;
    }
    const shot: Omit<Shot, 'needs' | 'position'> = {
      index,
      id,
      prompt,
      duration,
      size,
      fps,
      audio,
      characters: cast.names,
      references,
      slowmo,
      continuous,
      priority,
      takes,
      tags,
    };
    if (cast.looks !== undefined) shot.looks = cast.looks;
    if (narration !== undefined) {
      shot.narration = narration;
      if (context.deliver?.audio === false) {
        this.findings.warn(
          [...at, 'narration'],
          'the cut has no audio track (deliver.audio is false), so this narration will not be heard',
          { hint: 'set deliver.audio to true, or remove the narration' },
        );
      }
    }
    if (auto) shot.durationAuto = 'estimate';
    const style = shotStyle ?? context.style?.prompt;
    if (style !== undefined) shot.style = style;
    const negative = shotNegative ?? context.style?.negative;
    if (negative !== undefined) shot.negative = negative;
    if (firstFrame !== undefined) shot.firstFrame = firstFrame;
    if (firstFrameFrom !== undefined) shot.firstFrameFrom = firstFrameFrom;
    if (location !== undefined) shot.location = location;
    if (lastFrame !== undefined) shot.lastFrame = lastFrame;
    if (realPerson === true) shot.realPerson = true;
    this.frameShape(at, 'first_frame', firstFrame, size);
    this.frameShape(at, 'last_frame', lastFrame, size);
    if (camera !== undefined) shot.camera = camera;
    if (sequence !== undefined) shot.sequence = sequence;
    if (model !== undefined) shot.model = model;
    if (edit !== undefined) shot.edit = edit;
    const needs = deriveNeeds(shot, deliver, context.characters, context.locations, {
      dialogueByTts: context.dialogueByTts,
    });
    // the position is filled in by checkStoryboard once the whole file is known to be valid
    return { ...shot, needs, position: { line: 0, col: 0 } };
  }

  // ---- narration and voices (docs/storyboard.md, "Narration and voices") ----

  /** `narration: "words"` or `narration: { text, speaker }`. */
  private narration(at: Path, value: unknown): Narration | undefined {
    if (value === undefined) return undefined;
    const expected = 'the words to read, or { text: …, speaker: narrator }';
    if (typeof value === 'string' || value === null) {
      const text = this.text(at, 'narration', value, { expected });
      return text === undefined ? undefined : { text: text.trim(), speaker: DEFAULT_NARRATOR };
    }
    const here: Path = [...at, 'narration'];
    const fields = this.mapping(value, here, 'narration');
    if (fields === undefined) return undefined;
    const text = this.text(here, 'text', fields.text, {
      required: true,
      expected: 'the words the voice reads over the shot',
    });
    const speaker =
      fields.speaker === undefined
        ? DEFAULT_NARRATOR
        : this.text(here, 'speaker', fields.speaker, {
            expected: 'who reads it: a name under voices (or any name, for the default voice)',
          });
    if (text === undefined || speaker === undefined) return undefined;
    return { text: text.trim(), speaker };
  }

  /**
   * `duration: auto`: the narration's length plus a pause. Until the narration is synthesised
   * the length is an estimate from its words (lib/narration.ts measures the real one).
   */
  private autoDuration(
    at: Path,
    spoken: readonly string[],
    dialogueByTts: boolean,
  ): number | undefined {
    if (spoken.length === 0) {
      this.findings.error([...at, 'duration'], 'is auto but the shot has no narration', {
        expected: `a number of seconds, or auto with a narration${dialogueByTts ? ' or dialogue' : ''} to time the shot by`,
        found: 'auto',
        hint: 'add narration: "…" to the shot, or write its duration in seconds',
      });
      return undefined;
    }
    // the lines one after the other, a gap between each
    return estimatedNarrationSeconds(spoken.join(' '), spoken.length - 1);
  }

  /** `voices: { narrator: { model, voice, notes }, mara: {} }`. */
  private voices(value: unknown): Record<string, Voice> | undefined {
    if (value === undefined) return undefined;
    const at: Path = ['voices'];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.findings.error(at, 'must be a mapping of speakers to voices', {
        expected: 'voices: { narrator: { model: gpt-4o-mini-tts, voice: alloy } }',
        found: describe(value),
      });
      return undefined;
    }
    const voices: Record<string, Voice> = {};
    for (const [speaker, entry] of Object.entries(value as Fields)) {
      const here: Path = [...at, speaker];
      const voice: Voice = {};
      // `{}` or nothing: the plan chooses the default voice
      if (entry !== null && entry !== undefined) {
        const fields = this.mapping(entry, here, 'voice');
        if (fields === undefined) continue;
        if (fields.model !== undefined) {
          const model = this.voiceModelId(here, fields.model);
          if (model !== undefined) voice.model = model;
        }
        const name = this.text(here, 'voice', fields.voice, {
          expected: "the provider's voice name or id, e.g. alloy",
        });
        if (name !== undefined) voice.voice = name;
        const notes = this.text(here, 'notes', fields.notes, {
          expected: 'how the lines are delivered, e.g. warm, unhurried',
        });
        if (notes !== undefined) voice.notes = notes;
      }
      voices[speaker] = voice;
    }
    return voices;
  }

  private voiceModelId(at: Path, value: unknown): string | undefined {
    const expected =
      'a text-to-speech model id from the catalog (`shotrouter models` lists them under voices)';
    const model = this.text(at, 'model', value, { required: true, expected });
    const known = this.knownVoiceModels;
    if (model === undefined || known === undefined || known.includes(model)) return model;
    const near = didYouMean(model, known);
    this.findings.error([...at, 'model'], `unknown voice model '${model}'`, {
      expected: `${expected}: ${oneOf([...known])}`,
      found: quote(model),
      ...(near === undefined ? {} : { hint: `did you mean '${near}'?` }),
    });
    return undefined;
  }

  // ---- edit-only fields (docs/storyboard.md, "Editing the cut") ----

  /** The edit-only fields of a shot; undefined when it has none. */
  private shotEdit(at: Path, fields: Fields, duration: number | undefined): ShotEdit | undefined {
    const edit: ShotEdit = {};
    const scene = this.text(at, 'scene', fields.scene, {
      expected: 'a scene heading, e.g. INT. PIER - NIGHT',
    });
    if (scene !== undefined) edit.scene = scene;
    if (this.bool(at, 'omit', fields.omit) === true) edit.omit = true;
    const trim = this.trim(at, fields.trim, duration);
    if (trim !== undefined) edit.trim = trim;
    const transition = this.transition(at, fields.transition);
    if (transition !== undefined) edit.transition = transition;
    const fadeOut = this.number(at, 'fade_out', fields.fade_out, TRANSITION_SECONDS, false);
    if (fadeOut !== undefined) edit.fadeOut = fadeOut;
    const title = this.text(at, 'title', fields.title, { expected: 'the text of a title' });
    if (title !== undefined) edit.title = title;
    const caption = this.text(at, 'caption', fields.caption, { expected: 'a caption line' });
    if (caption !== undefined) edit.caption = caption;
    return Object.keys(edit).length > 0 ? edit : undefined;
  }

  private trim(at: Path, value: unknown, duration: number | undefined): ShotEdit['trim'] {
    if (value === undefined) return undefined;
    const here: Path = [...at, 'trim'];
    const fields = this.mapping(value, here, 'trim');
    if (fields === undefined) return undefined;
    const from = this.number(here, 'in', fields.in, EDIT_SECONDS, false) ?? 0;
    const to = this.number(here, 'out', fields.out, EDIT_SECONDS, false) ?? duration;
    if (to === undefined || duration === undefined) return undefined;
    if (to > duration + 1e-9) {
      this.findings.error(
        [...here, 'out'],
        `is past the end of the shot (${formatNumber(duration)} s)`,
        {
          expected: `seconds on the shot's own clip, at most its duration ${formatNumber(duration)}`,
          found: formatNumber(to),
          hint: 'lengthen the shot (which generates it again), or trim within it',
        },
      );
      return undefined;
    }
    if (to <= from) {
      this.findings.error(here, 'leaves nothing of the shot: `out` must be after `in`', {
        expected: 'in < out',
        found: `in ${formatNumber(from)}, out ${formatNumber(to)}`,
      });
      return undefined;
    }
    return { in: from, out: to };
  }

  /** `transition: dissolve` or `transition: { type: dissolve, duration: 0.5 }`. */
  private transition(at: Path, value: unknown): Transition | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string') {
      const type = this.choice(at, 'transition', value, TRANSITION_TYPES);
      if (type === undefined) return undefined;
      return { type, duration: type === 'cut' ? 0 : DEFAULT_TRANSITION_SECONDS };
    }
    const here: Path = [...at, 'transition'];
    const fields = this.mapping(value, here, 'transition');
    if (fields === undefined) return undefined;
    const type = this.choice(here, 'type', fields.type, TRANSITION_TYPES);
    if (fields.type === undefined) {
      this.findings.error([...here, 'type'], 'is missing', {
        expected: oneOf(TRANSITION_TYPES),
        found: 'nothing',
      });
    }
    const duration = this.number(here, 'duration', fields.duration, TRANSITION_SECONDS, false);
    if (type === undefined) return undefined;
    if (type === 'cut') {
      if (duration !== undefined) {
        this.findings.error([...here, 'duration'], 'a cut takes no time', {
          expected: 'no duration with type: cut',
          found: formatNumber(duration),
          hint: 'remove the duration, or use fade, dissolve or wipe',
        });
      }
      return { type, duration: 0 };
    }
    return { type, duration: duration ?? DEFAULT_TRANSITION_SECONDS };
  }

  /** A shot with `reuse:` is a piece of another shot's clip: it generates nothing. */
  private reuseShot(at: Path, fields: Fields, index: number, context: ShotContext): void {
    const errorsBefore = this.findings.errorCount;
    for (const key of Object.keys(fields)) {
      if (REUSE_SHOT_FIELDS.has(key) || !FIELD_SETS.shot.has(key)) continue;
      this.findings.error([...at, key], `a reuse shot generates nothing, so it has no '${key}'`, {
        atKey: true,
        expected: `only ${[...REUSE_SHOT_FIELDS].join(', ')}`,
        found: quote(key),
        hint: `remove '${key}', or remove reuse to generate this shot`,
      });
    }
    const id = this.shotId(at, fields.id, index, context.ids);
    const duration = this.number(at, 'duration', fields.duration, DURATION, true);
    const here: Path = [...at, 'reuse'];
    const reuse = this.mapping(fields.reuse, here, 'reuse');
    const shot =
      reuse && this.text(here, 'shot', reuse.shot, { required: true, expected: 'a shot id' });
    const from = (reuse && this.number(here, 'in', reuse.in, EDIT_SECONDS, false)) ?? 0;
    const edit = this.shotEdit(at, fields, duration) ?? {};
    if (this.findings.errorCount > errorsBefore) return;
    if (id === undefined || duration === undefined || shot === undefined) return;
    context.reuses.push({
      index,
      id,
      duration,
      reuse: { shot, in: from },
      edit,
      position: { line: 0, col: 0 },
    });
  }

  /**
   * What only the whole list can tell: each reuse names a generated shot and stays inside its
   * clip, each transition fits the shots it joins, and scene headings carry forward.
   */
  private editLinks(shots: Shot[], context: ShotContext): Scene[] {
    const byId = new Map(shots.map((s) => [s.id, s]));
    const reused = new Set(context.reuses.map((r) => r.id));
    for (const reuse of context.reuses) {
      const here: Path = ['shots', reuse.index, 'reuse'];
      const target = byId.get(reuse.reuse.shot);
      if (target === undefined) {
        if (context.ids.has(reuse.reuse.shot) && !reused.has(reuse.reuse.shot)) continue; // reported there
        const again = reused.has(reuse.reuse.shot);
        const near = didYouMean(reuse.reuse.shot, byId.keys());
        this.findings.error(
          [...here, 'shot'],
          again
            ? `'${reuse.reuse.shot}' is itself a reuse shot`
            : `unknown shot '${reuse.reuse.shot}'`,
          {
            expected: 'the id of a generated shot (one without reuse)',
            found: quote(reuse.reuse.shot),
            hint: again
              ? `reuse the shot '${reuse.reuse.shot}' reuses instead`
              : near !== undefined
                ? `did you mean '${near}'?`
                : 'name a shot of this storyboard',
          },
        );
        continue;
      }
      const end = reuse.reuse.in + reuse.duration;
      if (end > target.duration + 1e-9) {
        this.findings.error(
          [...here, 'in'],
          `reaches past the end of ${target.id}'s clip: ${formatNumber(reuse.reuse.in)} s + ${formatNumber(reuse.duration)} s is ${formatNumber(end)} s, and ${target.id} lasts ${formatNumber(target.duration)} s`,
          {
            expected: `in + duration ≤ ${formatNumber(target.duration)}`,
            found: formatNumber(reuse.reuse.in),
            hint:
              reuse.duration <= target.duration
                ? `start at ${formatNumber(target.duration - reuse.duration)} s or earlier, or shorten this shot`
                : `shorten this shot to at most ${formatNumber(target.duration)} s`,
          },
        );
      }
    }
    this.omittedEdits(shots);
    const entries = cutEntries({ shots, reuses: context.reuses });
    if (entries.length === 0 && shots.length > 0) {
      this.findings.error(['shots'], 'every shot is omitted, so the cut would be empty', {
        expected: 'at least one shot without omit: true',
        found: `${shots.length} omitted shot${shots.length === 1 ? '' : 's'}`,
        hint: 'remove omit: true from the shots the cut should show',
      });
    }
    this.transitionsFit(entries);
    return this.scenes(shots, context.reuses);
  }

  /** An omitted shot is not in the cut: what it says about the cut would be lost silently. */
  private omittedEdits(shots: Shot[]): void {
    const fields = [
      ['trim', 'trim'],
      ['transition', 'transition'],
      ['fadeOut', 'fade_out'],
      ['title', 'title'],
      ['caption', 'caption'],
    ] as const;
    for (const shot of shots) {
      if (shot.edit?.omit !== true) continue;
      for (const [field, key] of fields) {
        if (shot.edit[field] === undefined) continue;
        this.findings.warn(
          ['shots', shot.index, key],
          `the shot is omitted, so its ${key} does not show`,
          { hint: `remove omit: true to put the shot in the cut, or remove ${key}` },
        );
      }
    }
  }

  private transitionsFit(entries: CutEntry[]): void {
    entries.forEach((entry, k) => {
      const at: Path = ['shots', entry.index];
      const transition = entry.edit.transition;
      const previous = entries[k - 1];
      if (transition !== undefined && transition.type !== 'cut') {
        const d = transition.duration;
        const problem = (message: string, hint: string) =>
          this.findings.error([...at, 'transition'], message, {
            expected: `a transition that fits the shots it joins`,
            found: `${transition.type}, ${formatNumber(d)} s`,
            hint,
          });
        if (previous === undefined && overlaps(transition)) {
          problem(
            `the first shot of the cut has nothing to ${transition.type} from`,
            'use type: fade to fade in from black',
          );
        } else if (d > entry.seconds + 1e-9) {
          problem(
            `lasts longer than the shot (${formatNumber(entry.seconds)} s in the cut)`,
            'shorten the transition',
          );
        } else if (previous !== undefined && overlaps(transition)) {
          const taken = overlaps(previous.edit.transition) ? previous.edit.transition.duration : 0;
          if (d + taken > previous.seconds + 1e-9) {
            problem(
              `overlaps ${previous.id} (${formatNumber(previous.seconds)} s in the cut) by more than it lasts${taken > 0 ? `, with its own ${formatNumber(taken)} s ${previous.edit.transition!.type}` : ''}`,
              'shorten the transition',
            );
          }
        }
      }
      if (entry.edit.fadeOut !== undefined && k !== entries.length - 1) {
        this.findings.error([...at, 'fade_out'], 'only the last shot of the cut fades out', {
          expected: 'fade_out on the last shot',
          found: `fade_out on ${entry.id}, which ${entries.at(-1)!.id} follows`,
          hint: `to dip to black between shots, give the next shot transition: { type: fade }`,
        });
      }
    });
  }

  /** Scenes: a `scene:` heading opens one, and the shots after it belong to it until the next. */
  private scenes(shots: Shot[], reuses: ReuseShot[]): Scene[] {
    const all = [...shots, ...reuses].sort((a, b) => a.index - b.index);
    const scenes: Scene[] = [];
    let current: Scene | undefined;
    for (const shot of all) {
      const heading = shot.edit?.scene;
      if (heading !== undefined && heading !== current?.heading) {
        current = { heading, shots: [] };
        scenes.push(current);
      }
      if (current === undefined) continue;
      current.shots.push(shot.id);
      if (shot.edit === undefined) (shot as Shot).edit = { scene: current.heading };
      else shot.edit.scene = current.heading;
    }
    return scenes;
  }

  private shotId(
    at: Path,
    value: unknown,
    index: number,
    ids: Map<string, number>,
  ): string | undefined {
    const here: Path = [...at, 'id'];
    const expected = "a unique name of letters, digits, '-' and '_', e.g. s01";
    if (value === undefined) {
      this.findings.error(here, 'is missing: every shot needs an id', {
        expected,
        found: 'nothing',
      });
      return undefined;
    }
    if (typeof value !== 'string') {
      this.findings.error(here, 'must be text', {
        expected,
        found: describe(value),
        ...(typeof value === 'number'
          ? { hint: `write it in quotes: id: "${value}", or use a name like s${value}` }
          : {}),
      });
      return undefined;
    }
    if (!ID_PATTERN.test(value) || value.length > LIMITS.maxIdLength) {
      const cleaned = value
        .trim()
        .replace(/[^A-Za-z0-9_-]+/g, '-')
        .replace(/^-+|-+$/g, '');
      this.findings.error(
        here,
        value.length > LIMITS.maxIdLength
          ? `is too long (at most ${LIMITS.maxIdLength} characters)`
          : "may only hold letters, digits, '-' and '_'",
        {
          expected,
          found: quote(value),
          ...(cleaned !== '' && ID_PATTERN.test(cleaned) && cleaned.length <= LIMITS.maxIdLength
            ? { hint: `e.g. ${cleaned}` }
            : {}),
        },
      );
      return undefined;
    }
    if (isReservedName(value)) {
      this.findings.error(here, `'${value}' is a reserved name`, {
        expected,
        found: quote(value),
        hint: `e.g. shot-${value.replace(/[^A-Za-z0-9]+/g, '') || 'one'}`,
      });
      return undefined;
    }
    const first = ids.get(value);
    if (first !== undefined) {
      this.findings.error(
        here,
        (locate) => {
          const { line } = locate(['shots', first]);
          return `shot id '${value}' is already used by shots[${first}] (line ${line})`;
        },
        { expected: 'an id no other shot has', found: quote(value) },
      );
      return undefined;
    }
    ids.set(value, index);
    return value;
  }

  private shotAudio(at: Path, value: unknown, context: ShotContext): ShotAudio {
    const audio: ShotAudio = { dialogue: [], silent: false };
    if (value === undefined || value === null) return audio;
    const here: Path = [...at, 'audio'];
    const fields = this.mapping(value, here, 'audio');
    if (fields === undefined) return audio;
    audio.dialogue = this.dialogue(here, fields.dialogue, context.characters);
    const ambient = this.text(here, 'ambient', fields.ambient, {
      expected: 'the background sound in words',
    });
    if (ambient !== undefined) audio.ambient = ambient;
    const sfx = this.text(here, 'sfx', fields.sfx, { expected: 'the sound effects in words' });
    if (sfx !== undefined) audio.sfx = sfx;
    const music = this.text(here, 'music', fields.music, {
      expected: 'the music heard in the clip, in words',
    });
    if (music !== undefined) audio.music = music;
    audio.silent = this.bool(here, 'silent', fields.silent) ?? false;

    const sounds = [
      audio.dialogue.length > 0 ? 'dialogue' : undefined,
      audio.ambient !== undefined ? 'ambient' : undefined,
      audio.sfx !== undefined ? 'sfx' : undefined,
      audio.music !== undefined ? 'music' : undefined,
    ].filter((s) => s !== undefined);
    if (audio.silent && sounds.length > 0) {
      this.findings.warn(
        [...here, 'silent'],
        `the shot is silent, so its ${oneOf(sounds)} will not be heard`,
        {
          hint: `remove silent: true, or remove the ${oneOf(sounds)}`,
        },
      );
    } else if (context.deliver?.audio === false && audio.dialogue.length > 0) {
      this.findings.warn(
        [...here, 'dialogue'],
        'the cut has no audio track (deliver.audio is false), so this dialogue will not be heard',
        {
          hint: 'set deliver.audio to true, or remove the dialogue',
        },
      );
    }
    return audio;
  }

  private dialogue(
    at: Path,
    value: unknown,
    characters: ReadonlyMap<string, Character>,
  ): DialogueLine[] {
    const items = this.list(at, 'dialogue', value, 'a list of { speaker, line }');
    if (items === undefined) return [];
    const here: Path = [...at, 'dialogue'];
    const lines: DialogueLine[] = [];
    items.forEach((item, i) => {
      const itemPath: Path = [...here, i];
      const fields = this.mapping(item, itemPath, 'dialogue');
      if (fields === undefined) return;
      const speaker = this.text(itemPath, 'speaker', fields.speaker, {
        required: true,
        expected: 'the name of who speaks, e.g. a character name',
      });
      const line = this.text(itemPath, 'line', fields.line, {
        required: true,
        expected: 'the words spoken',
      });
      if (speaker === undefined || line === undefined) return;
      if (!characters.has(speaker)) {
        const seen = this.undeclaredSpeakers.get(speaker);
        if (seen === undefined) {
          this.undeclaredSpeakers.set(speaker, {
            at: [...itemPath, 'speaker'],
            lines: 1,
            shots: new Set([at[1]!]),
          });
        } else {
          seen.lines += 1;
          seen.shots.add(at[1]!);
        }
      }
      lines.push({ speaker, line });
    });
    return lines;
  }

  /**
   * One warning per speaker who is not a character, at the first line, saying how many more
   * there are: a voice-over written in every shot is one thing to fix, not one per line.
   */
  private undeclaredSpeakerWarnings(characters: ReadonlyMap<string, Character>): void {
    for (const [speaker, seen] of this.undeclaredSpeakers) {
      const near = didYouMean(speaker, characters.keys());
      const more = seen.lines - 1;
      const others = seen.shots.size - 1;
      const elsewhere =
        more === 0
          ? ''
          : ` (and ${more} more ${more === 1 ? 'line' : 'lines'}${others > 0 ? ` in ${others} other ${others === 1 ? 'shot' : 'shots'}` : ''})`;
      this.findings.warn(seen.at, `speaker '${speaker}' is not one of the characters${elsewhere}`, {
        expected:
          characters.size > 0
            ? `one of ${oneOf([...characters.keys()])}`
            : 'a name defined under characters',
        found: quote(speaker),
        hint:
          near !== undefined
            ? `did you mean '${near}'?`
            : `define them under characters for a consistent look and voice; for a voice-over, declare it under characters as \`${speaker}: { narrator: true }\``,
      });
    }
  }

  /** The shot's characters by name, and the look each is shown in (`name@look`). */
  // ---- continuity: locations, and shots starting from another shot's frame ----

  /** `locations:` is modelled on `characters:`: a name, words, and references that travel. */
  /** `music`: beds under the cut, each between two shots of the cut (docs/storyboard.md). */
  private music(
    value: unknown,
    shots: readonly Shot[],
    reuses: readonly ReuseShot[],
    deliver: Deliver | undefined,
  ): MusicCue[] {
    const items = this.list([], 'music', value, 'a list of beds, e.g. [{ file: music/bed.m4a }]');
    if (items === undefined) return [];
    this.soundless(['music'], deliver);
    // the shots in the cut, in playing order (an omitted shot plays nowhere)
    const order = cutEntries({ shots: [...shots], reuses: [...reuses] }).map((e) => e.id);
    const all = [...shots.map((s) => s.id), ...reuses.map((r) => r.id)];
    const cues: MusicCue[] = [];
    items.forEach((item, i) => {
      const at: Path = ['music', i];
      const fields = typeof item === 'string' ? { file: item } : this.mapping(item, at, 'music');
      if (fields === undefined) return;
      const file = this.soundFile(at, fields.file);
      const cueShot = (key: 'from' | 'to') => {
        const id = this.text(at, key, fields[key], { expected: 'the id of a shot in the cut' });
        if (id === undefined || order.includes(id)) return id;
        const near = didYouMean(id, order);
        this.findings.error(
          [...at, key],
          all.includes(id) ? `shot '${id}' is omitted from the cut` : `unknown shot '${id}'`,
          {
            expected: 'the id of a shot in the cut',
            found: quote(id),
            ...(near === undefined ? {} : { hint: `did you mean '${near}'?` }),
          },
        );
        return undefined;
      };
      const from = cueShot('from');
      const to = cueShot('to');
      if (from !== undefined && to !== undefined && order.indexOf(to) < order.indexOf(from)) {
        this.findings.error([...at, 'to'], `plays before '${from}', where the bed starts`, {
          expected: `'${from}' or a shot after it`,
          found: quote(to),
          hint: 'swap from and to',
        });
      }
      const gainDb = this.number(at, 'gain', fields.gain, MUSIC_GAIN, false) ?? 0;
      const duck = this.bool(at, 'duck', fields.duck) ?? true;
      if (file === undefined) return;
      cues.push({
        ...file,
        ...(from === undefined ? {} : { from }),
        ...(to === undefined ? {} : { to }),
        gainDb,
        duck,
        position: NO_POSITION,
      });
    });
    return cues;
  }

  /**
   * `soundtrack`: the track the cut is timed to, with its length when its headers tell it; with
   * `fit: stretch_last` the last shot of the cut takes the length that ends the cut with it.
   */
  private soundtrack(
    value: unknown,
    deliver: Deliver | undefined,
    shots: Shot[],
    reuses: readonly ReuseShot[],
  ): Soundtrack | undefined {
    if (value === undefined || value === null) return undefined;
    const at: Path = ['soundtrack'];
    const fields =
      typeof value === 'string' ? { file: value } : this.mapping(value, at, 'soundtrack');
    if (fields === undefined) return undefined;
    this.soundless(at, deliver);
    const file = this.soundFile(at, fields.file);
    const fit = this.choice(at, 'fit', fields.fit, SOUNDTRACK_FITS) ?? 'none';
    if (file === undefined) return undefined;
    const track: Soundtrack = { ...file, fit, position: NO_POSITION };
    const seconds = soundSeconds(file.path);
    if (seconds !== undefined) track.seconds = seconds;
    if (fit === 'stretch_last') this.stretchLast([...at, 'fit'], track, shots, reuses);
    return track;
  }

  /** Lengthens or shortens the cut's last shot so that the cut ends with the track. */
  private stretchLast(
    at: Path,
    track: Soundtrack,
    shots: Shot[],
    reuses: readonly ReuseShot[],
  ): void {
    if (track.seconds === undefined) {
      this.findings.error(at, 'needs the length of the track, which its file does not tell', {
        expected: 'an .m4a, .mp4, .mov, .wav, .flac or .mp3 file',
        found: quote(track.spec),
        hint: 'convert the track to .m4a or .wav, or use fit: trim_track or none',
      });
      return;
    }
    const entries = cutEntries({ shots, reuses: [...reuses] });
    const lastEntry = entries.at(-1);
    const last = shots.find((s) => s.id === lastEntry?.id);
    if (lastEntry === undefined || last === undefined) {
      this.findings.error(at, 'needs the last shot of the cut to be a generated shot', {
        expected: 'a last shot without reuse and not omitted',
        found: lastEntry === undefined ? 'no shot in the cut' : `'${lastEntry.id}', a reuse shot`,
        hint: 'use fit: trim_track or none',
      });
      return;
    }
    const delta = track.seconds - cutSeconds(entries);
    const duration = Math.round((last.duration + delta) * 1000) / 1000;
    const trim = last.edit?.trim;
    const shows = trim ? trim.out + delta - trim.in : duration;
    if (!(shows > 0 && duration > 0 && duration <= LIMITS.maxShotSeconds)) {
      this.findings.error(
        at,
        `cannot fit the cut to the ${formatNumber(track.seconds)} s track by its last shot`,
        {
          expected: `a last shot (${last.id}) that keeps more than 0 s and at most ${LIMITS.maxShotSeconds} s`,
          found: `${formatNumber(last.duration)} s, which would become ${formatNumber(duration)} s`,
          hint: "change the shots' durations, or use fit: trim_track or none",
        },
      );
      return;
    }
    if (Math.abs(delta) < 1e-6) return;
    track.stretchedFrom = last.duration;
    last.duration = duration;
    last.needs.seconds = duration / last.slowmo;
    if (trim !== undefined) trim.out = Math.round((trim.out + delta) * 1000) / 1000;
  }

  /** Music needs a cut with sound. */
  private soundless(at: Path, deliver: Deliver | undefined): void {
    if (deliver?.audio !== false) return;
    this.findings.error(at, 'needs a cut with sound, and deliver.audio is false', {
      expected: 'deliver.audio: true (the default)',
      found: 'deliver.audio: false',
      hint: 'remove audio: false from deliver, or remove the music',
    });
  }

  private soundFile(at: Path, value: unknown): { spec: string; path: string } | undefined {
    if (value === undefined) {
      this.findings.error([...at, 'file'], 'is missing', {
        expected: "the path of a sound file relative to the storyboard's folder",
        found: 'nothing',
      });
      return undefined;
    }
    const found = this.images.checkSoundFile(value);
    const checked = this.checked(at, 'file', found.ok ? { ok: true, value: found.path } : found);
    return checked === undefined ? undefined : { spec: value as string, path: checked };
  }

  private locations(value: unknown): Map<string, Location> {
    const locations = new Map<string, Location>();
    if (value === undefined || value === null) return locations;
    const at: Path = ['locations'];
    if (typeof value !== 'object' || Array.isArray(value)) {
      this.findings.error(at, 'must be a mapping from each location name to its description', {
        expected: 'locations: { harbour: { description: …, references: [refs/harbour.png] } }',
        found: describe(value),
      });
      return locations;
    }
    for (const [name, entry] of Object.entries(value as Fields)) {
      const here: Path = [...at, name];
      if (name.trim() === '') {
        this.findings.error(here, 'a location needs a name', { atKey: true, found: quote(name) });
        continue;
      }
      const location: Location = { name, references: [] };
      locations.set(name, location);
      if (entry === null) continue;
      const fields = this.mapping(entry, here, 'location');
      if (fields === undefined) continue;
      const description = this.text(here, 'description', fields.description, {
        expected: 'words describing the place',
      });
      if (description !== undefined) location.description = description;
      location.references = this.imageList(here, 'references', fields.references);
    }
    return locations;
  }

  private shotLocation(
    at: Path,
    value: unknown,
    locations: ReadonlyMap<string, Location>,
  ): string | undefined {
    const name = this.text(at, 'location', value, { expected: 'a name defined under locations' });
    if (name === undefined || locations.has(name)) return name;
    const near = didYouMean(name, locations.keys());
    this.findings.error([...at, 'location'], `unknown location '${name}'`, {
      expected:
        locations.size > 0
          ? `a name defined under locations: ${oneOf([...locations.keys()])}`
          : 'a name defined under locations (none are defined)',
      found: quote(name),
      hint: near !== undefined ? `did you mean '${near}'?` : `define '${name}' under locations`,
    });
    return undefined;
  }

  /** The field's own shape; which shot it names is checked once every id is known. */
  private firstFrameFrom(
    at: Path,
    fields: Fields,
    hasFirstFrame: boolean,
  ): FirstFrameFrom | undefined {
    const value = fields.first_frame_from;
    if (value === undefined) return undefined;
    const here: Path = [...at, 'first_frame_from'];
    const link = this.mapping(value, here, 'first_frame_from');
    if (link === undefined) return undefined;
    const shot = this.text(here, 'shot', link.shot, {
      required: true,
      expected: 'the id of the shot whose picked take this shot starts from, e.g. s03',
    });
    const frame = this.choice(here, 'frame', link.frame ?? 'last', FRAMES_OF_SHOT);
    if (hasFirstFrame) {
      this.findings.error(here, 'cannot be used together with first_frame', {
        expected: 'either first_frame (an image) or first_frame_from (a frame of another shot)',
        found: 'both',
        hint: 'remove one of the two',
      });
      return undefined;
    }
    return shot === undefined || frame === undefined ? undefined : { shot, frame };
  }

  /**
   * Every `first_frame_from` names another shot, and following them never comes back to where
   * it started (each shot waits for the one it names, so a cycle would wait forever).
   */
  private firstFrameLinks(shots: readonly Shot[], ids: ReadonlyMap<string, number>): void {
    const byId = new Map(shots.map((shot) => [shot.id, shot]));
    const where = (shot: Shot): Path => ['shots', shot.index, 'first_frame_from', 'shot'];
    const linked: Shot[] = [];
    for (const shot of shots) {
      const target = shot.firstFrameFrom?.shot;
      if (target === undefined) continue;
      if (target === shot.id) {
        this.findings.error(where(shot), 'a shot cannot start from its own frame', {
          expected: 'the id of another shot',
          found: quote(target),
        });
      } else if (!ids.has(target)) {
        const near = didYouMean(target, ids.keys());
        this.findings.error(where(shot), `unknown shot '${target}'`, {
          expected: 'the id of another shot of this storyboard',
          found: quote(target),
          ...(near === undefined ? {} : { hint: `did you mean '${near}'?` }),
        });
      } else {
        linked.push(shot);
        const source = byId.get(target);
        if (source) this.sourceShape(shot, source);
      }
    }
    // each shot names at most one other: walk each chain once, colouring shots as they finish
    const done = new Set<string>();
    for (const start of linked) {
      const path: Shot[] = [];
      let at: Shot | undefined = start;
      while (at?.firstFrameFrom && !done.has(at.id) && !path.includes(at)) {
        path.push(at);
        at = byId.get(at.firstFrameFrom.shot);
      }
      if (at !== undefined && path.includes(at)) {
        const cycle = path.slice(path.indexOf(at));
        const first = cycle.reduce((a, b) => (b.index < a.index ? b : a));
        const k = cycle.indexOf(first);
        const round = [...cycle.slice(k), ...cycle.slice(0, k), first];
        this.findings.error(
          where(first),
          `first_frame_from goes round in a circle: ${round.map((s) => s.id).join(' → ')}`,
          {
            expected: 'a chain that ends at a shot made from its prompt alone',
            found: quote(first.firstFrameFrom!.shot),
            hint: 'remove first_frame_from from one of these shots',
          },
        );
      }
      for (const shot of path) done.add(shot.id);
    }
  }

  /** As for a first_frame image: a clip starts in the shape of the frame it is given. */
  private sourceShape(shot: Shot, source: Shot): void {
    const image = orientationOf(source.size);
    const wanted = orientationOf(shot.size);
    if (image === wanted || image === 'square' || wanted === 'square') return;
    this.findings.warn(
      ['shots', shot.index, 'first_frame_from', 'shot'],
      `${source.id} is ${source.size.width}x${source.size.height} (${image}) but this shot is ${shot.size.width}x${shot.size.height} (${wanted}): image-to-video models make the clip in the frame's shape`,
      { hint: `start from a ${wanted} shot, or change this shot's resolution` },
    );
  }

  private shotCharacters(
    at: Path,
    value: unknown,
    characters: ReadonlyMap<string, Character>,
  ): { names: string[]; looks?: Record<string, string> } {
    const items = this.list(at, 'characters', value, 'a list of names defined under characters');
    if (items === undefined) return { names: [] };
    const here: Path = [...at, 'characters'];
    const names: string[] = [];
    let looks: Record<string, string> | undefined;
    items.forEach((item, i) => {
      const written = this.text(here, i, item, { required: true, expected: 'a character name' });
      if (written === undefined) return;
      const sign = written.indexOf('@');
      const name = sign < 0 ? written : written.slice(0, sign);
      const lookName = sign < 0 ? undefined : written.slice(sign + 1);
      if (!characters.has(name)) {
        const near = didYouMean(name, characters.keys());
        this.findings.error([...here, i], `unknown character '${name}'`, {
          expected:
            characters.size > 0
              ? `a name defined under characters: ${oneOf([...characters.keys()])}`
              : 'a name defined under characters (none are defined)',
          found: quote(name),
          hint:
            near !== undefined ? `did you mean '${near}'?` : `define '${name}' under characters`,
        });
        return;
      }
      const character = characters.get(name)!;
      if (character.narrator === true) {
        this.findings.error([...here, i], `'${name}' is a narrator, never shown on screen`, {
          expected: 'the characters the shot shows',
          found: quote(written),
          hint: `remove '${name}' from characters; narration goes under audio.dialogue with speaker: ${name}`,
        });
        return;
      }
      if (lookName !== undefined) {
        const known = Object.keys(character.looks ?? {});
        if (!known.includes(lookName)) {
          const near = didYouMean(lookName, known);
          this.findings.error([...here, i], `'${name}' has no look '${lookName}'`, {
            expected:
              known.length > 0
                ? `${name}@ followed by one of ${oneOf(known)}`
                : `a look defined under characters.${name}.looks (none are defined)`,
            found: quote(written),
            hint:
              near !== undefined
                ? `did you mean '${name}@${near}'?`
                : `define it: characters.${name}.looks.${lookName || 'gym'}: { description: … }`,
          });
          return;
        }
        looks ??= {};
        looks[name] = lookName;
      }
      if (!names.includes(name)) names.push(name);
    });
    return looks === undefined ? { names } : { names, looks };
  }

  private tags(at: Path, value: unknown): Tag[] {
    const items = this.list(at, 'tags', value, 'a list of tags from the vocabulary');
    if (items === undefined) return [];
    const here: Path = [...at, 'tags'];
    const tags: Tag[] = [];
    items.forEach((item, i) => {
      const tag = this.text(here, i, item, {
        required: true,
        expected: 'a tag from the vocabulary',
      });
      if (tag === undefined) return;
      if (!TAG_SET.has(tag)) {
        const near = didYouMean(tag, TAGS);
        this.findings.error([...here, i], `unknown tag '${tag}'`, {
          expected: `one of ${TAGS.join(', ')}`,
          found: quote(tag),
          ...(near === undefined ? {} : { hint: `did you mean '${near}'?` }),
        });
        return;
      }
      if (!tags.includes(tag as Tag)) tags.push(tag as Tag);
    });
    return tags;
  }

  // ---- values ----

  /** A mapping whose keys must all be fields of `section`; unknown keys are reported. */
  private mapping(value: unknown, at: Path, section: Section): Fields | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.findings.error(at, 'must be a mapping of fields', {
        expected: `a mapping with ${oneOf(FIELDS[section])}`,
        found: describe(value),
      });
      return undefined;
    }
    const fields = value as Fields;
    const known = FIELD_SETS[section];
    for (const key in fields) {
      if (!known.has(key)) this.unknownField(at, key, section);
    }
    return fields;
  }

  private unknownField(at: Path, key: string, section: Section): void {
    const elsewhere = SECTIONS.filter(
      (other) => other !== section && !QUIET_SECTIONS.has(other) && FIELD_SETS[other].has(key),
    );
    const near = didYouMean(key, FIELDS[section]);
    let hint: string | undefined;
    if (elsewhere.length > 0) {
      hint = `'${key}' is a field of ${oneOf(elsewhere.map((s) => SECTION_NAMES[s]))}, not of ${SECTION_NAMES[section]}`;
    } else if (section === 'shot' && TAG_SET.has(key)) {
      hint = `'${key}' is a tag: list it under tags, e.g. tags: [${key}]`;
    } else if (near !== undefined) {
      hint = `did you mean '${near}'?`;
    }
    this.findings.error([...at, key], `unknown field '${key}'`, {
      atKey: true,
      expected: `one of the fields of ${SECTION_NAMES[section]}: ${FIELDS[section].join(', ')}`,
      found: quote(key),
      ...(hint === undefined ? {} : { hint }),
    });
  }

  private text(
    at: Path,
    key: PathKey,
    value: unknown,
    options: { required?: boolean; expected: string },
  ): string | undefined {
    if (value === undefined) {
      if (options.required) {
        this.findings.error([...at, key], 'is missing', {
          expected: options.expected,
          found: 'nothing',
        });
      }
      return undefined;
    }
    if (typeof value !== 'string') {
      const written = typeof value === 'number' || typeof value === 'boolean';
      this.findings.error([...at, key], value === null ? 'has no value' : 'must be text', {
        expected: options.expected,
        found: describe(value),
        ...(written
          ? { hint: `to use ${String(value)} as text, put it in quotes: "${String(value)}"` }
          : {}),
      });
      return undefined;
    }
    if (value.trim() === '') {
      this.findings.error([...at, key], 'is empty', {
        expected: options.expected,
        found: quote(value),
      });
      return undefined;
    }
    return value;
  }

  private number(
    at: Path,
    key: string,
    value: unknown,
    rule: NumberRule,
    required: boolean,
  ): number | undefined {
    if (value === undefined) {
      if (required)
        this.findings.error([...at, key], 'is missing', {
          expected: rule.expected,
          found: 'nothing',
        });
      return undefined;
    }
    const fail = (message: string, details: FindingDetails = {}) => {
      this.findings.error([...at, key], message, {
        expected: rule.expected,
        found: describe(value),
        ...details,
      });
      return undefined;
    };
    if (typeof value === 'string') {
      const n = numberInText(value);
      return fail(
        'must be a number',
        n === undefined ? {} : { hint: `write ${n}, without quotes or units` },
      );
    }
    if (typeof value !== 'number')
      return fail(value === null ? 'has no value' : 'must be a number');
    const found = formatNumber(value);
    if (Number.isNaN(value)) return fail('must be a number, not .nan', { found });
    if (!Number.isFinite(value)) return fail('must be a finite number', { found });
    if (value > rule.max) {
      if (rule.tooLarge !== undefined) {
        const { message, ...details } = rule.tooLarge(value);
        return fail(message, { found, ...details });
      }
      return fail(`must be at most ${rule.max}`, { found });
    }
    if (rule.minExclusive ? value <= rule.min : value < rule.min) {
      return fail(
        rule.minExclusive ? `must be greater than ${rule.min}` : `must be at least ${rule.min}`,
        { found },
      );
    }
    if (rule.integer && !Number.isInteger(value)) return fail('must be a whole number', { found });
    return value;
  }

  private bool(at: Path, key: string, value: unknown): boolean | undefined {
    if (value === undefined || typeof value === 'boolean') return value;
    const asText = typeof value === 'string' ? value.trim().toLowerCase() : '';
    const meant = ['true', 'yes', 'on', 'y'].includes(asText)
      ? 'true'
      : ['false', 'no', 'off', 'n'].includes(asText)
        ? 'false'
        : undefined;
    this.findings.error([...at, key], value === null ? 'has no value' : 'must be true or false', {
      expected: 'true or false',
      found: describe(value),
      ...(meant === undefined ? {} : { hint: `write ${meant}, without quotes` }),
    });
    return undefined;
  }

  private choice<T extends string>(
    at: Path,
    key: PathKey,
    value: unknown,
    choices: readonly T[],
  ): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value === 'string' && (choices as readonly string[]).includes(value))
      return value as T;
    const near = typeof value === 'string' ? didYouMean(value, choices) : undefined;
    this.findings.error(
      [...at, key],
      value === null ? 'has no value' : `must be ${oneOf(choices)}`,
      {
        expected: oneOf(choices),
        found: describe(value),
        ...(near === undefined ? {} : { hint: `did you mean '${near}'?` }),
      },
    );
    return undefined;
  }

  /** A list (absent or empty value: undefined); a single value where a list belongs is reported. */
  private list(at: Path, key: string, value: unknown, expected: string): unknown[] | undefined {
    if (value === undefined || value === null) return undefined;
    if (Array.isArray(value)) return value;
    const scalar = typeof value === 'string' || typeof value === 'number';
    this.findings.error([...at, key], 'must be a list', {
      expected,
      found: describe(value),
      ...(scalar ? { hint: `write ${key}: [${String(value)}]` } : {}),
    });
    return undefined;
  }

  private textList(at: Path, key: string, value: unknown, expected: string): string[] | undefined {
    const items = this.list(at, key, value, `a list of ${expected}`);
    if (items === undefined) return undefined;
    const here: Path = [...at, key];
    const texts: string[] = [];
    items.forEach((item, i) => {
      const text = this.text(here, i, item, { required: true, expected });
      if (text !== undefined) texts.push(text);
    });
    return texts;
  }

  private modelList(at: Path, key: string, value: unknown): string[] | undefined {
    const items = this.list(at, key, value, 'a list of model ids, e.g. [veo-3.1, kling-3.0]');
    if (items === undefined) return undefined;
    const here: Path = [...at, key];
    const models: string[] = [];
    items.forEach((item, i) => {
      const model = this.modelId(here, i, item);
      if (model !== undefined && !models.includes(model)) models.push(model);
    });
    return models;
  }

  /** A judge model id (`policy.qc.judge`): the catalog's judges, not its video models. */
  private judgeId(at: Path, value: unknown): string | undefined {
    const expected =
      'off, or a judge model id from the catalog (`shotrouter models` lists them under judges)';
    const model = this.text(at, 'judge', value, { required: true, expected });
    const known = this.knownJudges;
    if (model === undefined || known === undefined || known.includes(model)) return model;
    const near = didYouMean(model, known);
    this.findings.error([...at, 'judge'], `unknown judge model '${model}'`, {
      expected,
      found: quote(model),
      ...(near === undefined ? {} : { hint: `did you mean '${near}'?` }),
    });
    return undefined;
  }

  private modelId(at: Path, key: PathKey, value: unknown): string | undefined {
    const expected = 'a model id from the catalog (`shotrouter models` lists them), e.g. veo-3.1';
    const model = this.text(at, key, value, { required: true, expected });
    if (model === undefined || this.knownModelSet === undefined || this.knownModelSet.has(model))
      return model;
    const near = didYouMean(model, this.knownModels!);
    this.findings.error([...at, key], `unknown model '${model}'`, {
      expected,
      found: quote(model),
      ...(near === undefined ? {} : { hint: `did you mean '${near}'?` }),
    });
    return undefined;
  }

  /**
   * Image-to-video models make the clip in the frame image's shape, so a landscape first frame
   * on a portrait shot is paid for and then fails the size check: say so before anything runs.
   */
  private frameShape(at: Path, key: string, ref: ImageRef | undefined, shot: Size): void {
    if (!ref?.size) return;
    const image = orientationOf(ref.size);
    const wanted = orientationOf(shot);
    if (image === wanted || image === 'square' || wanted === 'square') return;
    this.findings.warn(
      [...at, key],
      `${ref.spec} is ${ref.size.width}x${ref.size.height} (${image}) but the shot is ${shot.width}x${shot.height} (${wanted}): image-to-video models make the clip in the image's shape`,
      { hint: `use a ${wanted} image, or change the shot's resolution` },
    );
  }

  private image(at: Path, key: string, value: unknown): ImageRef | undefined {
    if (value === undefined) return undefined;
    if (isPlainMapping(value)) return this.namedImageRef([...at, key], value);
    return this.checked(at, key, this.imageCheck(value));
  }

  private imageList(at: Path, key: string, value: unknown): ImageRef[] {
    const items = this.list(
      at,
      key,
      value,
      'a list of image paths, http(s) URLs or { image: NAME } of images:',
    );
    if (items === undefined) return [];
    const here: Path = [...at, key];
    const refs: ImageRef[] = [];
    items.forEach((item, i) => {
      const ref = isPlainMapping(item)
        ? this.namedImageRef([...here, i], item)
        : this.checked(here, i, this.imageCheck(item));
      if (ref !== undefined) refs.push(ref);
    });
    return refs;
  }

  // ---- images: named images, given or generated, used as { image: NAME } ----

  /** The top-level `images:`: each name to `{ file }` or `{ generate, model?, size? }`. */
  private namedImageList(value: unknown, deliver: Deliver | undefined): void {
    if (value === undefined || value === null) return;
    const at: Path = ['images'];
    if (!isPlainMapping(value)) {
      this.findings.error(at, 'must be a mapping from each image name to its file or prompt', {
        expected:
          'images: { harbour_dawn: { generate: "a harbour at dawn" }, logo: { file: refs/logo.png } }',
        found: describe(value),
      });
      return;
    }
    for (const [name, entry] of Object.entries(value)) {
      const here: Path = [...at, name];
      if (!ID_PATTERN.test(name)) {
        this.findings.error(here, "an image's name may only hold letters, digits, '-' and '_'", {
          atKey: true,
          expected: 'a short name such as harbour_dawn',
          found: quote(name),
        });
        continue;
      }
      this.declaredImages.add(name);
      const fields = this.mapping(entry, here, 'image');
      if (fields === undefined) continue;
      const image = this.namedImage(here, name, fields, deliver);
      if (image !== undefined) this.namedImages.set(name, image);
    }
  }

  private namedImage(
    at: Path,
    name: string,
    fields: Fields,
    deliver: Deliver | undefined,
  ): NamedImage | undefined {
    const given = fields.file !== undefined;
    const made = fields.generate !== undefined;
    if (given === made) {
      this.findings.error(
        at,
        given ? 'has both file and generate' : 'says neither where the image is nor what to make',
        {
          expected: '{ file: PATH } for an image you have, or { generate: PROMPT } for one to make',
          found: given ? 'file and generate' : describe(fields),
          hint: given ? 'keep one of them' : `e.g. images.${name}: { generate: "…" }`,
        },
      );
      return undefined;
    }
    if (given) {
      for (const key of ['model', 'size'] as const) {
        if (fields[key] !== undefined) {
          this.findings.error([...at, key], `is for a generated image, not a file`, {
            expected: 'file alone',
            found: describe(fields[key]),
            hint: `remove ${key}, or make the image with generate: instead of file:`,
          });
        }
      }
      const file = this.checked(at, 'file', this.imageCheck(fields.file));
      return file === undefined ? undefined : { name, file };
    }
    const prompt = this.text(at, 'generate', fields.generate, {
      expected: 'the words that describe the image to make',
    });
    const model = fields.model === undefined ? undefined : this.imageModelId(at, fields.model);
    const size =
      fields.size === undefined
        ? deliver?.size
        : this.checked(at, 'size', parseResolution(fields.size));
    if (prompt === undefined || size === undefined) return undefined;
    if (fields.model !== undefined && model === undefined) return undefined;
    return {
      name,
      generate: { prompt, size: { ...size }, ...(model === undefined ? {} : { model }) },
    };
  }

  private imageModelId(at: Path, value: unknown): string | undefined {
    const expected =
      'an image model id from the catalog (`shotrouter models` lists them under images)';
    const model = this.text(at, 'model', value, { required: true, expected });
    const known = this.knownImageModels;
    if (model === undefined || known === undefined || known.includes(model)) return model;
    const near = didYouMean(model, known);
    this.findings.error([...at, 'model'], `unknown image model '${model}'`, {
      expected,
      found: quote(model),
      ...(near === undefined ? {} : { hint: `did you mean '${near}'?` }),
    });
    return undefined;
  }

  /** `{ image: NAME }` in first_frame, last_frame or references: one of `images:`. */
  private namedImageRef(at: Path, value: Fields): ImageRef | undefined {
    const fields = this.mapping(value, at, 'image_ref');
    if (fields === undefined) return undefined;
    const name = this.text(at, 'image', fields.image, {
      required: true,
      expected: 'the name of an entry of images:',
    });
    if (name === undefined) return undefined;
    const known = this.namedRefs.get(name);
    if (known !== undefined) return known;
    const image = this.namedImages.get(name);
    if (image === undefined && this.declaredImages.has(name)) return undefined;
    if (image === undefined) {
      const near = didYouMean(name, this.namedImages.keys());
      this.findings.error([...at, 'image'], `unknown image '${name}'`, {
        expected:
          this.namedImages.size > 0
            ? `a name defined under images: ${oneOf([...this.namedImages.keys()])}`
            : 'a name defined under images (none are defined)',
        found: quote(name),
        hint:
          near !== undefined
            ? `did you mean '${near}'?`
            : `define it: images.${name}: { generate: "…" } or { file: PATH }`,
      });
      return undefined;
    }
    const ref: ImageRef = image.file
      ? { ...image.file, image: name }
      : { spec: `images.${name}`, image: name, size: { ...image.generate!.size } };
    this.namedRefs.set(name, ref);
    return ref;
  }

  private imageCheck(value: unknown): Checked<ImageRef> {
    if (isPlainMapping(value)) {
      return {
        ok: false,
        message: 'must be a path',
        expected: "the path of an image file relative to the storyboard's folder",
        found: describe(value),
      };
    }
    const result = this.images.check(value);
    if (!result.ok) return result;
    return { ok: true, value: result.ref };
  }

  private required<T>(
    at: Path,
    key: string,
    value: unknown,
    check: (v: unknown) => Checked<T>,
  ): T | undefined {
    if (value === undefined) {
      const failed = check(undefined);
      this.findings.error([...at, key], 'is missing', {
        found: 'nothing',
        ...(failed.ok ? {} : { expected: failed.expected }),
      });
      return undefined;
    }
    return this.checked(at, key, check(value));
  }

  private checked<T>(at: Path, key: PathKey, result: Checked<T>): T | undefined {
    if (result.ok) return result.value;
    const { ok: _, message, ...details } = result;
    this.findings.error([...at, key], message, details);
    return undefined;
  }
}

function isPlainMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
