/**
 * Speech made on this machine: ffmpeg's `flite` source reads text with a plain voice, for the
 * free preview (no network, no cost), and the length of any speech file, which is what a
 * `duration: auto` shot is timed by.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import { filterValue, localFile, runFfmpeg, runFfprobe } from './ffmpeg.ts';
import { withTempDir, writeAtomically } from './files.ts';
import { AUDIO_RATE } from './rate.ts';

/** flite's voices built into Debian's ffmpeg; `slt` is the clearest of them. */
export const FLITE_VOICES = ['slt', 'kal', 'kal16', 'awb', 'rms'] as const;
export type FliteVoice = (typeof FLITE_VOICES)[number];

export interface LocalSpeechOptions {
  text: string;
  /** a WAV file; written whole or not at all */
  output: string;
  voice?: FliteVoice;
  signal?: AbortSignal;
}

/** Reads `text` with flite into `output` (WAV, the cut's sample rate, stereo); its seconds. */
export async function speakLocally(opts: LocalSpeechOptions): Promise<number> {
  const text = opts.text.trim();
  if (text === '') throw new ShotrouterError('media_failed', 'no text to speak');
  await withTempDir(async (dir) => {
    // a file, so that no character of the text can reach the filter graph's syntax
    const file = path.join(dir, 'narration.txt');
    await writeFile(file, `${text}\n`);
    const source = `flite=textfile=${filterValue(localFile(file))}:voice=${opts.voice ?? 'slt'}`;
    await writeAtomically(opts.output, (temporary) =>
      runFfmpeg(
        [
          ...['-f', 'lavfi', '-i', source],
          ...['-ar', String(AUDIO_RATE), '-ac', '2', '-c:a', 'pcm_s16le', '-y', temporary],
        ],
        opts.signal ? { signal: opts.signal } : {},
      ),
    );
  });
  return audioSeconds(opts.output, opts.signal);
}

/** Seconds of sound in an audio file (its first audio stream, else the container's length). */
export async function audioSeconds(file: string, signal?: AbortSignal): Promise<number> {
  const out = await runFfprobe(
    [
      ...['-select_streams', 'a:0'],
      ...['-show_entries', 'stream=duration:format=duration', '-of', 'json', localFile(file)],
    ],
    signal ? { signal } : {},
  );
  const parsed = JSON.parse(out) as {
    streams?: Array<{ duration?: string }>;
    format?: { duration?: string };
  };
  const seconds = Number.parseFloat(
    parsed.streams?.[0]?.duration ?? parsed.format?.duration ?? 'NaN',
  );
  if (!Number.isFinite(seconds) || seconds <= 0) {
    throw new ShotrouterError('media_failed', `${file} holds no sound whose length can be read`);
  }
  return seconds;
}
