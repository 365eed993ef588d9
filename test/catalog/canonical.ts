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
