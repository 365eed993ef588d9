/**
 * The storyboard's `music` and `soundtrack` on the cut's timeline: each bed from the first frame
 * of its `from` shot to the last frame of its `to` shot, frame-exact, as the edit places the
 * shots (transitions that overlap shorten the cut; omitted shots play nowhere).
 */
import { InvalidInputError, type Problem, ShotrouterError } from '../errors.ts';
import { type MusicBed, probeAudio } from '../media/index.ts';
import { cutEntries } from '../storyboard/edit.ts';
import type { Position, Storyboard } from '../storyboard/types.ts';
import { placeEntries } from './edit-cut.ts';

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
