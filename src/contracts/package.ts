/**
 * Handing the edit over (`shotrouter package`, the API's package button, the MCP tool): what is
 * asked and what comes back, defined once.
 */
import { z } from 'zod';

export const PackageInputSchema = z.strictObject({
  dir: z.string().min(1).describe('the run folder (as `status` and `pick` take it)'),
  out: z.string().min(1).describe('the package folder to write (new, or empty)'),
  zip: z.boolean().default(false).describe('also write `<out>.zip`'),
});
export type PackageInput = z.input<typeof PackageInputSchema>;

export const PackagedClipSchema = z.object({
  shot: z.string(),
  take: z.number().int().describe('1-based'),
  file: z.string().describe('relative to the package'),
  handles: z
    .object({ before: z.number(), after: z.number() })
    .describe('seconds of media before and after the part the cut uses'),
  note: z.string().nullable().describe('why the clip has no handles, when it has none'),
});

export const PackageResultSchema = z.object({
  out: z.string().describe('the package folder'),
  zip: z.string().nullable().describe('the zip of it, when asked for'),
  clips: z.array(PackagedClipSchema),
  files: z.array(z.string()).describe('every file of the package, relative to it'),
});
export type PackageOutput = z.output<typeof PackageResultSchema>;
