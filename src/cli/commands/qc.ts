/**
 * `shotrouter qc CLIP`: the checks the engine runs on every take, on any file. Exit 0 when every
 * check passes, 3 when one fails, 1 when the file is not a readable video.
 *
 * `--judge MODEL --prompt TEXT` also asks a vision judge of the catalog whether the clip shows
 * the prompt (a paid call, made after the free checks; credentials as `run` finds them, so
 * `SHOTROUTER_SANDBOX_URL` sends it to the sandbox's stand-in): its verdict is one more check,
 * `judge`, and its cost is printed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { lifecycleAt } from '../../catalog/load.ts';
import type { JudgeCard } from '../../catalog/schema.ts';
import { ShotrouterError } from '../../errors.ts';
import {
  judgeFrameCount,
  judgeSpendOf,
  type VisionJudgeResult,
  visionJudge,
} from '../../providers/vision-judge.ts';
import { type Check, checkTake, passed, type TakeExpectations } from '../../qc/index.ts';
import { didYouMean } from '../../util/did-you-mean.ts';
import type { Command, CommandArgs, CommandIO } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { catalogFromArgs, catalogOption, writeJson } from '../shared.ts';

export const qcCommand: Command = {
  name: 'qc',
  summary:
    'check a clip for black, frozen, silent, clipped, cut or mis-sized video (exit 3 if any)',
  usage:
    'shotrouter qc CLIP [--duration S] [--size WxH] [--fps N] [--audio | --no-audio] [--cuts N] [--first-frame IMG] [--last-frame IMG] [--judge MODEL --prompt TEXT [--judge-frames N]] [--catalog FILE] [--json]',
  options: {
    duration: { type: 'string' },
    size: { type: 'string' },
    fps: { type: 'string' },
    audio: { type: 'boolean' },
    'no-audio': { type: 'boolean' },
    cuts: { type: 'string' },
    'first-frame': { type: 'string' },
    'last-frame': { type: 'string' },
    judge: { type: 'string' },
    prompt: { type: 'string' },
    'judge-frames': { type: 'string' },
    ...catalogOption,
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = path.resolve(io.cwd, args.positionals[0]!);
    // every flag is checked before the free checks run, and they before the paid judge
    const judge = judgeFromArgs(args, io);
    const checks: Check[] = await checkTake(file, expectationsFromArgs(args, io), {
      signal: io.signal,
    });
    let judged: VisionJudgeResult | undefined;
    if (judge !== undefined) {
      try {
        judged = await visionJudge({
          clip: file,
          prompt: judge.prompt,
          card: judge.card,
          ...(judge.frames === undefined ? {} : { frames: judge.frames }),
          adapter: { env: io.env },
          signal: io.signal,
        });
      } catch (error) {
        const spent = judgeSpendOf(error);
        if (spent !== undefined) {
          io.stderr.write(
            `judge: the call cost $${spent.toFixed(6)} though its answer could not be used\n`,
          );
        }
        throw error;
      }
      checks.push(judged.check);
    }
    if (args.values.json) {
      writeJson(io, judged === undefined ? { checks } : { checks, judge: judgeJson(judged) });
    } else {
      io.stdout.write(formatChecks(args.positionals[0]!, checks));
      if (judged !== undefined) io.stdout.write(`${formatJudgeCost(judged)}\n`);
    }
    return passed(checks) ? EXIT.ok : EXIT.checksFailed;
  },
};

interface JudgeArgs {
  card: JudgeCard;
  prompt: string;
  frames?: number;
}

/** `--judge MODEL --prompt TEXT [--judge-frames N]`, checked against the catalog's judges. */
function judgeFromArgs(args: CommandArgs, io: CommandIO): JudgeArgs | undefined {
  const v = args.values;
  if (v.judge === undefined) {
    for (const flag of ['prompt', 'judge-frames']) {
      if (v[flag] !== undefined)
        throw new ShotrouterError('usage', `--${flag} goes with --judge MODEL`);
    }
    return undefined;
  }
  const id = String(v.judge);
  const catalog = catalogFromArgs(args, io);
  const card = catalog.judgesById.get(id);
  if (card === undefined) {
    const judges = catalog.judges.map((j) => j.id);
    const hint = didYouMean(id, judges);
    const what = catalog.byId.has(id)
      ? `${id} is a video model, not a judge`
      : `unknown judge '${id}'`;
    throw new ShotrouterError(
      'usage',
      `--judge: ${what}${hint === undefined ? '' : `; did you mean ${hint}?`} (judges: ${judges.join(', ') || 'none'})`,
    );
  }
  const today = new Date().toISOString().slice(0, 10);
  const lifecycle = lifecycleAt(card, today);
  if (lifecycle.state === 'retired' || lifecycle.state === 'unreleased') {
    const instead = lifecycle.replacement ? `; use ${lifecycle.replacement}` : '';
    throw new ShotrouterError(
      'usage',
      `--judge: ${id} is ${lifecycle.state}${lifecycle.date ? ` (${lifecycle.date})` : ''}${instead}`,
    );
  }
  const prompt = typeof v.prompt === 'string' ? v.prompt.trim() : '';
  if (prompt === '') {
    throw new ShotrouterError(
      'usage',
      '--judge needs --prompt TEXT: the prompt the clip was made from',
    );
  }
  const judge: JudgeArgs = { card, prompt };
  if (v['judge-frames'] !== undefined) {
    const text = String(v['judge-frames']);
    if (!/^\d+$/.test(text)) {
      throw new ShotrouterError(
        'usage',
        `--judge-frames must be a whole number of frames, got '${text}'`,
      );
    }
    judge.frames = judgeFrameCount(card, Number(text));
  }
  return judge;
}

function judgeJson(judged: VisionJudgeResult) {
  return {
    provider: judged.provider,
    model: judged.model,
    verdict: judged.verdict,
    frame_times: judged.frameTimes,
    usage: { input_tokens: judged.usage.inputTokens, output_tokens: judged.usage.outputTokens },
    cost_usd: judged.costUsd,
  };
}

/** The judge call's route, tokens and cost (fractions of a cent, so six decimals). */
export function formatJudgeCost(judged: VisionJudgeResult): string {
  const { inputTokens, outputTokens } = judged.usage;
  return (
    `judge: ${judged.model} on ${judged.provider}, ${judged.frameTimes.length} frames, ` +
    `${inputTokens} tokens in, ${outputTokens} out: $${judged.costUsd.toFixed(6)}`
  );
}

function expectationsFromArgs(args: CommandArgs, io: CommandIO): TakeExpectations {
  const v = args.values;
  const expect: TakeExpectations = {};
  const positive = (flag: string, text: unknown, unit: string): number => {
    const value = Number(text);
    if (typeof text !== 'string' || text.trim() === '' || !(value > 0) || !Number.isFinite(value)) {
      throw new ShotrouterError(
        'usage',
        `--${flag} must be a positive number of ${unit}, got '${String(text)}'`,
      );
    }
    return value;
  };
  if (v.duration !== undefined) expect.seconds = positive('duration', v.duration, 'seconds');
  if (v.fps !== undefined) expect.fps = positive('fps', v.fps, 'frames per second');
  if (v.size !== undefined) {
    const match = /^(\d+)x(\d+)$/.exec(String(v.size));
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
      throw new ShotrouterError(
        'usage',
        `--size must be WIDTHxHEIGHT in pixels (e.g. 1280x720), got '${String(v.size)}'`,
      );
    }
    expect.width = Number(match[1]);
    expect.height = Number(match[2]);
  }
  if (v.audio === true && v['no-audio'] === true) {
    throw new ShotrouterError('usage', 'give --audio or --no-audio, not both');
  }
  if (v.audio === true) expect.audio = true;
  if (v['no-audio'] === true) expect.audio = false;
  if (v.cuts !== undefined) {
    const text = String(v.cuts);
    if (!/^\d+$/.test(text)) {
      throw new ShotrouterError(
        'usage',
        `--cuts must be a whole number of cuts (0 for a single shot), got '${text}'`,
      );
    }
    expect.cuts = Number(text);
  }
  for (const [flag, key] of [
    ['first-frame', 'firstFrame'],
    ['last-frame', 'lastFrame'],
  ] as const) {
    const given = v[flag];
    if (given === undefined) continue;
    const image = path.resolve(io.cwd, String(given));
    if (!fs.statSync(image, { throwIfNoEntry: false })?.isFile()) {
      throw new ShotrouterError(
        'usage',
        `--${flag}: ${String(given)} is not a file; give the image the ${flag.replace('-', ' ')} should look like`,
      );
    }
    expect[key] = image;
  }
  return expect;
}

/** One line per check, failures marked, then a summary line. */
export function formatChecks(name: string, checks: readonly Check[]): string {
  const width = Math.max(...checks.map((c) => c.code.length));
  const lines = checks.map(
    (c) => `${c.ok ? 'ok  ' : 'FAIL'}  ${c.code.padEnd(width)}  ${c.message}`,
  );
  const failed = checks.filter((c) => !c.ok).length;
  const summary =
    failed === 0
      ? `${name}: all ${checks.length} checks passed`
      : `${name}: ${failed} of ${checks.length} checks failed`;
  return `${lines.join('\n')}\n${summary}\n`;
}
