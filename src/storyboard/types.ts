/**
 * The storyboard after parsing and checking (docs/storyboard.md), and what each shot
 * asks of a model. Produced by storyboard/load.ts; read by the router and everything after it.
 */

export const TAGS = [
  'narrative',
  'dialogue',
  'multi-character',
  'emotion',
  'photoreal',
  'product',
  'commercial',
  'establishing',
  'action',
  'physics',
  'cinematic',
  'camera-move',
  'stylized',
  'anime',
  'social-vertical',
  'slow-motion',
  'b-roll',
  'vfx',
] as const;
export type Tag = (typeof TAGS)[number];

export const FPS_VALUES = [23.976, 24, 25, 29.97, 30, 50, 59.94, 60] as const;
export const RESOLUTION_KEYWORDS = {
  '720p': [1280, 720],
  '1080p': [1920, 1080],
  '1440p': [2560, 1440],
  '4k': [3840, 2160],
} as const;

export type Optimize = 'quality' | 'cost' | 'speed' | 'balanced';
/**
 * How a slow-motion shot is made: `auto` (default) a confirmed native frame rate where one fits,
 * else frame interpolation at conform time; `native` only a model's own high frame rate (a hard
 * need); `interpolate` always synthesised frames; `prompt` only asks for the look in the prompt.
 */
export type SlowmoPolicy = 'auto' | 'native' | 'interpolate' | 'prompt';
export const SLOWMO_POLICIES: readonly SlowmoPolicy[] = ['auto', 'native', 'interpolate', 'prompt'];
export type Priority = 'hero' | 'normal' | 'draft';
export type Orientation = 'landscape' | 'portrait' | 'square';

export interface Size {
  width: number;
  height: number;
}

/** Where a value was written in the storyboard, for error messages. */
export interface Position {
  line: number;
  col: number;
}

export interface DialogueLine {
  speaker: string;
  line: string;
}

export interface ShotAudio {
  dialogue: DialogueLine[];
  ambient?: string;
  sfx?: string;
  /** music heard in the clip itself, in words (a bed laid under the cut is the top-level `music`) */
  music?: string;
  silent: boolean;
}

/** A reference to an image: a local file (resolved, checked to exist) or a URL. */
export interface ImageRef {
  /** as written in the storyboard */
  spec: string;
  /** absolute path for a local file; undefined for a URL */
  path?: string;
  url?: string;
  /** a local image's pixel size, read from its header (undefined when unknown) */
  size?: Size;
  /**
   * `{ image: NAME }`: the name under the storyboard's `images:` this reference names. A
   * generated image has neither `path` nor `url` until it is made (a preview draws it, a run
   * buys it); an image given as `{ file }` has the file's `path` and `size` as well.
   */
  image?: string;
}

/**
 * One entry of the top-level `images:`: an image the user has (`file`) or one an image model
 * makes before the shots that use it (`generate`), named so that `first_frame`, `last_frame` and
 * `references` can use it as `{ image: NAME }`.
 */
export interface NamedImage {
  name: string;
  /** `{ file }`: the image, checked like any image path */
  file?: ImageRef;
  /** `{ generate }`: what to make */
  generate?: ImageRequest;
}

/** How a still is asked of an image model (`images.NAME.generate` and its siblings). */
export interface ImageRequest {
  prompt: string;
  /** a catalog id of `kind: image`; absent: the router picks */
  model?: string;
  /** pixels; absent: the deliverable's size */
  size: Size;
}

export interface Policy {
  optimize: Optimize;
  allow?: string[];
  deny: string[];
  localOnly: boolean;
  maxVramGb?: number;
  licenses?: string[];
  allowUpscale: boolean;
  allowRetired: boolean;
  /** absent: `auto` */
  slowmo?: SlowmoPolicy;
  /** absent: the defaults (`qcPolicyOf`) */
  qc?: QcPolicy;
  /** absent: `prefer` (see Continuity below) */
  continuity?: ContinuityPolicy;
  /** absent: `native` (see DialogueVoice) */
  dialogueVoice?: DialogueVoice;
}

/**
 * Who voices a character's dialogue: `native` (default) the video model, which must then make
 * sound; `tts` a text-to-speech voice of `voices`, bought like narration and mixed into the cut,
 * so the shot needs no sound of the model (the picture still shows the characters speaking).
 */
export type DialogueVoice = 'native' | 'tts';
export const DIALOGUE_VOICES: readonly DialogueVoice[] = ['native', 'tts'];

/**
 * The take checks (QC) a run holds every take to, named once here so the storyboard can check
 * `policy.qc.on` and `src/qc/` reports the same codes (docs/qc.md has what each measures).
 */
export const QC_CHECK_CODES = [
  'duration',
  'size',
  'fps',
  'audio',
  'black',
  'frozen',
  'silence',
  'clipping',
  'cuts',
  'first_frame',
  'last_frame',
  /** the optional vision judge: does the take show its prompt (value: its confidence, 0..1) */
  'judge',
] as const;
export type QcCheckCode = (typeof QC_CHECK_CODES)[number];

/** `policy.qc`: what a run may buy again when a take fails its checks (docs/storyboard.md). */
export interface QcPolicy {
  /** how many more takes a failing take may be bought, each within the budget */
  retake: number;
  /** the failing checks that buy another take; others are recorded only */
  on: QcCheckCode[];
  /** `off`, or the catalog id of the model that judges each take after the checks */
  judge: string;
}

export const DEFAULT_QC_POLICY: Readonly<QcPolicy> = Object.freeze({
  retake: 1,
  on: [...QC_CHECK_CODES],
  judge: 'off',
});

/** The storyboard's `policy.qc`, or the defaults. */
export function qcPolicyOf(policy: Pick<Policy, 'qc'>): QcPolicy {
  return policy.qc ?? { ...DEFAULT_QC_POLICY, on: [...DEFAULT_QC_POLICY.on] };
}

export interface Character {
  name: string;
  description?: string;
  references: ImageRef[];
  /** the references show a real person (some models refuse such references); absent: false */
  realPerson?: boolean;
  /**
   * named variants of the character (wardrobe, age, injury), each with its own description and
   * references; a shot picks one as `name@look`
   */
  looks?: Record<string, Look>;
  /** a voice-over speaker: never on screen, its lines are narration; absent: false */
  narrator?: boolean;
}

/** One look of a character: added to the character's description and references where picked. */
export interface Look {
  name: string;
  description?: string;
  references: ImageRef[];
  /** these references show a real person; absent: false */
  realPerson?: boolean;
}

/** The film's look, written once at the top level: `style: { prompt, negative }`. */
export interface Style {
  /** words describing the picture's style, added to every shot's prompt */
  prompt?: string;
  /** what no shot should show, sent as the negative prompt where the API takes one */
  negative?: string;
}

// ---- continuity: places reused across shots, and shots that start where another ends ----

/**
 * Shots that share a character or a location stay on one model family: `prefer` (default) a soft
 * bonus in the optimizer, `strict` a hard rule, `off` not at all.
 */
export type ContinuityPolicy = 'prefer' | 'strict' | 'off';
export const CONTINUITY_POLICIES: readonly ContinuityPolicy[] = ['prefer', 'strict', 'off'];

/** A place reused across shots; its references travel with every shot set there. */
export interface Location {
  name: string;
  description?: string;
  references: ImageRef[];
}

/** Which frame of another shot's picked take a shot starts from. */
export type FrameOfShot = 'first' | 'last';
export const FRAMES_OF_SHOT: readonly FrameOfShot[] = ['first', 'last'];

/** `first_frame_from`: the shot starts from a frame of another shot's picked take. */
export interface FirstFrameFrom {
  shot: string;
  frame: FrameOfShot;
}

/** A shot's `narration`: words read over the shot by a text-to-speech voice, never by the video model. */
export interface Narration {
  text: string;
  /** a key of the storyboard's `voices` (or any name: it then gets the default voice); default `narrator` */
  speaker: string;
}

/** The speaker a narration has when none is written. */
export const DEFAULT_NARRATOR = 'narrator';

/**
 * One entry of the top-level `voices`: which text-to-speech model and voice reads a speaker.
 * Every field is optional; what is missing the plan chooses and states (`speech[].reasons`).
 */
export interface Voice {
  /** a TTS model id of the catalog (`shotrouter models` lists them under voices) */
  model?: string;
  /** the provider's voice name or id, e.g. `alloy` */
  voice?: string;
  /** how the lines are delivered (sent as instructions where the model takes them) */
  notes?: string;
}

/**
 * Seconds of pause after the narration in a `duration: auto` shot, and words read per second
 * when the length is estimated from the text before anything is synthesised (150 words a minute,
 * a calm narrator's pace).
 */
export const NARRATION_PAUSE_SECONDS = 0.6;
export const NARRATION_WORDS_PER_SECOND = 2.5;
/** Seconds of silence between two voice lines of one shot (narration, then each dialogue line). */
export const VOICE_GAP_SECONDS = 0.25;

export interface Shot {
  /** 0-based position in the storyboard */
  index: number;
  id: string;
  prompt: string;
  /** seconds; for `duration: auto` the narration's length plus a pause (estimated until synthesised) */
  duration: number;
  /**
   * `duration: auto`: `estimate` while the length comes from the narration's words, `measured`
   * once the narration was synthesised and its length read (lib/narration.ts); absent: written
   */
  durationAuto?: 'estimate' | 'measured';
  /** words read over the shot by a TTS voice; absent: none */
  narration?: Narration;
  size: Size;
  fps: number;
  audio: ShotAudio;
  characters: string[];
  /** the look each character is shown in, by character name (`characters: [mia@gym]`); absent: none */
  looks?: Record<string, string>;
  /** the style for this shot: its own `style`, else the storyboard's `style.prompt` */
  style?: string;
  /** the negative prompt for this shot: its own `negative`, else the storyboard's `style.negative` */
  negative?: string;
  references: ImageRef[];
  firstFrame?: ImageRef;
  /** starts from a frame of another shot's picked take (never together with `firstFrame`) */
  firstFrameFrom?: FirstFrameFrom;
  /** a name defined under `locations` */
  location?: string;
  lastFrame?: ImageRef;
  /** the shot's own references show a real person; absent: false */
  realPerson?: boolean;
  camera?: string;
  slowmo: number;
  sequence?: string;
  continuous: boolean;
  model?: string;
  priority: Priority;
  takes: number;
  tags: Tag[];
  /** how the shot sits in the cut (edit-only: never part of a generate request); absent: plainly */
  edit?: ShotEdit;
  needs: ShotNeeds;
  position: Position;
}

/** How one shot joins the one before it in the cut. */
export type TransitionType = 'cut' | 'fade' | 'dissolve' | 'wipe';
export const TRANSITION_TYPES: readonly TransitionType[] = ['cut', 'fade', 'dissolve', 'wipe'];

export interface Transition {
  type: TransitionType;
  /** seconds (0 for a cut) */
  duration: number;
}

/**
 * A shot's edit-only fields (docs/storyboard.md, "Editing the cut"): they decide what the cut
 * shows of the shot's clip and never change what is generated, so editing them buys nothing.
 */
export interface ShotEdit {
  /** the heading of the scene the shot belongs to (carried forward from the last `scene:`) */
  scene?: string;
  /** generated and kept as takes, but not in the cut or its timelines */
  omit?: boolean;
  /** the part of the shot's clip the cut shows, seconds on the shot's own clock */
  trim?: { in: number; out: number };
  /** how the shot is entered: from the previous shot, or from black for the first */
  transition?: Transition;
  /** seconds of fade to black at the end of the cut (last shot only) */
  fadeOut?: number;
  /** a title drawn over the middle of the picture for the shot's time in the cut */
  title?: string;
  /** a caption drawn at the bottom and written to captions.srt / captions.vtt */
  caption?: string;
}

/** A shot of the cut that generates nothing: a second piece of another shot's clip. */
export interface ReuseShot {
  /** 0-based position in the storyboard's `shots` */
  index: number;
  id: string;
  /** seconds in the cut */
  duration: number;
  /** the shot whose clip is reused, and the second of that clip the piece starts at */
  reuse: { shot: string; in: number };
  edit: ShotEdit;
  position: Position;
}

/** A run of adjacent shots under one `scene:` heading. */
export interface Scene {
  heading: string;
  /** the ids of its shots in storyboard order (reused and omitted ones too) */
  shots: string[];
}

/** What a shot asks of a model; derived, never written by hand. */
export interface ShotNeeds {
  /** duration / slowmo, before snapping to a model's allowed durations */
  seconds: number;
  size: Size;
  orientation: Orientation;
  /** the frame rate the clip is conformed to (the shot's fps) */
  targetFps: number;
  /**
   * with slowmo > 1: the frame rate that makes the slow motion from native frames (a hard need
   * only under `policy.slowmo: native`; the router decides the path, see router/slowmo.ts)
   */
  minFps?: number;
  /** with slowmo > 1: the shot's slow-motion factor */
  slowmo?: number;
  /** some reference image shows a real person (a character or the shot marked `real_person`) */
  realPerson?: boolean;
  /** `required` for dialogue, `preferred` for ambient/sfx/music, `none` when the cut is silent or the shot is `silent` */
  audio: 'required' | 'preferred' | 'none';
  /** shot references + references of its characters and its location, deduplicated */
  referenceImages: ImageRef[];
  firstFrame: boolean;
  lastFrame: boolean;
}

/** The video codec of the cut and its clips: `prores` (ProRes 422 HQ) is written as `.mov`. */
export type DeliverCodec = 'h264' | 'h265' | 'prores';
export const DELIVER_CODECS: readonly DeliverCodec[] = ['h264', 'h265', 'prores'];
/** How a picture of another shape meets the frame: `fit` letterboxes, `fill` crops. */
export type DeliverFit = 'fit' | 'fill';
export const DELIVER_FITS: readonly DeliverFit[] = ['fit', 'fill'];
/** EBU R128 integrated loudness target of the cut's sound, LUFS, when none is given. */
export const DEFAULT_LOUDNESS_LUFS = -23;

export interface Deliver {
  size: Size;
  fps: number;
  audio: boolean;
  // optional additions (docs/storyboard.md): absent means the default
  /** default h264 */
  codec?: DeliverCodec;
  /** default fit */
  fit?: DeliverFit;
  /** LUFS; default DEFAULT_LOUDNESS_LUFS (-23, EBU R128); -14 for social platforms */
  loudness?: number;
}

/** `music`: a bed laid under the cut (docs/storyboard.md, "Music and soundtrack"). */
export interface MusicCue {
  /** the path as written */
  spec: string;
  /** absolute path of the sound file */
  path: string;
  /** the shot it starts at (absent: the cut's start) */
  from?: string;
  /** the last shot it plays under (absent: to the cut's end) */
  to?: string;
  /** dB added to the file's level before the whole is set to the loudness target (default 0) */
  gainDb: number;
  /** lowered under narration and dialogue (default true) */
  duck: boolean;
  /** where its `file` is written */
  position: Position;
}

/** What to do when the shots and a `soundtrack` differ in length. */
export type SoundtrackFit = 'stretch_last' | 'trim_track' | 'none';
export const SOUNDTRACK_FITS: readonly SoundtrackFit[] = ['stretch_last', 'trim_track', 'none'];

/** `soundtrack`: the track the cut is timed to, played from the cut's start. */
export interface Soundtrack {
  spec: string;
  path: string;
  /** default `none`: warn only */
  fit: SoundtrackFit;
  /** the track's length read from its headers (util/sound-length.ts); absent: not readable so */
  seconds?: number;
  /** with `stretch_last`: the last shot's duration as written, before it was fitted to the track */
  stretchedFrom?: number;
  /** where its `file` is written */
  position: Position;
}

export interface Storyboard {
  /** absolute path of the storyboard file */
  file: string;
  /** its folder; relative paths resolve against it */
  dir: string;
  version: 1;
  title: string;
  /** YYYY-MM-DD, when given */
  asOf?: string;
  deliver: Deliver;
  budgetUsd?: number;
  policy: Policy;
  characters: Record<string, Character>;
  /** the top-level `style`, when given (each shot's `style` and `negative` are already resolved) */
  style?: Style;
  /** the top-level `voices`: a TTS voice per speaker (absent: none written) */
  voices?: Record<string, Voice>;
  /** absent: none defined */
  locations?: Record<string, Location>;
  /** the top-level `images:` by name; absent: none defined */
  images?: Record<string, NamedImage>;
  shots: Shot[];
  /** shots that reuse another shot's clip (not in `shots`: nothing is generated for them) */
  reuses?: ReuseShot[];
  /** the scenes, when any shot has a `scene:` heading */
  scenes?: Scene[];
  /** music beds under the cut, in the order written */
  music?: MusicCue[];
  /** the track the cut is timed to */
  soundtrack?: Soundtrack;
  /** things worth telling the user that do not stop the storyboard (e.g. a speaker who is not a character) */
  warnings: import('../errors.ts').Problem[];
}
