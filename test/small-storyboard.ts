/**
 * The small storyboard the money and rehearsal tests run through the command line: 720p at 24 fps
 * without sound, dated so the catalog's answer never changes.
 */
import fs from 'node:fs';

/** Writes `title`'s storyboard to `file`: the header, then `lines` (`shots:` and its shots, …). */
export function writeSmallStoryboard(file: string, title: string, lines: string[]): string {
  fs.writeFileSync(
    file,
    [
      'version: 1',
      `title: ${title}`,
      'as_of: 2026-11-26',
      'deliver: { resolution: 1280x720, fps: 24, audio: false }',
      ...lines,
      '',
    ].join('\n'),
  );
  return file;
}
