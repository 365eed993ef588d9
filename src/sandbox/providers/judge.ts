/**
 * The stand-in vision judge behind the Gemini `generateContent` and OpenAI `responses` routes
 * (./google.ts, ./openai.ts): it decodes the frames it is sent and answers deterministically,
 * so tests and rehearsals of `shotrouter qc --judge` cost nothing (docs/sandbox.md#judges).
 *
 * Its rules, first match wins:
 * 1. the prompt contains `SANDBOX_GARBLED`: the answer is prose, not the verdict JSON (a model
 *    ignoring its schema);
 * 2. the prompt contains `SANDBOX_NOT_SHOWN`: not shown, confidence 0.9;
 * 3. more than half of the frames are blank (nearly one flat shade, black included): not shown,
 *    confidence 0.95;
 * 4. otherwise shown, confidence 0.8 (it cannot read a picture, only tell one from nothing).
 *
 * Usage is reported as the real services count it, roughly: text at one token per four
 * characters, images at the provider's per-image figure (./google.ts, ./openai.ts say which).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runFfmpeg } from '../../media/ffmpeg.ts';
import { imageSize, sniffImage } from '../../util/image-size.ts';
import { invalid, json, type Reply, type SandboxRequest } from '../http.ts';
import { dataUriBytes, hexId, openaiModelNotFound } from './common.ts';
import { googleError } from './veo.ts';

/** The judge models each stand-in answers for: the catalog's judge routes (a test keeps them in step). */
export const SANDBOX_JUDGE_MODELS = {
  google: ['gemini-3.1-flash-lite', 'gemini-3.5-flash'],
  openai: ['gpt-5.4-mini'],
} as const;

/** Input tokens per image: Gemini 3 at low media resolution, else at its default (high). */
const GEMINI_IMAGE_TOKENS = { low: 280, high: 1120 } as const;

/** Prompt markers the tests and rehearsals use (docs/sandbox.md#judges). */
export const JUDGE_MARKERS = {
  notShown: 'SANDBOX_NOT_SHOWN',
  garbled: 'SANDBOX_GARBLED',
} as const;

/**
 * A frame whose luma varies less than this (standard deviation, 0–255, at 32 × 18) is blank.
 * Measured: a flat field with film grain 1.2, the QC recipes' night scene (testsrc2 at a tenth
 * of its brightness) 6.4; black 0.
 */
const BLANK_STDDEV = 3;

/** Frames are measured at this size: enough to tell a picture from a flat field. */
const MEASURE = { width: 32, height: 18 };

export interface JudgeAnswer {
  /** the text the model writes: the verdict JSON, or prose for the garbled marker */
  text: string;
  outputTokens: number;
}

/** The stand-in's answer to a prompt and its JPEG or PNG frames (the request's text and images). */
export async function judgeFrames(
  text: string,
  frames: readonly Uint8Array[],
): Promise<JudgeAnswer> {
  if (frames.length === 0) throw invalid('the request carries no image to judge');
  for (const frame of frames) {
    const ext = sniffImage(frame)?.ext;
    if (ext !== 'jpg' && ext !== 'png') throw invalid('an image part is not a JPEG or PNG');
  }
  if (text.includes(JUDGE_MARKERS.garbled)) {
    return answer('Looking at these frames, I would say the clip mostly matches the prompt.');
  }
  if (text.includes(JUDGE_MARKERS.notShown)) {
    return verdict(false, 0.9, `the sandbox judge was told to refuse (${JUDGE_MARKERS.notShown})`);
  }
  const blank = (await Promise.all(frames.map(isBlank))).filter(Boolean).length;
  if (blank * 2 > frames.length) {
    return verdict(
      false,
      0.95,
      `${blank} of ${frames.length} frames are blank (one flat shade): nothing of the prompt is visible`,
    );
  }
  return verdict(
    true,
    0.8,
    `${frames.length - blank} of ${frames.length} frames show a picture; the sandbox judge takes it for the prompt`,
  );
}

/** Text tokens as both services roughly count them: a token per four characters. */
export function textTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function verdict(shows: boolean, confidence: number, reason: string): JudgeAnswer {
  return answer(JSON.stringify({ shows_prompt: shows, confidence, reason }));
}

function answer(text: string): JudgeAnswer {
  return { text, outputTokens: textTokens(text) };
}

/** Decodes the frame small and grey and measures how much its luma varies. */
async function isBlank(frame: Uint8Array): Promise<boolean> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sandbox-judge-'));
  try {
    const input = path.join(dir, 'frame');
    const output = path.join(dir, 'frame.gray');
    await writeFile(input, frame);
    await runFfmpeg([
      ...['-i', input, '-vf', `scale=${MEASURE.width}:${MEASURE.height},format=gray`],
      ...['-f', 'rawvideo', '-frames:v', '1', '-y', output],
    ]);
    const pixels = await readFile(output);
    if (pixels.length === 0) return true;
    let sum = 0;
    for (const p of pixels) sum += p;
    const mean = sum / pixels.length;
    let squares = 0;
    for (const p of pixels) squares += (p - mean) ** 2;
    return Math.sqrt(squares / pixels.length) < BLANK_STDDEV;
  } catch {
    throw invalid('an image part could not be decoded');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The wire shapes

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/**
 * Gemini API `POST /v1beta/models/{model}:generateContent`: text parts and `inlineData` images
 * from `contents`, the answer as one candidate's text part, `usageMetadata` with prompt and
 * candidate tokens. Images count 280 tokens at `mediaResolution: MEDIA_RESOLUTION_LOW`, else
 * 1120.
 */
export async function geminiGenerateContent(req: SandboxRequest, modelId: string): Promise<Reply> {
  if (!(SANDBOX_JUDGE_MODELS.google as readonly string[]).includes(modelId)) {
    return googleError(
      404,
      'NOT_FOUND',
      `models/${modelId} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`,
    );
  }
  const body = await req.json();
  const contents = list(body.contents);
  if (contents.length === 0)
    throw invalid('* GenerateContentRequest.contents: contents is not specified', 'contents');
  let text = list(record(body.systemInstruction)?.parts)
    .map((part) => String(record(part)?.text ?? ''))
    .join('');
  const frames: Uint8Array[] = [];
  for (const content of contents) {
    for (const part of list(record(content)?.parts)) {
      const fields = record(part) ?? {};
      if (typeof fields.text === 'string') text += fields.text;
      const inline = record(fields.inlineData);
      if (inline !== undefined) {
        if (typeof inline.data !== 'string' || typeof inline.mimeType !== 'string') {
          throw invalid('* inlineData: mimeType and data are required', 'inlineData');
        }
        frames.push(Buffer.from(inline.data, 'base64'));
      }
    }
  }
  const config = record(body.generationConfig) ?? {};
  const low = config.mediaResolution === 'MEDIA_RESOLUTION_LOW';
  const answer = await judgeFrames(text, frames);
  const promptTokens = textTokens(text) + frames.length * GEMINI_IMAGE_TOKENS[low ? 'low' : 'high'];
  return json(200, {
    candidates: [
      {
        content: { parts: [{ text: answer.text }], role: 'model' },
        finishReason: 'STOP',
        index: 0,
      },
    ],
    usageMetadata: {
      promptTokenCount: promptTokens,
      candidatesTokenCount: answer.outputTokens,
      totalTokenCount: promptTokens + answer.outputTokens,
    },
    modelVersion: modelId,
    responseId: hexId(22),
  });
}

/**
 * OpenAI `POST /v1/responses`: `input_text` and `input_image` (data URL) parts of `input`, the
 * answer as an `output_text` of one message, `usage` with input and output tokens. Images
 * count one token per 32 × 32 patch of the picture sent, as OpenAI counts its patch models
 * (the per-model multiplier left out).
 */
export async function openaiResponses(req: SandboxRequest, nowMs: number): Promise<Reply> {
  const body = await req.json();
  const model = typeof body.model === 'string' ? body.model : '';
  if (!(SANDBOX_JUDGE_MODELS.openai as readonly string[]).includes(model)) {
    return openaiModelNotFound(model);
  }
  let text = typeof body.instructions === 'string' ? body.instructions : '';
  const frames: Uint8Array[] = [];
  let imageTokens = 0;
  const input =
    typeof body.input === 'string'
      ? [{ content: [{ type: 'input_text', text: body.input }] }]
      : list(body.input);
  for (const message of input) {
    for (const part of list(record(message)?.content)) {
      const fields = record(part) ?? {};
      if (fields.type === 'input_text' && typeof fields.text === 'string') text += fields.text;
      if (fields.type === 'input_image') {
        const bytes =
          typeof fields.image_url === 'string' ? dataUriBytes(fields.image_url) : undefined;
        if (bytes === undefined) {
          throw invalid('the sandbox reads images only as data URLs', 'input.content.image_url');
        }
        frames.push(bytes);
        imageTokens += patchTokens(bytes);
      }
    }
  }
  const answer = await judgeFrames(text, frames);
  const inputTokens = textTokens(text) + imageTokens;
  const id = `resp_${hexId(48)}`;
  return json(200, {
    id,
    object: 'response',
    created_at: Math.floor(nowMs / 1000),
    status: 'completed',
    model,
    output: [
      {
        type: 'message',
        id: `msg_${id}`,
        status: 'completed',
        role: 'assistant',
        content: [{ type: 'output_text', text: answer.text, annotations: [] }],
      },
    ],
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: answer.outputTokens,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: inputTokens + answer.outputTokens,
    },
  });
}

/** ⌈w/32⌉ × ⌈h/32⌉ of the image (85 when its size cannot be read). */
function patchTokens(bytes: Uint8Array): number {
  const size = imageSize(bytes);
  return size === undefined ? 85 : Math.ceil(size.width / 32) * Math.ceil(size.height / 32);
}
