/**
 * The vision judge behind the engine's seam (`policy.qc.judge`): the take's frames go to the
 * judge model of the catalog, and its answer joins the take's checks with what the call cost.
 * A judge that cannot be asked (no credentials, the provider down, an unreadable answer) does
 * not fail the take: its check says so and passes, so an outage never buys a retake.
 */
import type { Catalog } from '../catalog/load.ts';
import type { TakeJudge } from '../engine/context.ts';
import { ShotrouterError } from '../errors.ts';
import type { Env } from '../providers/credentials.ts';
import { visionJudge } from '../providers/vision-judge.ts';

export function catalogJudge(catalog: Catalog, env: Env): TakeJudge {
  return async ({ file, spec, model, signal }) => {
    const card = catalog.judgesById.get(model);
    if (card === undefined) {
      return [notJudged(model, `${model} is not a judge model of the catalog`)];
    }
    try {
      const result = await visionJudge({
        clip: file,
        prompt: spec.prompt,
        card,
        adapter: { env },
        signal,
      });
      return [
        {
          ...result.check,
          message: `${result.check.message} (judge call $${result.costUsd.toFixed(4)})`,
        },
      ];
    } catch (error) {
      if (signal.aborted) throw error;
      const why = ShotrouterError.is(error) ? error.message : String(error);
      return [notJudged(model, why)];
    }
  };
}

function notJudged(model: string, why: string) {
  return {
    code: 'judge' as const,
    ok: true,
    value: null,
    limit: null,
    message: `not judged: ${model} could not be asked (${why}); the other checks decide`,
  };
}
