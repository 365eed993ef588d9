/** The model ids docs/catalog.md requires in the catalog. */
export const CANONICAL: readonly string[] = [
  'kling-3.0',
  'kling-2.6',
  'sora-2',
  'sora-2-pro',
  'veo-3.1',
  'veo-3.1-fast',
  'seedance-1.5-pro',
  'seedance-2.0',
  'runway-gen-4-turbo',
  'runway-gen-4.5',
  'luma-ray-3',
  'pika-2.2',
  'ltx-2',
  'wan-2.2-a14b',
  'wan-2.2-5b',
  'wan-2.1-1.3b',
];

/** The models of the December 2026 update (issue 11, part 2), each with a card. */
export const ADDED_2026_12: readonly string[] = [
  'gemini-omni-flash',
  'kling-3.0-omni',
  'kling-4.0',
  'kling-4.0-flash',
  'seedance-2.5',
  'seedance-2.5-flash',
  'minimax-h3',
  'hailuo-2.3',
  'wan-2.6',
  'wan-2.7',
  'ltx-2.3',
  'ltx-2.5',
];

/** Models recorded with `kind: edit`: on file, never routed for generation. */
export const EDIT_MODELS: readonly string[] = ['runway-aleph'];
