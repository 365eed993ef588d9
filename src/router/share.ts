/**
 * One object for each distinct rejection of a plan. A long storyboard repeats the same needs,
 * so most shots reject the same models for the same reasons; each shot used to hold its own
 * copies (hundreds of MB for 10,000 shots). Shared objects keep the plan small, and the JSON
 * writer (util/json-pieces.ts) encodes each once. Plans are never mutated, so sharing is safe.
 * One `RejectionShare` lives for one plan: its maps hold only that plan's objects.
 */
import { type RejectionReason, rejectionReason } from '../contracts/reasons.ts';
import type { Evaluation } from './evaluate.ts';
import type { Rejection } from './types.ts';

export class RejectionShare {
  /** reasons by their JSON text: equal reasons from different evaluations become one */
  #reasons = new Map<string, RejectionReason>();
  /** a rejection per evaluation (one model for one set of needs), with no policy reason added */
  #byEvaluation = new WeakMap<Evaluation, Rejection>();
  /** the same with policy reasons added, by their ids */
  #byEvaluationAndPolicy = new WeakMap<Evaluation, Map<string, Rejection>>();
  /** rejections by model and the ids of their (shared) reasons */
  #rejections = new Map<string, Rejection>();
  #ids = new WeakMap<RejectionReason, number>();
  /** by model, score, chosen score and price: number keys, no string made per lookup */
  #notChosen = new Map<string, Map<number, Map<number, Map<number | undefined, Rejection>>>>();

  /**
   * Why `model` cannot make a shot: the policy's reasons (`extra`, themselves shared objects)
   * then the evaluation's. Undefined when there is no reason (the model is feasible).
   */
  rejection(model: string, evaluation: Evaluation, extra: readonly RejectionReason[]) {
    if (extra.length === 0) {
      if (evaluation.ok) return undefined;
      let rejection = this.#byEvaluation.get(evaluation);
      if (!rejection) {
        rejection = this.#shared(model, evaluation.reasons);
        this.#byEvaluation.set(evaluation, rejection);
      }
      return rejection;
    }
    let byExtra = this.#byEvaluationAndPolicy.get(evaluation);
    if (!byExtra) {
      byExtra = new Map();
      this.#byEvaluationAndPolicy.set(evaluation, byExtra);
    }
    const extraKey = extra.map((r) => this.#id(r)).join(',');
    let rejection = byExtra.get(extraKey);
    if (!rejection) {
      const reasons = evaluation.ok ? [...extra] : [...extra, ...evaluation.reasons];
      rejection = this.#shared(model, reasons);
      byExtra.set(extraKey, rejection);
    }
    return rejection;
  }

  /** A feasible model the plan did not choose, with its score against the chosen one's. */
  notChosen(model: string, score: number, chosenScore: number, usd: number | undefined): Rejection {
    const byScore = getOrMake(this.#notChosen, model);
    const byChosen = getOrMake(byScore, score);
    const byUsd = getOrMake(byChosen, chosenScore);
    let rejection = byUsd.get(usd);
    if (!rejection) {
      rejection = {
        model,
        reasons: [
          this.#reason(
            rejectionReason({
              code: 'feasible_not_chosen',
              score,
              chosen_score: chosenScore,
              ...(usd !== undefined ? { usd } : {}),
            }),
          ),
        ],
      };
      byUsd.set(usd, rejection);
    }
    return rejection;
  }

  #shared(model: string, reasons: RejectionReason[]): Rejection {
    const own = reasons.map((r) => this.#reason(r));
    const key = `${model}|${own.map((r) => this.#id(r)).join(',')}`;
    let rejection = this.#rejections.get(key);
    if (!rejection) {
      rejection = { model, reasons: own };
      this.#rejections.set(key, rejection);
    }
    return rejection;
  }

  #reason(reason: RejectionReason): RejectionReason {
    if (this.#ids.has(reason)) return reason;
    const key = JSON.stringify(reason);
    const known = this.#reasons.get(key);
    if (known) return known;
    this.#reasons.set(key, reason);
    this.#ids.set(reason, this.#reasons.size);
    return reason;
  }

  #id(reason: RejectionReason): number {
    return this.#ids.get(this.#reason(reason))!;
  }
}

/** The map under `key`, made empty when missing. */
function getOrMake<K, M extends Map<unknown, unknown>>(map: Map<K, M>, key: K): M {
  let inner = map.get(key);
  if (!inner) {
    inner = new Map() as M;
    map.set(key, inner);
  }
  return inner;
}
