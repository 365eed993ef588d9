/**
 * The verdict on a take: a list of checks, each with a stable `code`. One shape for the store,
 * the report, the HTTP API and `shotrouter qc --json`, defined once here as a zod schema.
 */
import { z } from 'zod';
import { QC_CHECK_CODES } from '../storyboard/types.ts';

/** The codes, named once with the storyboard's `policy.qc.on`. */
export const CHECK_CODES = QC_CHECK_CODES;

export type CheckCode = (typeof CHECK_CODES)[number];

const measure = z.union([z.number(), z.string(), z.boolean(), z.null()]);

export const checkSchema = z.object({
  /** stable identifier of the check; scripts match on it */
  code: z.enum(CHECK_CODES),
  ok: z.boolean(),
  /** what was measured: seconds, a size `WxH`, fps, a count, an SSIM, a share (0–1), true/false */
  value: measure,
  /** what it was held to, in the same unit (a maximum, a minimum or the value asked for) */
  limit: measure,
  /** one sentence a person can act on */
  message: z.string(),
  /** seconds into the clip where the (first) defect starts, when it has a place */
  at: z.number().optional(),
});

export type Check = z.infer<typeof checkSchema>;

export const verdictSchema = z.object({ checks: z.array(checkSchema) });

export type Verdict = z.infer<typeof verdictSchema>;

/** True when every check passed. */
export function passed(checks: readonly Check[]): boolean {
  return checks.every((check) => check.ok);
}
