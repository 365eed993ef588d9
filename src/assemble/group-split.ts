/**
 * Cutting one multi-shot generation back into its shots: the scene changes are found and matched
 * to the plan's boundaries (media/split.ts), and every disagreement becomes a warning on the
 * shots it concerns. A scene that came out shorter than planned by more than conforming
 * tolerates is held on its last frame for the rest (and says so): the cut keeps its timing
 * and no shot ever shows the first frames of the next one.
 *
 * Pieces are kept in `conformed/` under a hash of the clip and the planned lengths, with the
 * cuts and warnings beside them, so splitting happens once per clip.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runFfmpeg, SHORTFALL_TOLERANCE_SECONDS, splitAtCuts } from '../media/index.ts';
import { writeTextAtomically } from '../util/write-text.ts';
import type { ConformedFolder } from './conformed.ts';

export interface GroupMember {
  id: string;
  /** seconds of the clip the plan gives this shot */
  seconds: number;
}

export interface GroupPieces {
  /** per member, in order: its piece of the clip (absolute path) */
  pieces: string[];
  /** per member, in order: what the split found wrong near it */
  warnings: string[][];
}

interface SplitRecord {
  v: 1;
  pieces: string[];
  warnings: Array<{ members: number[]; text: string }>;
}

export async function splitGroupClip(
  folder: ConformedFolder,
  clip: { file: string; sha256: string; durationSeconds: number },
  groupId: string,
  take: number,
  members: GroupMember[],
): Promise<GroupPieces> {
  const stem = folder.stem(`split-take${take + 1}`, {
    v: 1,
    clip: clip.sha256,
    seconds: members.map((m) => m.seconds),
  });
  const record = path.join(folder.dir, `${stem}.json`);
  const complete = (r: SplitRecord) =>
    r.pieces.every((p) => fs.existsSync(path.join(folder.dir, p)));
  const known = readRecord(record);
  if (known && !complete(known)) fs.rmSync(record, { force: true });

  await folder.once(`${stem}.json`, async (temporary) => {
    const made = await split(folder, clip, stem, members);
    await writeTextAtomically(temporary, `${JSON.stringify(made, null, 2)}\n`);
  });
  const kept = readRecord(record)!;
  for (const piece of kept.pieces) folder.keep(piece);

  const label = `multi-shot ${groupId}${take > 0 ? ` (take ${take + 1})` : ''}`;
  const warnings = members.map(() => [] as string[]);
  for (const w of kept.warnings) {
    for (const m of w.members) warnings[m]!.push(`${label}: ${w.text}`);
  }
  return { pieces: kept.pieces.map((p) => path.join(folder.dir, p)), warnings };
}

async function split(
  folder: ConformedFolder,
  clip: { file: string; durationSeconds: number },
  stem: string,
  members: GroupMember[],
): Promise<SplitRecord> {
  const names = members.map((_, i) => `${stem}-${i + 1}.mp4`);
  const { cuts, warnings } = await splitAtCuts({
    input: clip.file,
    expectedDurations: members.map((m) => m.seconds),
    outputs: names.map((n) => path.join(folder.dir, n)),
    ...(folder.signal ? { signal: folder.signal } : {}),
  });
  const record: SplitRecord = {
    v: 1,
    pieces: names,
    warnings: warnings.map((text) => relabel(text, members)),
  };

  const bounds = [0, ...cuts, clip.durationSeconds];
  for (const [i, member] of members.entries()) {
    const length = bounds[i + 1]! - bounds[i]!;
    const missing = member.seconds - length;
    if (missing <= SHORTFALL_TOLERANCE_SECONDS) continue;
    const held = `${stem}-${i + 1}-held.mov`;
    await holdLastFrame(
      path.join(folder.dir, names[i]!),
      path.join(folder.dir, held),
      missing,
      folder.signal,
    );
    fs.rmSync(path.join(folder.dir, names[i]!), { force: true });
    record.pieces[i] = held;
    record.warnings.push({
      members: [i],
      text: `${member.id}'s scene lasts ${length.toFixed(3)} s of the ${member.seconds.toFixed(3)} s planned; its last frame is held for ${missing.toFixed(3)} s`,
    });
  }
  return record;
}

/** "cut 2 (shot 2 → 3)" → "cut 2 (s05 → s06)", attributed to both shots. */
function relabel(text: string, members: GroupMember[]): { members: number[]; text: string } {
  const match = /\(shot (\d+) → (\d+)\)/.exec(text);
  if (match) {
    const before = Number(match[1]) - 1;
    const after = Number(match[2]) - 1;
    const named = text.replace(
      match[0],
      `(${members[before]?.id ?? match[1]} → ${members[after]?.id ?? match[2]})`,
    );
    return { members: [before, after].filter((m) => m >= 0 && m < members.length), text: named };
  }
  return { members: members.map((_, i) => i), text };
}

/** A copy of `input` that goes on `seconds` longer on its last frame (and silence), losslessly. */
async function holdLastFrame(
  input: string,
  output: string,
  seconds: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  const hold = seconds.toFixed(6);
  await runFfmpeg(
    [
      ...['-i', input, '-map', '0:v:0', '-map', '0:a:0?'],
      ...['-vf', `tpad=stop_mode=clone:stop_duration=${hold}`, '-af', `apad=pad_dur=${hold}`],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-qp', '0', '-c:a', 'pcm_s16le'],
      ...['-y', output],
    ],
    { signal },
  );
}

function readRecord(file: string): SplitRecord | undefined {
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as SplitRecord;
    return parsed.v === 1 ? parsed : undefined;
  } catch {
    return undefined;
  }
}
