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
import type { PathKey, SourceDoc } from '../util/source-doc.ts';
import { describe, formatNumber, humanSeconds, oneOf, quote } from './describe.ts';
import { type FindingDetails, Findings } from './findings.ts';
import { type Checked, checkDate, checkFps, numberInText, parseResolution } from './formats.ts';
import { ImageResolver } from './images.ts';
import { deriveNeeds, orientationOf } from './needs.ts';
import {
  type Character,
  DELIVER_CODECS,
  DELIVER_FITS,
  type Deliver,
  type DialogueLine,
  type ImageRef,
  type Optimize,
  type Policy,
  type Priority,
  type Shot,
  type ShotAudio,
  type Size,
  SLOWMO_POLICIES,
  type Storyboard,
  TAGS,
  type Tag,
} from './types.ts';

export interface LoadOptions {
  /** the catalog's model ids: shot pins, `policy.allow` and `policy.deny` must name one */
  knownModels?: readonly string[];
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

const FIELDS = {
  storyboard: [
    'version',
    'title',
    'as_of',
    'deliver',
    'budget_usd',
    'policy',
    'characters',
    'shots',
  ],
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
  ],
  character: ['description', 'references', 'real_person'],
  shot: [
    'id',
    'prompt',
    'duration',
    'resolution',
    'fps',
    'audio',
    'characters',
    'references',
    'first_frame',
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
  ],
  audio: ['dialogue', 'ambient', 'sfx', 'silent'],
  dialogue: ['speaker', 'line'],
} as const;

type Section = keyof typeof FIELDS;

/** How to name a section in "belongs to" hints. */
const SECTION_NAMES: Record<Section, string> = {
  storyboard: 'the top level',
  deliver: 'deliver',
  policy: 'policy',
  character: 'a character',
  shot: 'a shot',
  audio: "a shot's audio",
  dialogue: 'a dialogue line',
};

const SECTIONS = Object.keys(FIELDS) as Section[];
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
  return storyboard;
}

interface ShotContext {
  deliver: Deliver | undefined;
  characters: ReadonlyMap<string, Character>;
  ids: Map<string, number>;
}

class Checker {
  readonly findings = new Findings();
  private readonly file: string;
  private readonly images: ImageResolver;
  private readonly knownModels: readonly string[] | undefined;
  private readonly knownModelSet: ReadonlySet<string> | undefined;

  constructor(file: string, options: LoadOptions) {
    this.file = file;
    this.images = new ImageResolver(path.dirname(file), options.allowOutsidePaths === true);
    this.knownModels = options.knownModels;
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
    const characters = this.characters(top.characters);
    const shots = this.shots(top.shots, { deliver, characters, ids: new Map() });
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
    if (asOf !== undefined) storyboard.asOf = asOf;
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
    }
    return characters;
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
    const duration = this.number(at, 'duration', fields.duration, DURATION, true);
    const size =
      fields.resolution === undefined
        ? context.deliver?.size
        : this.checked(at, 'resolution', parseResolution(fields.resolution));
    const fps =
      fields.fps === undefined
        ? context.deliver?.fps
        : this.checked(at, 'fps', checkFps(fields.fps));
    const audio = this.shotAudio(at, fields.audio, context);
    const characters = this.shotCharacters(at, fields.characters, context.characters);
    const references = this.imageList(at, 'references', fields.references);
    const firstFrame = this.image(at, 'first_frame', fields.first_frame);
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
      characters,
      references,
      slowmo,
      continuous,
      priority,
      takes,
      tags,
    };
    if (firstFrame !== undefined) shot.firstFrame = firstFrame;
    if (lastFrame !== undefined) shot.lastFrame = lastFrame;
    if (realPerson === true) shot.realPerson = true;
    this.frameShape(at, 'first_frame', firstFrame, size);
    this.frameShape(at, 'last_frame', lastFrame, size);
    if (camera !== undefined) shot.camera = camera;
    if (sequence !== undefined) shot.sequence = sequence;
    if (model !== undefined) shot.model = model;
    const needs = deriveNeeds(shot, deliver, context.characters);
    // the position is filled in by checkStoryboard once the whole file is known to be valid
    return { ...shot, needs, position: { line: 0, col: 0 } };
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
    audio.silent = this.bool(here, 'silent', fields.silent) ?? false;

    const sounds = [
      audio.dialogue.length > 0 ? 'dialogue' : undefined,
      audio.ambient !== undefined ? 'ambient' : undefined,
      audio.sfx !== undefined ? 'sfx' : undefined,
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
        const near = didYouMean(speaker, characters.keys());
        this.findings.warn(
          [...itemPath, 'speaker'],
          `speaker '${speaker}' is not one of the characters`,
          {
            expected:
              characters.size > 0
                ? `one of ${oneOf([...characters.keys()])}`
                : 'a name defined under characters',
            found: quote(speaker),
            hint:
              near !== undefined
                ? `did you mean '${near}'?`
                : 'define them under characters for a consistent look and voice (fine as it is for a voice-over)',
          },
        );
      }
      lines.push({ speaker, line });
    });
    return lines;
  }

  private shotCharacters(
    at: Path,
    value: unknown,
    characters: ReadonlyMap<string, Character>,
  ): string[] {
    const items = this.list(at, 'characters', value, 'a list of names defined under characters');
    if (items === undefined) return [];
    const here: Path = [...at, 'characters'];
    const names: string[] = [];
    items.forEach((item, i) => {
      const name = this.text(here, i, item, { required: true, expected: 'a character name' });
      if (name === undefined) return;
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
      if (!names.includes(name)) names.push(name);
    });
    return names;
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
    const elsewhere = SECTIONS.filter((other) => other !== section && FIELD_SETS[other].has(key));
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
    key: string,
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
    return this.checked(at, key, this.imageCheck(value));
  }

  private imageList(at: Path, key: string, value: unknown): ImageRef[] {
    const items = this.list(at, key, value, 'a list of image paths or http(s) URLs');
    if (items === undefined) return [];
    const here: Path = [...at, key];
    const refs: ImageRef[] = [];
    items.forEach((item, i) => {
      const ref = this.checked(here, i, this.imageCheck(item));
      if (ref !== undefined) refs.push(ref);
    });
    return refs;
  }

  private imageCheck(value: unknown): Checked<ImageRef> {
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
