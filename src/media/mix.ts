/**
 * The cut's soundtrack: the joined cut's own sound with the voices (narration, dialogue) laid
 * over it at their places, set to the loudness target over the whole; the picture is copied.
 *
 * This is the narration branch's minimal version: it mixes `voices` and ignores `music` (the
 * music bed's mixing, with ducking, is another part's, behind this same interface).
 */
import { ShotrouterError } from '../errors.ts';
import { codecOfProbeName, containerArgs, encodingFor } from './encoding.ts';
import { localFile, runFfmpeg } from './ffmpeg.ts';
import { writeAtomically } from './files.ts';
import { loudnessFilter, loudnessProblem } from './loudness.ts';
import { probe } from './probe.ts';
import { AUDIO_RATE } from './rate.ts';

export interface VoiceClip {
  file: string;
  /** seconds on the cut's timeline where the clip starts */
  at: number;
  shotId: string;
  speaker: string;
  kind: 'narration' | 'dialogue';
}

export interface MusicBed {
  file: string;
  at: number;
  until: number;
  offset: number;
  gainDb: number;
  duck: boolean;
}

export async function mixSoundtrack(opts: {
  input: string;
  output: string;
  voices: VoiceClip[];
  music: MusicBed[];
  loudnessLufs?: number;
  tags?: Record<string, string>;
  signal?: AbortSignal;
}): Promise<void> {
  const loudness = loudnessProblem(opts.loudnessLufs);
  if (loudness !== null) throw new ShotrouterError('media_failed', `cannot mix: ${loudness}`);
  const info = await probe(opts.input, opts.signal);
  const codec = codecOfProbeName(info.videoCodec);
  if (codec === undefined) {
    throw new ShotrouterError(
      'media_failed',
      `cannot mix the soundtrack of ${opts.input}: its picture (${info.videoCodec}) is not one the cut is made in`,
    );
  }
  const seconds = info.durationSeconds;
  // the sound ends with the picture, to the sample
  const total = Math.round(seconds * AUDIO_RATE);
  const voices = opts.voices.filter((v) => v.at < seconds);
  const inputs = ['-i', localFile(opts.input)];
  for (const voice of voices) inputs.push('-i', localFile(voice.file));
  const format = `aresample=${AUDIO_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo`;
  const parts = [
    info.hasAudio
      ? `[0:a]${format}[base]`
      : `aevalsrc=0:s=${AUDIO_RATE}:c=stereo:d=${seconds.toFixed(6)},aformat=sample_fmts=fltp[base]`,
  ];
  voices.forEach((voice, i) => {
    const delay = Math.max(0, Math.round(voice.at * 1000));
    parts.push(`[${i + 1}:a]${format},adelay=delays=${delay}:all=1[v${i}]`);
  });
  const labels = ['[base]', ...voices.map((_, i) => `[v${i}]`)].join('');
  // normalize=0: each voice keeps its level (amix would otherwise divide by the input count)
  parts.push(
    voices.length === 0
      ? '[base]anull[mixed]'
      : `${labels}amix=inputs=${voices.length + 1}:duration=first:normalize=0[mixed]`,
  );
  const graph = parts.join(';');
  const gain =
    opts.loudnessLufs === undefined
      ? undefined
      : await loudnessFilter(inputs, graph, 'mixed', opts.loudnessLufs, opts.signal);
  const out =
    `${graph};[mixed]${gain === undefined ? 'anull' : gain},aresample=${AUDIO_RATE},` +
    `apad=whole_len=${total},atrim=end_sample=${total}[sound]`;
  const encoding = encodingFor(codec, opts.output);
  await writeAtomically(opts.output, (temporary) =>
    runFfmpeg(
      [
        ...inputs,
        ...['-filter_complex', out, '-map', '0:v:0', '-c:v', 'copy', '-map', '[sound]'],
        ...encoding.audioArgs,
        ...['-ar', String(AUDIO_RATE), '-ac', '2'],
        ...containerArgs(opts.tags),
        ...['-y', temporary],
      ],
      { ...(opts.signal ? { signal: opts.signal } : {}), mediaSeconds: seconds },
    ),
  );
}
