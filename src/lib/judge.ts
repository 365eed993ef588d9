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
import { judgeSpendOf, visionJudge } from '../providers/vision-judge.ts';

/** What the judge calls of a run cost, in USD, as they happen (for the report and the total). */
export interface JudgeSpend {
  add(usd: number): void;
}

export function catalogJudge(catalog: Catalog, env: Env, spend?: JudgeSpend): TakeJudge {
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
      spend?.add(result.costUsd);
      return [
        {
          ...result.check,
          message: `${result.check.message} (judge call $${result.costUsd.toFixed(4)})`,
        },
      ];
    } catch (error) {
      if (signal.aborted) throw error;
      const billed = judgeSpendOf(error);
      if (billed !== undefined) spend?.add(billed);
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
