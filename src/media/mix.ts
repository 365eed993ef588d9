/**
 * The soundtrack of a joined cut: its own sound, voices (narration, dialogue) placed in time,
 * and music beds, mixed into one stereo track and set to the loudness target over the whole
 * programme. Only the sound is encoded; the picture is stream-copied.
 *
 * Beds under a voice are ducked by a side-chain compressor keyed by the voices, so the music
 * drops while someone speaks and comes back after, without anyone drawing volume curves. Every
 * branch is padded or cut to the picture's exact sample count, so sound and picture stay in sync
 * to the sample, as the join leaves them.
 */
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { codecOfProbeName, containerArgs, encodingFor } from './encoding.ts';
import { localFile, runFfmpeg } from './ffmpeg.ts';
import { withTempDir, writeAtomically } from './files.ts';
import { loudnessFilter, loudnessProblem } from './loudness.ts';
import { type AudioInfo, probe, probeAudio } from './probe.ts';
import { AUDIO_RATE } from './rate.ts';

/** A spoken line: its sound file placed at `at` seconds into the cut. */
export interface VoiceClip {
  file: string;
  at: number;
  shotId: string;
  speaker: string;
  kind: 'narration' | 'dialogue';
}

/**
 * Music under the cut: the file from `offset` seconds in, played from `at` to `until` seconds
 * of the cut (or until the file ends), `gainDb` louder or quieter, ducked under voices when
 * `duck`.
 */
export interface MusicBed {
  file: string;
  at: number;
  until: number;
  offset: number;
  gainDb: number;
  duck: boolean;
  /** seconds of fade at its end (default BED_FADE_SECONDS), e.g. a track trimmed to the cut */
  fadeOut?: number;
}

export interface MixOptions {
  /** the joined cut, with or without its own sound */
  input: string;
  output: string;
  voices: VoiceClip[];
  music: MusicBed[];
  /** EBU R128 integrated loudness of the whole result, LUFS (see loudness.ts) */
  loudnessLufs?: number;
  /** container tags of the result (the cut's own are not carried over) */
  tags?: Record<string, string>;
  signal?: AbortSignal;
}

/** A bed fades in and out over this long (or a quarter of its length, when shorter). */
export const BED_FADE_SECONDS = 0.3;

/**
 * Side-chain settings: a voice above -40 dBFS (threshold 0.01) pulls the bed down by most of
 * its excess (ratio 8; a voice at -20 dBFS lowers it by about 17 dB), reacting within 20 ms and
 * letting the bed back over 400 ms so it does not pump between words.
 */
const DUCK = 'sidechaincompress=threshold=0.01:ratio=8:attack=20:release=400:knee=2.8';

const STEREO = `aformat=sample_fmts=fltp:sample_rates=${AUDIO_RATE}:channel_layouts=stereo`;

export async function mixSoundtrack(opts: MixOptions): Promise<void> {
  const { signal } = opts;
  const loudness = loudnessProblem(opts.loudnessLufs);
  if (loudness !== null) throw new ShotrouterError('media_failed', `cannot mix: ${loudness}`);
  opts.voices.forEach(checkVoice);
  opts.music.forEach(checkBed);
  const cut = await probe(opts.input, signal);
  const codec = codecOfProbeName(cut.videoCodec);
  if (codec === undefined) {
    throw new ShotrouterError(
      'media_failed',
      `cannot mix the sound of ${opts.input}: its picture is ${cut.videoCodec}, not one of the codecs the cut is written in`,
    );
  }
  const encoding = encodingFor(codec, opts.output);
  const samples = Math.round(cut.durationSeconds * AUDIO_RATE);
  // every file is read before the long work: a missing or silent one fails at once, named
  const [, bedInfos] = await Promise.all([
    Promise.all(opts.voices.map((v) => probeAudio(v.file, signal))),
    Promise.all(opts.music.map((m) => probeAudio(m.file, signal))),
  ]);
  const sound = soundGraph(opts, cut.hasAudio, samples, bedInfos);
  const mediaSeconds = cut.durationSeconds * (2 + opts.voices.length + opts.music.length);
  const picture = ['-map', '0:v:0', '-c:v', 'copy'];
  const audioOut = [...encoding.audioArgs, '-ar', String(AUDIO_RATE), '-ac', '2'];
  const exact = `apad=whole_len=${samples},atrim=end_sample=${samples}`;

  await withTempDir(async (dir) => {
    let args: string[];
    if (opts.loudnessLufs === undefined) {
      args = [
        ...['-i', localFile(opts.input), ...sound.inputs],
        ...['-filter_complex', sound.graph, ...picture, '-map', '[mix]', ...audioOut],
      ];
    } else {
      // one pass measures the mix and keeps it; the second sets its level beside the picture
      const kept = path.join(dir, 'mix.wav');
      const gain = await loudnessFilter(
        ['-vn', '-sn', '-dn', '-i', localFile(opts.input), ...sound.inputs],
        sound.graph,
        'mix',
        opts.loudnessLufs,
        signal,
        kept,
      );
      // loudnorm works at 192 kHz: back to the cut's rate and its exact sample count
      const level = gain === undefined ? '' : `${gain},aresample=${AUDIO_RATE},`;
      args = [
        ...['-i', localFile(opts.input), '-i', kept],
        ...['-filter_complex', `[1:a:0]${level}${exact}[mix]`, ...picture, '-map', '[mix]'],
        ...audioOut,
      ];
    }
    await writeAtomically(opts.output, (temporary) =>
      runFfmpeg([...args, ...containerArgs(opts.tags), '-y', temporary], {
        signal,
        mediaSeconds,
      }),
    );
  });
}

/**
 * The filter graph that mixes the cut's sound (input 0), the voices and the beds into `[mix]`,
 * `samples` long; its extra inputs are numbered from 1.
 */
function soundGraph(
  opts: MixOptions,
  cutHasAudio: boolean,
  samples: number,
  bedInfos: AudioInfo[],
): { inputs: string[]; graph: string } {
  const exact = `apad=whole_len=${samples},atrim=end_sample=${samples}`;
  const inputs: string[] = [];
  const chains: string[] = [];
  let next = 1;
  const input = (file: string) => {
    inputs.push('-vn', '-sn', '-dn', '-i', localFile(file));
    return next++;
  };
  const delay = (seconds: number) => `adelay=delays=${Math.round(seconds * AUDIO_RATE)}S:all=1`;

  chains.push(
    cutHasAudio
      ? `[0:a:0]aresample=${AUDIO_RATE}:async=1:first_pts=0,${STEREO},${exact}[cut]`
      : `anullsrc=r=${AUDIO_RATE}:cl=stereo,${STEREO},atrim=end_sample=${samples}[cut]`,
  );
  const mixed = ['[cut]'];

  const voiceLabels = opts.voices.map((voice, i) => {
    const n = input(voice.file);
    chains.push(`[${n}:a:0]asetpts=PTS-STARTPTS,${STEREO},${delay(voice.at)},${exact}[v${i}]`);
    return `[v${i}]`;
  });
  const ducking = voiceLabels.length > 0 && opts.music.some((bed) => bed.duck);
  if (voiceLabels.length > 0) {
    chains.push(sum(voiceLabels, ducking ? 'voices' : 'voice'));
    if (ducking) chains.push('[voices]asplit=2[voice][key]');
    mixed.push('[voice]');
  }

  const ducked: string[] = [];
  const plain: string[] = [];
  opts.music.forEach((bed, i) => {
    const info = bedInfos[i]!;
    const plays = Math.min(bed.until - bed.at, info.durationSeconds - bed.offset);
    if (plays <= 0) {
      throw new ShotrouterError(
        'media_failed',
        `music ${bed.file} lasts ${info.durationSeconds.toFixed(2)} s; an offset of ${bed.offset} s leaves nothing to play`,
      );
    }
    const fade = Math.min(BED_FADE_SECONDS, plays / 4);
    const fadeOut = Math.min(bed.fadeOut ?? BED_FADE_SECONDS, plays / 2);
    const n = input(bed.file);
    chains.push(
      `[${n}:a:0]atrim=start=${bed.offset}:duration=${plays},asetpts=PTS-STARTPTS,${STEREO},` +
        `volume=${bed.gainDb}dB,afade=t=in:d=${fade},` +
        `afade=t=out:st=${Math.max(0, plays - fadeOut)}:d=${fadeOut},${delay(bed.at)},${exact}[m${i}]`,
    );
    (bed.duck && ducking ? ducked : plain).push(`[m${i}]`);
  });
  if (ducked.length > 0) {
    chains.push(sum(ducked, 'beds'), `[beds][key]${DUCK}[ducked]`);
    mixed.push('[ducked]');
  }
  mixed.push(...plain);
  chains.push(
    mixed.length === 1
      ? `${mixed[0]}anull[mix]`
      : `${mixed.join('')}amix=inputs=${mixed.length}:normalize=0:duration=first,${exact}[mix]`,
  );
  return { inputs, graph: chains.join(';') };
}

/** The labels summed (not averaged: each keeps its level) into `[out]`. */
function sum(labels: string[], out: string): string {
  return labels.length === 1
    ? `${labels[0]}anull[${out}]`
    : `${labels.join('')}amix=inputs=${labels.length}:normalize=0:duration=longest[${out}]`;
}

function checkVoice(voice: VoiceClip): void {
  if (!(Number.isFinite(voice.at) && voice.at >= 0)) {
    throw new ShotrouterError(
      'media_failed',
      `voice ${voice.file} (shot ${voice.shotId}) must start at 0 s or later, got ${voice.at}`,
    );
  }
}

function checkBed(bed: MusicBed): void {
  const problem = !(Number.isFinite(bed.at) && bed.at >= 0)
    ? `must start at 0 s or later, got ${bed.at}`
    : !(Number.isFinite(bed.until) && bed.until > bed.at)
      ? `must end after it starts (${bed.at} s), got ${bed.until}`
      : !(Number.isFinite(bed.offset) && bed.offset >= 0)
        ? `offset must be 0 s or more, got ${bed.offset}`
        : !(Number.isFinite(bed.gainDb) && Math.abs(bed.gainDb) <= 60)
          ? `gain must be between -60 and 60 dB, got ${bed.gainDb}`
          : bed.fadeOut !== undefined && !(Number.isFinite(bed.fadeOut) && bed.fadeOut >= 0)
            ? `fadeOut must be 0 s or more, got ${bed.fadeOut}`
            : null;
  if (problem !== null) {
    throw new ShotrouterError('media_failed', `music ${bed.file}: ${problem}`);
  }
}
