/**
 * The failing checks of a take as timeline markers, placed where each defect shows in the clip
 * as it plays in the cut: a check's `at` is seconds into the generated clip, and the cut plays
 * the trimmed part (`trim.from` for `trim.seconds`) over the shot's length (slow motion
 * stretches it). A check without a place (a wrong size, say) marks the clip's first frame.
 */
import type { Shot } from '../storyboard/types.ts';
import type { ClipMarker } from '../timeline/index.ts';
import type { RunState } from './run-state.ts';
import type { ShotTake } from './shot-sources.ts';

interface LooseCheck {
  code?: unknown;
  ok?: unknown;
  message?: unknown;
  at?: unknown;
}

export function takeMarkers(state: RunState, shot: Shot, take: ShotTake): ClipMarker[] {
  const verdict = (state.facts.get(take.job.id)?.verdict ?? []) as LooseCheck[];
  const scale = take.trim.seconds > 0 ? shot.duration / take.trim.seconds : 1;
  return verdict
    .filter((c) => typeof c === 'object' && c !== null && c.ok === false)
    .map((c) => ({
      at: typeof c.at === 'number' ? Math.max(0, (c.at - take.trim.from) * scale) : 0,
      name: String(c.code ?? 'check'),
      note: String(c.message ?? ''),
    }));
}
