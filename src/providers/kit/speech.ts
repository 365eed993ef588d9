/**
 * What a text-to-speech adapter is asked and answers (providers/speech.ts calls one per
 * vendor): the text, the provider's model and voice, the delivery notes; the audio bytes and
 * the file extension they are written under.
 */
export interface SpeechRequest {
  /** the provider's own model id */
  modelId: string;
  voice: string;
  text: string;
  /** how the lines are delivered, where the model takes instructions */
  notes?: string;
  signal?: AbortSignal;
}

export interface SpeechReply {
  audio: Uint8Array;
  /** `.wav`, `.mp3`: what the bytes are */
  ext: string;
}

/** 16-bit little-endian PCM as a WAV file (what an API answering with raw samples needs). */
export function pcmToWav(pcm: Uint8Array, sampleRate: number, channels = 1): Uint8Array {
  const header = Buffer.alloc(44);
  const byteRate = sampleRate * channels * 2;
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channels, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(byteRate, 28);
  header.writeUInt16LE(channels * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
