/**
 * A run's narration, made before any video is asked for: each narrated shot's text read by its
 * voice (a preview: flite, on this machine, free), kept in the run folder by the content it was
 * made from (so a re-run makes nothing again), and measured, so that a `duration: auto` shot asks
 * its model for the narration's real length. The list of what was made is written beside the
 * clips (`narration/narration.json`) for the assembly to lay the voices over the cut.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  NARRATION_DIR,
  NARRATION_LIST,
  type NarrationTake,
  readNarrationTakes,
} from '../assemble/index.ts';
import type { Catalog } from '../catalog/load.ts';
import type { TtsProviderId } from '../catalog/schema.ts';
import { ShotrouterError } from '../errors.ts';
import { audioSeconds, speakLocally } from '../media/index.ts';
import { SPEECH_ADAPTERS, synthesizeSpeech } from '../providers/speech.ts';
import { speechCostUsd } from '../router/speech.ts';
import type { Plan, SpeechStep } from '../router/types.ts';
import {
  hasNarration,
  VOICE_GAP_SECONDS,
  voiceLines,
  withNarrationSeconds,
} from '../storyboard/narration.ts';
import type { Storyboard } from '../storyboard/types.ts';
import { writeFileAtomicallySync } from '../util/atomic-write.ts';
import { writeTextAtomically } from '../util/write-text.ts';

/** What one narration is read with: its cache key is made of these and the text. */
export interface NarrationVoice {
  /** `flite:slt`, or `<catalog model>:<provider>:<voice>` */
  id: string;
  /** what else changes the audio (the delivery notes); part of the cache key */
  notes?: string;
  /**
   * reads `text` into `output` (audio the cut can mix), written whole or not at all; resolves
   * with what it cost (USD at list price) once the file is there
   */
  speak(text: string, output: string, signal?: AbortSignal): Promise<number>;
  /** the output file's extension */
  ext: string;
}

/** The preview's voice: flite's `slt`, on this machine. */
export const PREVIEW_VOICE: NarrationVoice = {
  id: 'flite:slt',
  ext: '.wav',
  async speak(text, output, signal) {
    await speakLocally({ text, output, voice: 'slt', ...(signal ? { signal } : {}) });
    return 0;
  },
};

/**
 * The voices the plan chose (`plan.speech`), bought through the TTS adapters: each speaker's
 * model, route and voice as the plan states them, with the storyboard's delivery notes.
 */
export function plannedVoices(
  plan: Plan,
  storyboard: Storyboard,
  catalog: Catalog,
  env: Record<string, string | undefined>,
): Map<string, NarrationVoice> {
  const voices = new Map<string, NarrationVoice>();
  for (const step of plan.speech ?? []) {
    if (voices.has(step.speaker)) continue;
    const card = catalog.voicesById.get(step.model);
    const route = card?.routes.find((r) => r.provider === step.provider);
    const adapter = SPEECH_ADAPTERS[step.provider as TtsProviderId];
    if (card === undefined || route === undefined || adapter === undefined) {
      throw new ShotrouterError(
        'unsatisfiable',
        `the plan reads ${step.speaker}'s narration with ${step.model} on ${step.provider}, which this build cannot call: name another voice model under voices.${step.speaker}`,
      );
    }
    const notes = storyboard.voices?.[step.speaker]?.notes;
    voices.set(step.speaker, {
      ...voiceKey(step, storyboard, adapter.ext),
      async speak(text, output, signal) {
        const reply = await synthesizeSpeech({
          card,
          route,
          voice: step.voice,
          text,
          ...(notes !== undefined ? { notes } : {}),
          adapter: { env },
          ...(signal ? { signal } : {}),
        });
        // a paid result: on disk whole and flushed before anything else happens
        writeFileAtomicallySync(output, reply.audio, 0o644);
        const seconds = await audioSeconds(output, signal);
        return speechCostUsd(route.price.value, [...text].length, seconds);
      },
    });
  }
  return voices;
}

/** What names a voice's files: the model, provider and voice, the notes, the extension. */
type VoiceKey = Pick<NarrationVoice, 'id' | 'notes' | 'ext'>;

function voiceKey(step: SpeechStep, storyboard: Storyboard, ext: string): VoiceKey {
  const notes = storyboard.voices?.[step.speaker]?.notes;
  return {
    id: `${step.model}:${step.provider}:${step.voice}`,
    ...(notes !== undefined ? { notes } : {}),
    ext,
  };
}

/** The file a shot's narration is kept in, by what it was made from (so it is made once). */
export function narrationFile(text: string, voice: VoiceKey): string {
  const key = createHash('sha256')
    .update(JSON.stringify([voice.id, voice.notes ?? null, text]))
    .digest('hex')
    .slice(0, 32);
  return path.join(NARRATION_DIR, `${key}${voice.ext}`);
}

/** USD still to spend on narration not yet made in `dir`, by the plan's list prices. */
export function narrationToBuy(
  plan: Plan,
  storyboard: Storyboard,
  dir: string,
): { usd: number; steps: number; made: number } {
  const texts = new Map(voiceLines(storyboard).map((l) => [lineKey(l), l.text]));
  let usd = 0;
  let steps = 0;
  let made = 0;
  for (const step of plan.speech ?? []) {
    const text = texts.get(lineKey(step));
    const ext = SPEECH_ADAPTERS[step.provider as TtsProviderId]?.ext;
    if (text === undefined || ext === undefined) continue;
    const voice = voiceKey(step, storyboard, ext);
    if (fs.existsSync(path.join(dir, narrationFile(text, voice)))) made += 1;
    else {
      usd += step.cost_usd;
      steps += 1;
    }
  }
  return { usd, steps, made };
}

/**
 * Makes (or finds, from an earlier run in the folder) every shot's narration, writes the list,
 * and returns the storyboard with its `duration: auto` shots timed by what was made.
 */
export async function narrate(
  storyboard: Storyboard,
  dir: string,
  voiceOf: (speaker: string) => NarrationVoice,
  signal?: AbortSignal,
): Promise<{ storyboard: Storyboard; takes: NarrationTake[] }> {
  if (!hasNarration(storyboard)) return { storyboard, takes: [] };
  const folder = path.join(dir, NARRATION_DIR);
  fs.mkdirSync(folder, { recursive: true });
  // what earlier runs paid for the files they made stays on record
  const paid = new Map(readNarrationTakes(dir).map((t) => [t.file, t.cost_usd ?? 0]));
  const takes: NarrationTake[] = [];
  // seconds of speech (and the gaps between lines) each shot holds so far
  const held = new Map<string, number>();
  for (const line of voiceLines(storyboard)) {
    const voice = voiceOf(line.speaker);
    const file = narrationFile(line.text, voice);
    const output = path.join(dir, file);
    // made before by this folder's runs: the same text and voice are never bought twice
    const costUsd = fs.existsSync(output)
      ? (paid.get(file) ?? 0)
      : await voice.speak(line.text, output, signal);
    const seconds = await audioSeconds(output, signal);
    const before = held.get(line.shot);
    const offset = before === undefined ? 0 : before + VOICE_GAP_SECONDS;
    held.set(line.shot, offset + seconds);
    takes.push({
      shot: line.shot,
      kind: line.kind,
      ...(line.line !== undefined ? { line: line.line } : {}),
      offset: Math.round(offset * 1000) / 1000,
      speaker: line.speaker,
      file,
      seconds,
      voice: voice.id,
      cost_usd: costUsd,
    });
    // the list is rewritten after each purchase, so a paid take is on record at once
    await writeList(folder, takes);
  }
  await writeList(folder, takes);
  return { storyboard: withNarrationSeconds(storyboard, held), takes };
}

/** A voice line's identity in a shot: its kind and, for dialogue, its index. */
function lineKey(line: { shot: string; kind: string; line?: number | undefined }): string {
  return `${line.shot}\n${line.kind}\n${line.line ?? ''}`;
}

async function writeList(folder: string, takes: readonly NarrationTake[]): Promise<void> {
  await writeTextAtomically(
    path.join(folder, NARRATION_LIST),
    `${JSON.stringify({ version: 1, takes }, null, 2)}\n`,
  );
}
