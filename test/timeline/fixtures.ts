import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ClipProvenance, Timeline } from '../../src/timeline/types.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The formats' own sample files, copied into the repository (origin, commits and licence in
 * test/fixtures/timeline/NOTICE.md).
 */
export function referenceDir(): string {
  return path.join(repoRoot, 'test', 'fixtures', 'timeline');
}

export function readReference(kind: 'otio' | 'fcpxml' | 'edl', name: string): string {
  return fs.readFileSync(path.join(referenceDir(), kind, name), 'utf8');
}

export function referenceFiles(kind: 'otio' | 'fcpxml' | 'edl'): string[] {
  return fs
    .readdirSync(path.join(referenceDir(), kind))
    .filter((f) => f.endsWith(`.${kind}`))
    .sort();
}

/** Quotes, ampersand, angle brackets, newline, emoji, an accent and a run of spaces. */
export const HARD_PROMPT = 'She says "it\'s over" & <walks> away\nrain 🌧️ on the café   window';

function provenance(
  shot: string,
  take: number,
  over: Partial<ClipProvenance> = {},
): ClipProvenance {
  return {
    shot_id: shot,
    model: 'veo-3.1',
    provider: 'fal',
    prompt: `Shot ${shot}`,
    seed: 1000 + take,
    cost_usd: 0.75 * take,
    take,
    job_id: `job-${shot}-${take}`,
    ...over,
  };
}

/** Three shots; the second has two alternates and the hard prompt. */
export function threeShotTimeline(fps: number): Timeline {
  return {
    title: 'Aurora launch film',
    fps,
    width: 1920,
    height: 1080,
    audio: true,
    clips: [
      {
        name: 's01',
        file: 'media/3f2a9c1be0d44e7fa1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4.mp4',
        sourceStart: 0.5,
        duration: 4,
        mediaDuration: 6,
        metadata: provenance('s01', 1, { model: 'kling-3.0', provider: 'kling', seed: null }),
        alternates: [],
      },
      {
        name: 's02',
        file: 'media/s02 take3.mp4',
        sourceStart: 0,
        duration: 2.5,
        mediaDuration: 8,
        metadata: provenance('s02', 3, { prompt: HARD_PROMPT }),
        alternates: [
          {
            name: 's02',
            file: 'media/s02-take1.mp4',
            sourceStart: 1,
            duration: 3,
            mediaDuration: 8,
            metadata: provenance('s02', 1, { prompt: HARD_PROMPT }),
          },
          {
            name: 's02',
            file: 'media/s02-take2.mp4',
            sourceStart: 0.25,
            duration: 2.5,
            metadata: provenance('s02', 2, { prompt: `${HARD_PROMPT} (retry)`, model: 'sora-2' }),
          },
        ],
      },
      {
        name: 's03',
        file: 'media/s03.mp4',
        sourceStart: 0,
        duration: 3.2,
        metadata: provenance('s03', 1, { cost_usd: 0.1 + 0.2 }),
        alternates: [],
      },
    ],
  };
}
