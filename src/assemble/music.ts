/**
 * The storyboard's `music` and `soundtrack` on the cut's timeline: each bed from the first frame
 * of its `from` shot to the last frame of its `to` shot, frame-exact, as the edit places the
 * shots (transitions that overlap shorten the cut; omitted shots play nowhere).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidInputError, type Problem, ShotrouterError } from '../errors.ts';
import { type MusicBed, probeAudio } from '../media/index.ts';
import { cutEntries } from '../storyboard/edit.ts';
import type { Position, Storyboard } from '../storyboard/types.ts';
import type { AudioClip, AudioTrack } from '../timeline/index.ts';
import { placeEntries } from './edit-cut.ts';
import type { AudioReport } from './report.ts';
import { shotAudioRole } from './timelines.ts';

/** Where each shot of the cut plays, seconds from the cut's start, and the cut's length. */
export function cutTimes(
  storyboard: Pick<Storyboard, 'shots' | 'reuses'>,
  fps: number,
): { shots: Map<string, { start: number; end: number }>; seconds: number } {
  // only the timing is wanted here, not the clips
  const noSource = { clip: '', seconds: 0, tags: {} };
  const { placed, seconds } = placeEntries(cutEntries(storyboard), () => noSource, fps);
  return {
    shots: new Map(placed.map((p) => [p.entry.id, { start: p.start, end: p.start + p.seconds }])),
    seconds,
  };
}

/** Seconds over which a soundtrack trimmed to the cut (`fit: trim_track`) fades out. */
export const TRIMMED_TRACK_FADE = 2;

/** A music bed as it sits under the cut, with the storyboard field it comes from. */
export interface PlacedBed extends MusicBed {
  /** `music[0]`, `soundtrack` */
  field: string;
}

/** The storyboard's beds (`music`, then `soundtrack`) placed on the cut. */
export function musicBeds(storyboard: Storyboard, fps: number): PlacedBed[] {
  const music = storyboard.music ?? [];
  if (music.length === 0 && storyboard.soundtrack === undefined) return [];
  const times = cutTimes(storyboard, fps);
  const beds: PlacedBed[] = music.map((cue, i) => ({
    field: `music[${i}]`,
    file: cue.path,
    at: cue.from === undefined ? 0 : times.shots.get(cue.from)!.start,
    until: cue.to === undefined ? times.seconds : times.shots.get(cue.to)!.end,
    offset: 0,
    gainDb: cue.gainDb,
    duck: cue.duck,
  }));
  if (storyboard.soundtrack !== undefined) {
    beds.push({
      field: 'soundtrack',
      file: storyboard.soundtrack.path,
      at: 0,
      until: times.seconds,
      offset: 0,
      gainDb: 0,
      duck: true,
      // trim_track: the track leaves gently where the cut ends; otherwise it stops there
      ...(storyboard.soundtrack.fit === 'trim_track' ? { fadeOut: TRIMMED_TRACK_FADE } : {}),
    });
  }
  return beds;
}

/**
 * Decodes the head of every sound file the storyboard names (with ffprobe) and returns their
 * lengths by path; a missing file, or one that holds no sound, is a storyboard problem at its
 * field. Runs before anything is spent, and again before the mix.
 */
export async function checkSoundFiles(
  storyboard: Storyboard,
  signal?: AbortSignal,
): Promise<Map<string, number>> {
  const named: Array<{ field: string; spec: string; file: string; position: Position }> = [
    ...(storyboard.music ?? []).map((cue, i) => ({
      field: `music[${i}].file`,
      spec: cue.spec,
      file: cue.path,
      position: cue.position,
    })),
    ...(storyboard.soundtrack
      ? [
          {
            field: 'soundtrack.file',
            spec: storyboard.soundtrack.spec,
            file: storyboard.soundtrack.path,
            position: storyboard.soundtrack.position,
          },
        ]
      : []),
  ];
  const seconds = new Map<string, number>();
  const problems: Problem[] = [];
  await Promise.all(
    named.map(async ({ field, spec, file, position }) => {
      try {
        seconds.set(file, (await probeAudio(file, signal)).durationSeconds);
      } catch (error) {
        const unreadable = (error as ShotrouterError).details as { reason?: string } | undefined;
        if (!ShotrouterError.is(error) || unreadable?.reason !== 'unreadable') throw error;
        problems.push({
          file: storyboard.file,
          ...position,
          path: field,
          message: error.message.startsWith(`${file} `)
            ? `${error.message.slice(file.length + 1)}`
            : error.message,
          expected: 'a sound file ffmpeg can decode (e.g. .m4a, .mp3, .wav, .flac)',
          found: `'${spec}' (${file})`,
        });
      }
    }),
  );
  if (problems.length > 0) {
    problems.sort((a, b) => a.line - b.line || a.col - b.col);
    throw new InvalidInputError('invalid_storyboard', problems);
  }
  return seconds;
}

/** The run folder's copy of the sound files the mix used, where timelines and packages find them. */
export const AUDIO_DIR = 'audio';

/**
 * Copies each bed's file into the run folder's `audio/` (named by its field, so two beds from
 * files of one name stay apart); returns each copy relative to the run folder.
 */
export function keepSoundFiles(dir: string, beds: readonly PlacedBed[]): string[] {
  const folder = path.join(dir, AUDIO_DIR);
  const kept = beds.map((bed) => {
    const name = `${bed.field.replace(/\W+/g, '-').replace(/-$/, '')}-${path.basename(bed.file)}`;
    fs.mkdirSync(folder, { recursive: true });
    fs.copyFileSync(bed.file, path.join(folder, name));
    return name;
  });
  // a bed the storyboard no longer has leaves no copy behind (voices' files are not ours)
  const names = fs.existsSync(folder) ? fs.readdirSync(folder) : [];
  for (const name of names) {
    if (/^(music|soundtrack)-/.test(name) && !kept.includes(name)) {
      fs.rmSync(path.join(folder, name), { force: true });
    }
  }
  return kept.map((name) => path.posix.join(AUDIO_DIR, name));
}

/** The beds as timeline tracks: `music` beds on `music`, the soundtrack on `soundtrack`. */
export function bedTracks(
  beds: readonly PlacedBed[],
  files: readonly string[],
  fileSeconds: ReadonlyMap<string, number>,
): AudioTrack[] {
  const tracks: AudioTrack[] = [];
  beds.forEach((bed, i) => {
    const media = fileSeconds.get(bed.file);
    placeOnTracks(tracks, bed.field === 'soundtrack' ? 'soundtrack' : 'music', 'music', {
      name: path.basename(bed.file).replace(/\.[^.]+$/, ''),
      file: files[i]!,
      at: bed.at,
      sourceStart: bed.offset,
      duration: Math.min(bed.until - bed.at, (media ?? Infinity) - bed.offset),
      ...(media === undefined ? {} : { mediaDuration: media }),
      source: 'music',
      gainDb: bed.gainDb,
      ducked: bed.duck,
    });
  });
  return tracks;
}

/**
 * Puts `clip` on the first track named `kind` (`kind`, `kind 2`, …) where it overlaps nothing,
 * or on a new one: sounds of one kind share a track until two play at once. For music beds, and
 * for narration and dialogue voices alike.
 */
export function placeOnTracks(
  tracks: AudioTrack[],
  kind: string,
  role: AudioTrack['role'],
  clip: AudioClip,
): void {
  const ofKind = tracks.filter((t) => t.name === kind || t.name.startsWith(`${kind} `));
  let track = ofKind.find((t) =>
    t.clips.every((c) => c.at + c.duration <= clip.at || clip.at + clip.duration <= c.at),
  );
  if (track === undefined) {
    track = { name: ofKind.length === 0 ? kind : `${kind} ${ofKind.length + 1}`, role, clips: [] };
    tracks.push(track);
  }
  track.clips.push(clip);
  track.clips.sort((a, b) => a.at - b.at);
}

/** The mix for report.json: its tracks, and what plays under each shot of the cut. */
export function audioReport(
  storyboard: Storyboard,
  fps: number,
  tracks: readonly AudioTrack[],
  loudness: number,
): AudioReport {
  const times = cutTimes(storyboard, fps);
  const byId = new Map(storyboard.shots.map((s) => [s.id, s]));
  const reuseOf = new Map((storyboard.reuses ?? []).map((r) => [r.id, r.reuse.shot]));
  return {
    loudness_lufs: loudness,
    tracks: tracks.map((t) => ({
      name: t.name,
      role: t.role,
      sounds: t.clips.map((c) => ({
        name: c.name,
        file: c.file,
        source: c.source,
        start: round3(c.at),
        seconds: round3(c.duration),
        gain_db: c.gainDb,
        ducked: c.ducked,
      })),
    })),
    shots: [...times.shots].map(([id, { start, end }]) => {
      const shot = byId.get(id) ?? byId.get(reuseOf.get(id) ?? '');
      const own = shot !== undefined && shotAudioRole(shot) !== null ? ['clip'] : [];
      const under = tracks
        .filter((t) => t.clips.some((c) => c.at < end && c.at + c.duration > start))
        .map((t) => t.name);
      return { id, sources: [...own, ...under] };
    }),
  };
}

const round3 = (n: number) => Math.round(n * 1000) / 1000;
