/**
 * The take checks (QC) of a downloaded clip, run as soon as its container facts pass: what the
 * job asked of this segment on this route, measured in one decode pass on the probe the
 * container check made, then the judge (when `policy.qc.judge` names one and a judge is given).
 */
import fs from 'node:fs';
import { PREVIEW_PROVIDER } from '../providers/preview/index.ts';
import type { ResolvedRoute } from '../providers/registry.ts';
import type { Check, TakeExpectations } from '../qc/index.ts';
import { segmentsOf } from './call-options.ts';
import type { ClipFacts, EngineContext, LiveJob } from './context.ts';
import type { ReferenceInput, RouteSpec } from './job-spec.ts';

/** What one segment of a job on one route must be, for the take checks. */
export function takeExpectations(
  job: Pick<LiveJob['spec'], 'cuts' | 'exactFps'>,
  route: RouteSpec,
  segment: number,
): TakeExpectations {
  const segments = segmentsOf(route);
  return {
    // the router snapped the length to one the model makes; the catalog knows no finer grain,
    // so the default (a frame plus the container's slack) is the model's granularity too
    seconds: segments[segment]!,
    width: route.generate.width,
    height: route.generate.height,
    // another frame rate is converted at assembly, unless the shot is slow motion
    ...(job.exactFps ? { fps: route.generate.fps } : {}),
    audio: route.generate.audio,
    cuts: job.cuts && segments.length === 1 ? job.cuts.length - 1 : 0,
  };
}

/**
 * The checks of `file`, or undefined when none are made: the engine's clip tools make none
 * (fakes), or the clip is the preview renderer's placeholder. Placeholders are made to pass
 * (test/qc/standins.test.ts) and tell nothing about a model, and their decode pass would add
 * seconds to every preview run; their container facts are still checked. Frame images travel
 * in the job as bytes: each given to this segment is written to the media folder's temporary
 * space for the comparison and removed after.
 */
export async function runTakeChecks(
  ctx: EngineContext,
  job: LiveJob,
  target: { route: RouteSpec; segment: number; resolved: ResolvedRoute },
  file: string,
  facts: ClipFacts,
): Promise<Check[] | undefined> {
  if (!ctx.tools.check || target.resolved.provider.id === PREVIEW_PROVIDER) return undefined;
  const { route, segment } = target;
  const expect = takeExpectations(job.spec, route, segment);
  const temps: string[] = [];
  const frameFile = (role: ReferenceInput['role']): string | undefined => {
    const ref = job.spec.references.find((r) => r.role === role);
    if (!ref?.file) return undefined; // a remote image is not fetched: that end is not compared
    const temp = ctx.media.tempPath(extensionOf(ref.file.mediaType));
    fs.writeFileSync(temp, ref.file.data);
    temps.push(temp);
    return temp;
  };
  // frame anchors go with the first segment only (call-options.ts); the last frame closes the
  // clip only when that segment is the whole clip
  if (segment === 0) {
    const first = frameFile('first_frame');
    if (first) expect.firstFrame = first;
    if (segmentsOf(route).length === 1) {
      const last = frameFile('last_frame');
      if (last) expect.lastFrame = last;
    }
  }
  try {
    const checks = await ctx.tools.check(file, expect, facts.probe, ctx.signal);
    const judge = job.spec.qc?.judge;
    if (judge !== undefined && judge !== 'off' && ctx.judge) {
      checks.push(
        ...(await ctx.judge({ file, spec: job.spec, model: judge, checks, signal: ctx.signal })),
      );
    }
    return checks;
  } finally {
    for (const temp of temps) fs.rmSync(temp, { force: true });
  }
}

function extensionOf(mediaType: string): string {
  const sub = mediaType.split('/')[1] ?? 'png';
  return sub === 'jpeg' ? 'jpg' : sub.replace(/[^a-z0-9]/g, '') || 'png';
}
