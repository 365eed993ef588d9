/**
 * The prompt a model is sent, assembled from the shot's parts (style, the characters shown with
 * their descriptions and looks, the action, camera, dialogue, narration and sound) in the
 * "dialect" of the model's family: the order of the parts and how each is written, following
 * each vendor's published prompting guide (docs/prompts.md lists every guide with its URL and the
 * date it was read). One table, `DIALECTS`; one function, `buildPrompt`. The plan shows the text
 * per shot (`shots[].prompt`) and the engine sends exactly that text, so it is also part of the
 * cache key: a changed prompt is a new request.
 *
 * Cheap by design (the plan builds one per shot): string joins, no per-shot copies of lists.
 */
import type { ModelCard, ProviderId } from '../catalog/schema.ts';
import type { PlannedShot, PromptForm } from '../contracts/plan.ts';
import { type PlanWarning, planWarning } from '../contracts/reasons.ts';
import type { Character, DialogueLine, Shot, Storyboard } from '../storyboard/types.ts';

export type PartName = 'style' | 'cast' | 'action' | 'camera' | 'speech' | 'sound';

/** How one family's models like their prompts written. */
export interface Dialect {
  id: string;
  /** the parts, in the order the vendor's guide puts them */
  order: readonly PartName[];
  /** between parts: a space (one paragraph) or a new line */
  join: string;
  style(text: string): string;
  /** one character shown: name, description, look */
  person(name: string, description: string): string;
  camera(text: string): string;
  /** a line spoken on screen */
  line(speaker: string, words: string): string;
  /** a line of narration: heard, its speaker never shown */
  voiceOver(speaker: string, words: string): string;
  /** wraps the spoken lines (e.g. Sora's `Dialogue:` block); default: joined like parts */
  speech?(lines: string[]): string;
  ambient(text: string): string;
  sfx(text: string): string;
  /** music heard in the clip; default `Music: <text>.` */
  music?(text: string): string;
}

const sentence = (text: string): string => {
  const t = text.trim();
  return /[.!?…"]$/.test(t) ? t : `${t}.`;
};
const capital = (text: string): string => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * The plain form: the shot's words first, then labelled parts, one a line. A shot without
 * style, characters' descriptions or narration gets exactly the prompt of earlier versions, so
 * runs stored before dialects keep their cache keys.
 */
const PLAIN: Dialect = {
  id: 'plain',
  order: ['cast', 'action', 'camera', 'speech', 'sound', 'style'],
  join: '\n',
  style: (t) => `Style: ${sentence(t)}`,
  person: (name, description) => `${name}: ${sentence(description)}`,
  // written exactly as before dialects (no trimming), for the cache keys of stored runs
  camera: (t) => `Camera: ${t}.`,
  line: (speaker, words) => `${speaker} says: "${words}"`,
  voiceOver: (speaker, words) => `Voice-over by ${speaker}, who is not on screen: "${words}"`,
  ambient: (t) => `Ambient sound: ${t}.`,
  sfx: (t) => `Sound effects: ${t}.`,
};

/** One paragraph, as most guides write their examples, opening on who is shown and what they do. */
const PARAGRAPH: Dialect = {
  ...PLAIN,
  id: 'paragraph',
  join: ' ',
  order: ['cast', 'action', 'camera', 'style', 'speech', 'sound'],
};

export const DIALECTS = {
  plain: PLAIN,
  // cloud.google.com/vertex-ai/generative-ai/docs/video/video-gen-prompt-guide (2025-08-29):
  // subject, context, action, style, camera, ambiance; speech in quotes after the speaker
  veo: {
    ...PARAGRAPH,
    id: 'veo',
    voiceOver: (speaker, words) => `A voice-over (${speaker}, off screen) says: "${words}"`,
    ambient: (t) => `Ambient noise: ${sentence(t)}`,
    sfx: (t) => `SFX: ${sentence(t)}`,
  },
  // Kling's formula (read through ekly.ai/guides/kling-prompting, 2026-06): subject with its
  // appearance, movement, scene, camera language, light, mood
  kling: { ...PARAGRAPH, id: 'kling' },
  // help.runwayml.com/hc/en-us/articles/39789879462419 (Gen-4 Prompting Guide): motion first
  // (camera, subject), style last, positive phrasing, no negative prompt
  runway: {
    ...PARAGRAPH,
    id: 'runway',
    order: ['camera', 'action', 'cast', 'style', 'speech', 'sound'],
    camera: (t) => capital(sentence(t)),
    style: (t) => capital(sentence(t)),
  },
  // developers.openai.com/cookbook/examples/sora/sora2_prompting_guide (2025-10-06): prose with
  // the style first, a cinematography block, the dialogue as its own block, sound last
  sora: {
    ...PLAIN,
    id: 'sora',
    order: ['style', 'cast', 'action', 'camera', 'speech', 'sound'],
    camera: (t) => `Cinematography:\nCamera: ${t.trim()}`,
    line: (speaker, words) => `- ${speaker}: "${words}"`,
    voiceOver: (speaker, words) => `- ${speaker} (voice-over, off screen): "${words}"`,
    speech: (lines) => `Dialogue:\n${lines.join('\n')}`,
    ambient: (t) => `Background sound: ${sentence(t)}`,
    sfx: (t) => `Sound effects: ${sentence(t)}`,
  },
  // BytePlus Seedance 2.0 guide (read through ekly.ai/guides/seedance-2-prompting, 2026-06):
  // subject, action, scene, camera move, style; speech in quotes
  seedance: { ...PARAGRAPH, id: 'seedance' },
  // Alibaba Model Studio's Wan formula (read through a copy): entity, scene, motion, aesthetic
  // control (camera, light), stylization
  wan: { ...PARAGRAPH, id: 'wan' },
  // LTX-2 advice (third-party summaries only): one flowing paragraph opening on the look,
  // dialogue inline as prose
  ltx: {
    ...PARAGRAPH,
    id: 'ltx',
    order: ['style', 'action', 'cast', 'camera', 'speech', 'sound'],
    camera: (t) => `The camera: ${sentence(t)}`,
    line: (speaker, words) => `${speaker} says, "${words}"`,
    voiceOver: (speaker, words) => `A voice-over by ${speaker}, unseen, says, "${words}"`,
  },
} as const satisfies Record<string, Dialect>;

export type DialectId = keyof typeof DIALECTS;

/** Catalog family → dialect; families without a guide read use the plain form. */
const FAMILY_DIALECT: Readonly<Record<string, DialectId>> = {
  veo: 'veo',
  'gemini-omni': 'veo',
  kling: 'kling',
  runway: 'runway',
  'runway-gen': 'runway',
  sora: 'sora',
  seedance: 'seedance',
  wan: 'wan',
  ltx: 'ltx',
};

export function dialectOf(model: Pick<ModelCard, 'family'>): DialectId {
  return FAMILY_DIALECT[model.family] ?? 'plain';
}

export function isDialect(id: string): id is DialectId {
  return Object.hasOwn(DIALECTS, id);
}

/**
 * Routes whose API takes a negative prompt (the adapters send `negativePrompt` there; the
 * others have no field for it, so the plan says it is dropped). Checked against the adapters'
 * wire requests through the sandbox in test/engine/prompts.test.ts.
 */
const NEGATIVE_PROMPT: Readonly<Record<ProviderId, boolean | RegExp>> = {
  kling: true, // negative_prompt
  dashscope: true, // input.negative_prompt
  comfyui: true, // the workflow's negative text node
  google: /^veo-/, // parameters.negativePrompt (Gemini Omni has none)
  vertex: /^veo-/,
  fal: /^fal-ai\/(veo|kling-video|pika)/, // those endpoints' negative_prompt
  replicate: false,
  ltx: false,
  openai: false,
  runway: false,
  luma: false,
  byteplus: false,
  minimax: false,
};

export function takesNegativePrompt(provider: ProviderId, providerModel: string): boolean {
  const rule = NEGATIVE_PROMPT[provider];
  return typeof rule === 'boolean' ? rule : rule.test(providerModel);
}

export interface PromptOptions {
  dialect: DialectId;
  /** the generation makes sound: the sound parts are written only then */
  audio: boolean;
  /** the plan makes the slow motion by asking for it (policy.slowmo prompt) */
  slowMotionLook?: boolean;
}

/** The prompt for one shot in a dialect (untruncated; see `fitPrompt`). */
export function buildPrompt(
  shot: Shot,
  characters: Readonly<Record<string, Character>>,
  options: PromptOptions,
): string {
  const dialect: Dialect = DIALECTS[options.dialect];
  const parts: string[] = [];
  for (const part of dialect.order) {
    const text = partText(part, shot, characters, dialect, options);
    if (text !== '') parts.push(text);
  }
  return parts.join(dialect.join);
}

function partText(
  part: PartName,
  shot: Shot,
  characters: Readonly<Record<string, Character>>,
  dialect: Dialect,
  options: PromptOptions,
): string {
  switch (part) {
    case 'style':
      return shot.style === undefined ? '' : dialect.style(shot.style);
    case 'cast':
      return castText(shot, characters, dialect);
    case 'action': {
      const action = shot.prompt.trim();
      if (!(options.slowMotionLook && shot.slowmo > 1)) return action;
      const times = Math.round(shot.slowmo * 1000) / 1000;
      return `${action}${dialect.join}Slow motion: the action plays ${times} times slower than real time.`;
    }
    case 'camera':
      return shot.camera === undefined ? '' : dialect.camera(shot.camera);
    case 'speech':
      return speechText(shot.audio.dialogue, characters, dialect);
    case 'sound': {
      if (!options.audio) return '';
      const sounds: string[] = [];
      if (shot.audio.ambient) sounds.push(dialect.ambient(shot.audio.ambient));
      if (shot.audio.sfx) sounds.push(dialect.sfx(shot.audio.sfx));
      if (shot.audio.music)
        sounds.push(dialect.music?.(shot.audio.music) ?? `Music: ${shot.audio.music}.`);
      return sounds.join(dialect.join);
    }
  }
}

/** What a character in a look is written as, per dialect: the same in every shot that shows them. */
const people = new WeakMap<object, Map<string, string>>();

/** Each character shown with a description or a look: its words, the look's after its own. */
function castText(
  shot: Shot,
  characters: Readonly<Record<string, Character>>,
  dialect: Dialect,
): string {
  let text = '';
  for (const name of shot.characters) {
    const person = personText(name, shot.looks?.[name], characters, dialect);
    if (person !== '') text += (text === '' ? '' : dialect.join) + person;
  }
  return text;
}

function personText(
  name: string,
  lookName: string | undefined,
  characters: Readonly<Record<string, Character>>,
  dialect: Dialect,
): string {
  let known = people.get(characters);
  if (!known) {
    known = new Map();
    people.set(characters, known);
  }
  const key = `${dialect.id}\n${name}\n${lookName ?? ''}`;
  let text = known.get(key);
  if (text === undefined) {
    const character = characters[name];
    const look = lookName === undefined ? undefined : character?.looks?.[lookName];
    const words = [character?.description, look?.description]
      .filter((w): w is string => w !== undefined && w.trim() !== '')
      .map((w) => w.trim().replace(/[.;,]+$/, ''))
      .join('; ');
    text = words === '' ? '' : dialect.person(name, words);
    known.set(key, text);
  }
  return text;
}

function speechText(
  dialogue: readonly DialogueLine[],
  characters: Readonly<Record<string, Character>>,
  dialect: Dialect,
): string {
  if (dialogue.length === 0) return '';
  const lines = dialogue.map((d) =>
    characters[d.speaker]?.narrator === true
      ? dialect.voiceOver(d.speaker, d.line)
      : dialect.line(d.speaker, d.line),
  );
  return dialect.speech ? dialect.speech(lines) : lines.join(dialect.join);
}

/** Several shots generated as one clip with hard cuts (a multi-shot group). */
export function buildGroupPrompt(
  shots: readonly Shot[],
  characters: Readonly<Record<string, Character>>,
  options: PromptOptions,
): string {
  const lines = shots.map((shot, i) => {
    const seconds = Math.round(shot.needs.seconds * 1000) / 1000;
    const text = buildPrompt(shot, characters, { ...options, slowMotionLook: false });
    return `Shot ${i + 1} (${seconds} s): ${text.replace(/\n/g, ' ')}`;
  });
  return `A sequence of ${shots.length} shots, with hard cuts between them.\n${lines.join('\n')}`;
}

/**
 * The text cut to an API's limit at a word boundary, rather than refused by the provider after
 * the plan: the dialects put what matters most first. `cut` is the length before cutting.
 * `ownChars`: the length of the words the user wrote for the shot itself; when they alone are
 * over the limit nothing is cut (cutting would drop what the user asked for), and the run's
 * preflight refuses the route with the shot's file:line:col instead.
 */
export function fitPrompt(
  text: string,
  maxChars: number | null | undefined,
  ownChars = 0,
): { text: string; cut?: number } {
  if (maxChars === null || maxChars === undefined || text.length <= maxChars) return { text };
  if (ownChars > maxChars) return { text };
  const head = text.slice(0, maxChars);
  const space = head.search(/\s\S*$/);
  const kept = (space > maxChars / 2 ? head.slice(0, space) : head).trimEnd();
  return { text: kept, cut: text.length };
}

const forms = new WeakMap<object, PromptForm>();

/** How prompts are written and sent on one route of a model (shared: plans are never mutated). */
export function promptForm(model: ModelCard, route: ModelCard['routes'][number]): PromptForm {
  let form = forms.get(route);
  if (!form) {
    form = {
      dialect: dialectOf(model),
      max_chars: model.capabilities.max_prompt_chars?.value ?? null,
      takes_negative: takesNegativePrompt(route.provider, route.model),
    };
    forms.set(route, form);
  }
  return form;
}

/**
 * Fills in each routed shot's `prompt`: the exact text (and negative prompt) its route is sent,
 * with a warning where the negative prompt is dropped or the text is cut. A multi-shot group's
 * shots all show the group's prompt. Warnings lists are shared between shots (plans are never
 * mutated), so a shot that gets a warning gets a list shared by every shot with the same list
 * and the same warning: no copy per shot.
 */
/**
 * The prompt text a lone shot is sent on a route of this dialect and limit: what `attachPrompts`
 * stores in the plan, so a stored plan can be checked against its storyboard as it is now.
 */
export function loneShotPrompt(
  shot: Shot,
  characters: Readonly<Record<string, Character>>,
  form: { dialect: DialectId; max_chars: number | null },
  planned: Pick<PlannedShot, 'generate' | 'slowmo'>,
): string {
  const options: PromptOptions = {
    dialect: form.dialect,
    audio: planned.generate?.audio ?? false,
    slowMotionLook: planned.slowmo?.path === 'prompt',
  };
  return fitPrompt(buildPrompt(shot, characters, options), form.max_chars, ownLength(shot)).text;
}

export function attachPrompts(
  shots: PlannedShot[],
  storyboard: Pick<Storyboard, 'shots' | 'characters'>,
  byId: ReadonlyMap<string, ModelCard>,
): void {
  const groups = new Map<string, { text: string; cut?: number }>();
  const warned = new WarningLists();
  for (let i = 0; i < shots.length; i++) {
    const planned = shots[i]!;
    const shot = storyboard.shots[i];
    const model = planned.model === null ? undefined : byId.get(planned.model);
    const route = model?.routes.find((r) => r.provider === planned.provider);
    if (!shot || shot.id !== planned.id || !model || !route || !planned.generate) {
      planned.prompt = null;
      continue;
    }
    const form = promptForm(model, route);
    const options: PromptOptions = {
      dialect: form.dialect as DialectId,
      audio: planned.generate.audio,
      slowMotionLook: planned.slowmo?.path === 'prompt',
    };
    let fitted: { text: string; cut?: number };
    if (planned.group === null) {
      fitted = fitPrompt(
        buildPrompt(shot, storyboard.characters, options),
        form.max_chars,
        ownLength(shot),
      );
    } else {
      let group = groups.get(planned.group);
      if (!group) {
        let end = i;
        while (end < shots.length && shots[end]!.group === planned.group) end++;
        const members = storyboard.shots.slice(i, end);
        group = fitPrompt(
          buildGroupPrompt(members, storyboard.characters, options),
          form.max_chars,
          members.reduce((sum, m) => sum + ownLength(m), 0),
        );
        groups.set(planned.group, group);
      }
      fitted = group;
    }
    const negative = shot.negative ?? null;
    planned.prompt = {
      dialect: form.dialect,
      max_chars: form.max_chars,
      takes_negative: form.takes_negative,
      text: fitted.text,
      negative: form.takes_negative ? negative : null,
    };
    if (negative !== null && !form.takes_negative) {
      planned.warnings = warned.with(planned.warnings, warned.dropped(model.id, route.provider));
    }
    if (fitted.cut !== undefined && form.max_chars !== null) {
      // the lengths are the shot's own: this list is its own
      planned.warnings = [
        ...planned.warnings,
        planWarning({
          code: 'prompt_truncated',
          model: model.id,
          asked: fitted.cut,
          limit: form.max_chars,
        }),
      ];
    }
  }
}

/** The length of the words the user wrote for the shot itself (its `prompt`). */
export function ownLength(shot: Shot): number {
  return shot.prompt.trim().length;
}

/** Shared warnings and the shared lists that end with them, made once per plan. */
class WarningLists {
  readonly #dropped = new Map<string, PlanWarning>();
  readonly #lists = new WeakMap<PlanWarning[], Map<PlanWarning, PlanWarning[]>>();

  dropped(model: string, provider: ProviderId): PlanWarning {
    const key = `${model} ${provider}`;
    let warning = this.#dropped.get(key);
    if (!warning) {
      warning = planWarning({ code: 'negative_prompt_dropped', model, provider });
      this.#dropped.set(key, warning);
    }
    return warning;
  }

  with(list: PlanWarning[], warning: PlanWarning): PlanWarning[] {
    let byWarning = this.#lists.get(list);
    if (!byWarning) {
      byWarning = new Map();
      this.#lists.set(list, byWarning);
    }
    let longer = byWarning.get(warning);
    if (!longer) {
      longer = [...list, warning];
      byWarning.set(warning, longer);
    }
    return longer;
  }
}
