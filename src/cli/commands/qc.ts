/**
 * `shotrouter qc CLIP`: the checks the engine runs on every take, on any file. Exit 0 when every
 * check passes, 3 when one fails, 1 when the file is not a readable video.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ShotrouterError } from '../../errors.ts';
import { type Check, checkTake, passed, type TakeExpectations } from '../../qc/index.ts';
import type { Command, CommandArgs, CommandIO } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeJson } from '../shared.ts';

export const qcCommand: Command = {
  name: 'qc',
  summary:
    'check a clip for black, frozen, silent, clipped, cut or mis-sized video (exit 3 if any)',
  usage:
    'shotrouter qc CLIP [--duration S] [--size WxH] [--fps N] [--audio | --no-audio] [--cuts N] [--first-frame IMG] [--last-frame IMG] [--json]',
  options: {
    duration: { type: 'string' },
    size: { type: 'string' },
    fps: { type: 'string' },
    audio: { type: 'boolean' },
    'no-audio': { type: 'boolean' },
    cuts: { type: 'string' },
    'first-frame': { type: 'string' },
    'last-frame': { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 1 },
  async run(args, io) {
    const file = path.resolve(io.cwd, args.positionals[0]!);
    const checks = await checkTake(file, expectationsFromArgs(args, io), { signal: io.signal });
    if (args.values.json) writeJson(io, { checks });
    else io.stdout.write(formatChecks(args.positionals[0]!, checks));
    return passed(checks) ? EXIT.ok : EXIT.checksFailed;
  },
};

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
