/**
 * An editor's timeline brought back (`shotrouter import-edit`): the cut an OTIO, FCPXML or EDL
 * file describes, matched to the run's shots, and turned into the storyboard's edit-only fields
 * (the order of `shots`, `trim`, `omit`, a reuse shot's `reuse.in` and `duration`). Nothing
 * here asks a model for anything: every clip of the edit is a piece of a clip the run kept.
 *
 * Clips are known by the provenance our timelines carry (`shotrouter` metadata, EDL comments),
 * else by their name (a shot id, or `<id> (from <shot>)` for a reuse shot), else by the media
 * file's name (`<shot>-take<N>-<hash>.mp4`), so an edit survives an editor that drops metadata.
 */
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import type { Plan } from '../router/types.ts';
import { cutEntries } from '../storyboard/edit.ts';
import type { RewrittenItem } from '../storyboard/rewrite.ts';
import type { Storyboard } from '../storyboard/types.ts';
import {
  provenanceOf,
  type ReadItem,
  type ReadTimeline,
  readEdl,
  readFcpxml,
  readOtio,
} from '../timeline/index.ts';
import type { ShotSources } from './shot-sources.ts';

export type { RewrittenItem };
export type EditFormat = 'otio' | 'fcpxml' | 'edl';

/** One clip of the edited video track, in playing order. Seconds. */
export interface EditedClip {
  /** the clip's name in the file */
  name: string | null;
  file: string | null;
  /** the shot our provenance names, when the file kept it */
  shot: string | null;
  take: number | null;
  /** seconds into the media where the piece starts, transitions' overlaps included */
  in: number;
  /** seconds of media the piece uses, transitions' overlaps included */
  seconds: number;
  /** where it starts on the timeline, seconds from its first frame */
  at: number;
}

export interface EditedTimeline {
  format: EditFormat;
  fps: number;
  clips: EditedClip[];
  /** gaps (black) between clips; a storyboard has no gaps, so they are reported and closed */
  gaps: number;
}

/** The format of an edited timeline by its file name, or a usage error naming the three. */
export function editFormatOf(file: string): EditFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.otio') return 'otio';
  if (ext === '.fcpxml') return 'fcpxml';
  if (ext === '.edl') return 'edl';
  throw new ShotrouterError(
    'usage',
    `${file}: import-edit reads .otio, .fcpxml or .edl timelines (export one of those from the editing program)`,
  );
}

/**
 * The frame rate an EDL states in a comment (`* FRAME RATE: 25`, `* FPS: 23.976`, `* FCM …
 * 25 FPS`), or undefined: CMX3600 itself has no field for it.
 */
export function edlFrameRateComment(text: string): number | undefined {
  const m =
    /^\s*\*?\s*(?:FRAME[ _]RATE|FPS)\s*[:=]?\s*(\d+(?:\.\d+)?)\s*$/im.exec(text) ??
    /^\s*(?:\*|FCM:).*?\b(\d+(?:\.\d+)?)\s*FPS\b/im.exec(text);
  const fps = m ? Number(m[1]) : undefined;
  return fps !== undefined && fps > 0 && fps <= 240 ? fps : undefined;
}

/**
 * Reads the first video track of an edited timeline. `fps` is the rate of an EDL that states
 * none in a comment (the run's frame rate, or `--fps`).
 */
export function readEditedTimeline(file: string, text: string, fps?: number): EditedTimeline {
  const format = editFormatOf(file);
  let read: ReadTimeline;
  try {
    read =
      format === 'otio'
        ? readOtio(text)
        : format === 'fcpxml'
          ? readFcpxml(text)
          : readEdl(text, edlFrameRateComment(text) ?? fps);
  } catch (error) {
    throw new ShotrouterError(
      'usage',
      `${file}: not a timeline shotrouter can read: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const track = read.tracks.find((t) => t.kind === 'video');
  if (!track) throw new ShotrouterError('usage', `${file}: the timeline has no video track`);
  const clips: EditedClip[] = [];
  let gaps = 0;
  let at = 0;
  // a transition sits between two clips: it lengthens both pieces by its offsets
  let pendingIn = 0;
  for (const [k, item] of track.items.entries()) {
    if (item.kind === 'transition') {
      const before = item.inOffset ?? 0;
      const after = item.outOffset ?? 0;
      const outgoing = clips.at(-1);
      if (outgoing && track.items[k - 1]?.kind === 'clip') outgoing.seconds += after;
      pendingIn = before;
      continue;
    }
    if (item.kind === 'gap') {
      if (item.duration > 0) gaps++;
      at += item.duration;
      pendingIn = 0;
      continue;
    }
    clips.push(clipOf(item, at, pendingIn));
    pendingIn = 0;
    at += item.duration;
  }
  return { format, fps: read.fps, clips, gaps };
}

function clipOf(item: ReadItem, at: number, inOffset: number): EditedClip {
  const provenance = provenanceOf(item);
  return {
    name: item.name ?? null,
    file: item.file ?? null,
    shot: provenance?.shot_id ?? null,
    take: provenance?.take ?? null,
    in: (item.sourceStart ?? 0) - inOffset,
    seconds: item.duration + inOffset,
    at,
  };
}

/** A trim that reaches past the media the run kept: the shot would have to be made again. */
export interface NeedsRegeneration {
  shot: string;
  /** seconds of the shot's clip the edit asks for */
  needs: number;
  /** seconds the kept clip has */
  has: number;
  model: string | null;
  /** list price of making the shot again at the length it needs (every take), scaled from the plan */
  estimate_usd: number | null;
}

export interface EditImport {
  /** the new order of the storyboard's `shots`, each with its edit fields */
  items: RewrittenItem[];
  /** what changes, one line each, for the person to confirm */
  changes: string[];
  regenerate: NeedsRegeneration[];
  /** things the import cannot keep (gaps, a take other than the picked one) */
  notes: string[];
}

const round = (seconds: number) => Math.round(seconds * 1e6) / 1e6;

/**
 * The storyboard's edit-only fields that make the run's cut the edited one. A shot used twice
 * gets a reuse shot for its second use; a multi-shot group whose shots no longer play side by
 * side keeps its shots together (omitted) and plays reuse pieces of them where the edit has
 * them, so the group's generation, and its cache, stay as they were.
 */
export function importEdit(
  storyboard: Storyboard,
  plan: Plan,
  edited: EditedTimeline,
  options: { handleBefore?: (shot: string, take: number) => number } = {},
): EditImport {
  const frame = 1 / edited.fps;
  const shots = new Map(storyboard.shots.map((s) => [s.id, s]));
  const reuses = new Map((storyboard.reuses ?? []).map((r) => [r.id, r]));
  const planned = new Map(plan.shots.map((p) => [p.id, p]));
  const ids = new Set([...shots.keys(), ...reuses.keys()]);
  const notes: string[] = [];
  if (edited.gaps > 0) {
    notes.push(
      `${edited.gaps} gap${edited.gaps === 1 ? '' : 's'} in the edit closed: a storyboard's shots play end to end`,
    );
  }

  // each clip of the edit: which storyboard item it is a piece of
  const pieces = edited.clips.map((clip) => {
    const id = identify(clip, shots, reuses);
    if (id === null) {
      throw new ShotrouterError(
        'usage',
        `the clip ${clip.name ? `'${clip.name}' ` : ''}at ${clip.at.toFixed(3)} s of the edit is not one of this run's shots (no shotrouter metadata, no shot id in its name or media file): import-edit brings back cuts of the run's own clips`,
      );
    }
    return { clip, id };
  });
  if (pieces.length === 0) {
    throw new ShotrouterError('usage', 'the edit has no clips: nothing to import');
  }

  const items: RewrittenItem[] = [];
  const used = new Set<string>();
  const regenerate: NeedsRegeneration[] = [];
  const uniqueId = (base: string) => {
    let n = 2;
    while (ids.has(`${base}-${n}`)) n++;
    ids.add(`${base}-${n}`);
    return `${base}-${n}`;
  };
  /** the piece within the source shot's media; past it: flagged, and kept to what exists */
  const within = (source: string, start: number, seconds: number) => {
    const shot = shots.get(source)!;
    const end = start + seconds;
    if (start < -frame / 2 || end > shot.duration + frame / 2) {
      const needs = round(Math.max(end, shot.duration) - Math.min(start, 0));
      const p = planned.get(source);
      regenerate.push({
        shot: source,
        needs,
        has: shot.duration,
        model: p?.model ?? null,
        estimate_usd: p?.model ? round((p.estimate.usd * needs) / shot.duration) : null,
      });
    }
    const from = Math.min(Math.max(0, start), shot.duration - frame);
    const to = Math.max(Math.min(shot.duration, end), from + frame);
    return { in: round(from), seconds: round(to - from) };
  };

  for (const { clip: given, id } of pieces) {
    // a package's media (`media/<shot>-take<N>.mp4`) is the whole generated clip: its times
    // run ahead of the shot's own clock by the handle before the shot
    const packaged = packageMedia(given.file);
    const clip =
      packaged && options.handleBefore
        ? { ...given, in: given.in - options.handleBefore(packaged.shot, packaged.take) }
        : given;
    const reuse = reuses.get(id);
    if (reuse && !used.has(id)) {
      used.add(id);
      const piece = within(reuse.reuse.shot, clip.in, clip.seconds);
      items.push({
        kind: 'reuse',
        id,
        shot: reuse.reuse.shot,
        in: piece.in,
        duration: piece.seconds,
        added: false,
        takesEditFieldsOf: null,
      });
      continue;
    }
    const source = reuse ? reuse.reuse.shot : id;
    const piece = within(source, clip.in, clip.seconds);
    if (!used.has(source)) {
      used.add(source);
      const shot = shots.get(source)!;
      const whole =
        Math.abs(piece.in) < frame / 2 && Math.abs(piece.seconds - shot.duration) < frame / 2;
      items.push({
        kind: 'shot',
        id: source,
        trim: whole ? null : { in: piece.in, out: round(piece.in + piece.seconds) },
        omit: false,
      });
    } else {
      // a second use of the same clip: a reuse shot, which generates nothing
      items.push({
        kind: 'reuse',
        id: uniqueId(source),
        shot: source,
        in: piece.in,
        duration: piece.seconds,
        added: true,
        takesEditFieldsOf: null,
      });
    }
    const picked = clip.take;
    if (picked !== null && picked !== 1 && reuse === undefined) {
      notes.push(
        `${source}: the edit uses take ${picked}; the cut keeps the picked take (shotrouter pick to change it)`,
      );
    }
  }

  // shots the edit left out: omitted (still generated and kept); reuse shots: removed
  const order = storyboardOrder(storyboard);
  for (const [k, id] of order.entries()) {
    if (used.has(id) || !shots.has(id)) continue;
    // after the item it followed in the storyboard
    const before = order
      .slice(0, k)
      .reverse()
      .find((other) => items.some((i) => i.id === other));
    const at = before === undefined ? 0 : items.findIndex((i) => i.id === before) + 1;
    items.splice(at, 0, { kind: 'shot', id, trim: shots.get(id)!.edit?.trim ?? null, omit: true });
  }

  keepGroupsTogether(items, plan, shots, uniqueId);
  const changes = describeChanges(storyboard, items, order);
  return { items, changes, regenerate, notes };
}

/** The storyboard's items (shots and reuse shots) in the order of `shots`. */
function storyboardOrder(storyboard: Storyboard): string[] {
  return [
    ...storyboard.shots.map((s) => ({ id: s.id, index: s.index })),
    ...(storyboard.reuses ?? []).map((r) => ({ id: r.id, index: r.index })),
  ]
    .sort((a, b) => a.index - b.index)
    .map((x) => x.id);
}

function mediaName(file: string | null): string {
  try {
    return path.basename(decodeURIComponent(file ?? ''));
  } catch {
    return path.basename(file ?? '');
  }
}

/** A take's media as `shotrouter package` names it (no content hash), with its shot and take. */
function packageMedia(file: string | null): { shot: string; take: number } | null {
  const m = /^(.+)-take(\d+)\.[A-Za-z0-9]+$/.exec(mediaName(file));
  return m ? { shot: m[1]!, take: Number(m[2]) } : null;
}

/**
 * Seconds of a package's media before a take's part (see assemble/package.ts): the take's trim
 * into its generated clip, or 0 for a clip packed as the cut has it (slow motion, a group's piece).
 */
export function packageHandles(
  storyboard: Storyboard,
  sources: readonly ShotSources[],
): (shot: string, take: number) => number {
  return (shot, take) => {
    const made = sources.find((s) => s.planned.id === shot)?.takes[take - 1];
    const slowmo = storyboard.shots.find((s) => s.id === shot)?.slowmo ?? 1;
    if (!made || made.group !== null || slowmo !== 1) return 0;
    return made.trim.from;
  };
}

function identify(
  clip: EditedClip,
  shots: Map<string, unknown>,
  reuses: Map<string, unknown>,
): string | null {
  const name = clip.name?.trim() ?? '';
  const reused = /^(\S+) \(from (\S+)\)$/.exec(name);
  if (reused && reuses.has(reused[1]!)) return reused[1]!;
  if (clip.shot !== null && shots.has(clip.shot)) return clip.shot;
  if (shots.has(name) || reuses.has(name)) return name;
  const media = /^(.+?)-take\d+-[0-9a-f]+\.[A-Za-z0-9]+$/.exec(mediaName(clip.file));
  if (media && shots.has(media[1]!)) return media[1]!;
  const packaged = packageMedia(clip.file);
  if (packaged && shots.has(packaged.shot)) return packaged.shot;
  return null;
}

/**
 * A multi-shot group is one generation: its shots must stay side by side in `shots` for the
 * plan to make them together again. When the edit moves them apart, the group's shots stay
 * together (omitted, at the first one's place) and reuse shots play the pieces the edit put
 * elsewhere.
 */
function keepGroupsTogether(
  items: RewrittenItem[],
  plan: Plan,
  shots: Map<string, Storyboard['shots'][number]>,
  uniqueId: (base: string) => string,
): void {
  const groups = new Map<string, string[]>();
  for (const p of plan.shots) {
    if (p.group !== null) groups.set(p.group, [...(groups.get(p.group) ?? []), p.id]);
  }
  for (const members of groups.values()) {
    const at = members.map((id) => items.findIndex((i) => i.kind === 'shot' && i.id === id));
    const together = at.every((x, k) => k === 0 || x === at[k - 1]! + 1);
    if (together) continue;
    const first = Math.min(...at);
    const block: RewrittenItem[] = [];
    for (const id of members) {
      const k = items.findIndex((i) => i.kind === 'shot' && i.id === id);
      const item = items[k] as Extract<RewrittenItem, { kind: 'shot' }>;
      if (!item.omit) {
        const shot = shots.get(id)!;
        const trim = item.trim ?? { in: 0, out: shot.duration };
        items[k] = {
          kind: 'reuse',
          id: uniqueId(id),
          shot: id,
          in: trim.in,
          duration: round(trim.out - trim.in),
          added: true,
          takesEditFieldsOf: id,
        };
      } else {
        items.splice(k, 1);
      }
      block.push({ kind: 'shot', id, trim: null, omit: true });
    }
    // the block goes where the group's first item was (ignoring items removed above)
    items.splice(Math.min(first, items.length), 0, ...block);
  }
}

function describeChanges(
  storyboard: Storyboard,
  items: RewrittenItem[],
  order: string[],
): string[] {
  const changes: string[] = [];
  const before = cutEntries(storyboard);
  const was = new Map(before.map((e) => [e.id, e]));
  const shown = (n: number) => `${round(n)} s`;
  const playing = items.filter((i) => i.kind === 'reuse' || !i.omit).map((i) => i.id);
  const beforeOrder = before.map((e) => e.id);
  if (playing.join(' ') !== beforeOrder.filter((id) => playing.includes(id)).join(' ')) {
    changes.push(`order: ${beforeOrder.join(' ')} → ${playing.join(' ')}`);
  }
  // shots of a multi-shot group the edit moved apart: they play as reuse pieces now
  const cutApart = new Set(
    items.flatMap((i) => (i.kind === 'reuse' && i.takesEditFieldsOf ? [i.takesEditFieldsOf] : [])),
  );
  for (const item of items) {
    const old = was.get(item.id);
    if (item.kind === 'shot') {
      const shot = storyboard.shots.find((s) => s.id === item.id)!;
      if (item.omit && old && !cutApart.has(item.id))
        changes.push(`${item.id}: dropped from the cut (omit: true; its clip is kept)`);
      else if (!item.omit && !old) changes.push(`${item.id}: back in the cut`);
      if (!item.omit) {
        const from = shot.edit?.trim ?? null;
        const same =
          (from === null && item.trim === null) ||
          (from !== null &&
            item.trim !== null &&
            Math.abs(from.in - item.trim.in) < 1e-6 &&
            Math.abs(from.out - item.trim.out) < 1e-6);
        if (!same) {
          changes.push(
            item.trim
              ? `${item.id}: trim ${shown(item.trim.in)} to ${shown(item.trim.out)} of its ${shown(shot.duration)} clip`
              : `${item.id}: the whole clip (trim removed)`,
          );
        }
      }
    } else if (item.added) {
      changes.push(
        item.takesEditFieldsOf
          ? `${item.id}: ${item.shot}'s piece (${shown(item.duration)} from ${shown(item.in)}), as a reuse shot: the edit moves ${item.shot}'s multi-shot group apart, so its shots stay together as generated (omitted) and play as pieces`
          : `${item.id}: new reuse shot, ${shown(item.duration)} of ${item.shot}'s clip from ${shown(item.in)}`,
      );
    } else if (
      old &&
      (Math.abs(old.in - item.in) > 1e-6 || Math.abs(old.seconds - item.duration) > 1e-6)
    ) {
      changes.push(
        `${item.id}: ${shown(item.duration)} of ${item.shot}'s clip from ${shown(item.in)}`,
      );
    }
  }
  for (const id of order) {
    if (!items.some((i) => i.id === id))
      changes.push(`${id}: reuse shot removed (not in the edit)`);
  }
  return changes;
}
