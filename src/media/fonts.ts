/**
 * The font text is drawn with (preview cards, titles and captions): DejaVu Sans, which the
 * project installs (`fonts-dejavu-core`, see CONTRIBUTING.md), else a usual system font.
 */
import { existsSync } from 'node:fs';
import { filterValue } from './ffmpeg.ts';

const FONT_CANDIDATES = {
  regular: [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
    '/usr/share/fonts/TTF/DejaVuSans.ttf',
    '/usr/share/fonts/dejavu/DejaVuSans.ttf',
    '/System/Library/Fonts/Supplemental/Arial.ttf',
    'C:\\Windows\\Fonts\\arial.ttf',
  ],
  bold: [
    '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf',
    '/usr/share/fonts/dejavu/DejaVuSans-Bold.ttf',
    '/System/Library/Fonts/Supplemental/Arial Bold.ttf',
    'C:\\Windows\\Fonts\\arialbd.ttf',
  ],
};
const fonts = {
  regular: FONT_CANDIDATES.regular.find((f) => existsSync(f)),
  bold: FONT_CANDIDATES.bold.find((f) => existsSync(f)),
};

/** A known font file when there is one; otherwise drawtext asks fontconfig for its default. */
export function fontOption(bold: boolean): string {
  const file = (bold ? fonts.bold : undefined) ?? fonts.regular;
  return file === undefined ? '' : `fontfile=${filterValue(file)}:`;
}
