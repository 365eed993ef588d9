/**
 * Placeholder clips that stand in for a generated shot: the exact length, size and rate asked
 * for, labelled with the shot, the model it stands in for, the prompt and a running clock, so
 * a whole cut can be assembled and timed before anything is paid for.
 */
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ShotrouterError } from '../errors.ts';
import {
  assertEvenSize,
  COLOR_TAGS,
  CONTAINER_ARGS,
  encodingFor,
  even,
  keyframeArgs,
} from './encoding.ts';
import { filterValue, localFile, runFfmpeg } from './ffmpeg.ts';
import { withTempDir, writeAtomically } from './files.ts';
import { fontOption } from './fonts.ts';
import { AUDIO_RATE, frameCount, frameRate, rateText, samplesForFrames } from './rate.ts';

export interface PreviewOptions {
  output: string;
  seconds: number;
  width: number;
  height: number;
  fps: number;
  audio: boolean;
  /**
   * `take`: 0-based; a later take of the same shot gets its own colour, tone and marker path,
   * and says its number, so comparing takes shows a difference.
   */
  label: { shotId: string; model: string; prompt: string; take?: number };
  /**
   * The opening picture (an image file): the clip starts on it, whole and unlabelled, and zooms
   * in slowly; the labels fade in after it.
   */
  firstFrame?: string;
  /** The closing picture (an image file): the clip dissolves into it over its last second. */
  lastFrame?: string;
  /**
   * A multi-shot clip: its shots in order, with lengths adding up to `seconds`. Each gets its own
   * look and labels, so every cut is a scene change.
   */
  shots?: ReadonlyArray<{ shotId: string; prompt: string; seconds: number }>;
  signal?: AbortSignal;
}

/**
 * A stand-in's picture moves: a white marker slides along the bottom edge, crossing the frame
 * in this many seconds. Small, so encoding stays cheap (a full-height band cost a third more);
 * opaque, so within a second it changes enough of the frame never to count as frozen.
 */
const MARKER_CROSSING_SECONDS = 4;
/** how much an opening picture is zoomed into by the end of its shot */
const OPENING_ZOOM = 0.1;
/** the labels fade in over an opening picture from here, for this long (seconds) */
const LABEL_FADE = { start: 0.25, seconds: 0.5 };
/** a closing picture dissolves in over the clip's last second at most */
const CLOSING_DISSOLVE_SECONDS = 1;

export async function renderPreview(opts: PreviewOptions): Promise<void> {
  const rate = frameRate(opts.fps);
  assertEvenSize(opts.width, opts.height);
  const frames = frameCount(opts.seconds, rate);
  if (frames < 1) {
    throw new ShotrouterError(
      'media_failed',
      `a preview lasts at least one frame, got ${opts.seconds} s`,
    );
  }
  const encoding = encodingFor('h264', opts.output);
  const draft = encodingFor('h264', opts.output, true);
  const layout = layoutFor(opts.width, opts.height);
  const segments = segmentsOf(opts, frames);
  const take = opts.label.take ?? 0;

  await withTempDir(async (dir) => {
    // Text goes through files: no filtergraph escaping of user text, and `expansion=none`
    // keeps a `%` in a prompt from being read as a drawtext function.
    const textFile = async (name: string, text: string) => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return filterValue(file);
    };
    const size = `${opts.width}x${opts.height}`;
    const fpsText = rateText(rate);
    const m = layout.margin;
    const draw = (file: string, at: { x: string; y: string }, style: TextStyle) =>
      `drawtext=${fontOption(style.bold === true)}textfile=${file}:fontsize=${style.size}` +
      `:fontcolor=white@${style.opacity ?? 1}:x=${at.x}:y=${at.y}` +
      `:expansion=${style.expand === true ? 'normal' : 'none'}:line_spacing=${layout.lineGap}`;
    const [clock, footer] = await Promise.all([
      textFile('clock.txt', `%{pts:hms}   frame %{eif:n+1:d}/${frames}`),
      textFile('footer.txt', `PREVIEW  ${size} @ ${Number(opts.fps.toFixed(3))} fps`),
    ]);
    const model = await textFile(
      'model.txt',
      singleLine(`stand-in for ${opts.label.model}`, layout.bodyChars),
    );
    const graph: string[] = [];
    const inputs: string[] = [];
    const pieces: string[] = [];
    for (const [i, segment] of segments.entries()) {
      const [shot, prompt] = await Promise.all([
        textFile(
          `shot-${i}.txt`,
          singleLine(
            take > 0 ? `${segment.shotId}  take ${take + 1}` : segment.shotId,
            layout.titleChars,
          ),
        ),
        textFile(
          `prompt-${i}.txt`,
          wrapText(segment.prompt, layout.bodyChars, layout.promptLines).join('\n'),
        ),
      ]);
      const labels = [
        draw(shot, { x: `${m}`, y: `${m}` }, { size: layout.title, bold: true }),
        draw(model, { x: `${m}`, y: `${layout.modelY}` }, { size: layout.body, opacity: 0.8 }),
        draw(prompt, { x: `${m}`, y: `${layout.promptY}` }, { size: layout.body }),
        draw(footer, { x: `${m}`, y: `${layout.footerY}` }, { size: layout.body, opacity: 0.6 }),
      ].join(',');
      // The card is drawn once and repeated (drawing a dozen lines on every frame took as
      // long as encoding them).
      const hold = `loop=loop=${segment.frames - 1}:size=1,setpts=N*${rate.den}/(${rate.num}*TB)`;
      if (i === 0 && opts.firstFrame !== undefined) {
        inputs.push('-i', localFile(opts.firstFrame));
        graph.push(
          `[0:v:0]scale=${size}:force_original_aspect_ratio=increase,crop=${opts.width}:${opts.height},` +
            `setsar=1,zoompan=z='1+${OPENING_ZOOM}*on/${segment.frames}':d=${segment.frames}:s=${size}` +
            `:fps=${fpsText}:x='iw/2-iw/zoom/2':y='ih/2-ih/zoom/2',format=yuv420p[opening]`,
          `color=c=black@0:s=${size}:r=${fpsText},format=rgba,trim=end_frame=1,${labels},${hold},` +
            `fade=t=in:st=${LABEL_FADE.start}:d=${LABEL_FADE.seconds}:alpha=1[openinglabels]`,
          `[opening][openinglabels]overlay=format=auto,setsar=1[piece${i}]`,
        );
      } else {
        const look = lookOf(segment.shotId, i, take);
        graph.push(
          `color=c=${look.color}:s=${size}:r=${fpsText},trim=end_frame=1,${labels},${hold}[piece${i}]`,
        );
      }
      pieces.push(`[piece${i}]`);
    }
    const marker = {
      width: even(opts.width / 12),
      height: even(Math.min(opts.width, opts.height) / 20),
    };
    // each take's marker crosses at its own pace, so two takes differ in motion too
    const speed = (opts.width + marker.width) / (MARKER_CROSSING_SECONDS + (take % 4) * 0.5);
    graph.push(
      `color=c=white:s=${marker.width}x${marker.height}:r=${fpsText}[marker]`,
      `${pieces.join('')}concat=n=${pieces.length}:v=1:a=0,setpts=N*${rate.den}/(${rate.num}*TB)[card]`,
      // the marker enters from the left, so an opening picture is whole on the first frame
      `[card][marker]overlay=x='mod(t*${speed.toFixed(3)},W+w)-w':y=H-h:shortest=1,` +
        draw(clock, { x: `${m}`, y: `h-${m}-th` }, { size: layout.body, expand: true }) +
        (opts.firstFrame !== undefined
          ? `:enable='gte(t,${LABEL_FADE.start + LABEL_FADE.seconds})'`
          : '') +
        `,format=yuv420p${opts.lastFrame === undefined ? '[v]' : '[labelled]'}`,
    );
    if (opts.lastFrame !== undefined) {
      // the picture is fully opaque on the last frame, over the marker and the clock
      const frameSeconds = rate.den / rate.num;
      const dissolve = Math.min(CLOSING_DISSOLVE_SECONDS, opts.seconds / 2);
      const start = frames * frameSeconds - dissolve;
      inputs.push('-i', localFile(opts.lastFrame));
      graph.push(
        `[${inputs.length / 2 - 1}:v:0]scale=${size}:force_original_aspect_ratio=increase,` +
          `crop=${opts.width}:${opts.height},setsar=1,format=yuva420p,` +
          `loop=loop=${frames - 1}:size=1,setpts=N*${rate.den}/(${rate.num}*TB),` +
          `fade=t=in:st=${start.toFixed(4)}:d=${(dissolve - frameSeconds).toFixed(4)}:alpha=1[closing]`,
        `[labelled][closing]overlay=shortest=1:enable='gte(t,${start.toFixed(4)})',format=yuv420p[v]`,
      );
    }
    const maps = ['-map', '[v]'];
    if (opts.audio) {
      const samples = samplesForFrames(frames, rate);
      // a quiet tone (about -30 dBFS) whose pitch, like the colour, tells shots apart
      graph.push(
        `sine=frequency=${lookOf(opts.label.shotId, 0, take).toneHz}:sample_rate=${AUDIO_RATE},volume=-12dB,` +
          `aformat=channel_layouts=stereo,atrim=end_sample=${samples}[a]`,
      );
      maps.push('-map', '[a]', ...encoding.audioArgs);
    }
    const title = `shotrouter preview of ${opts.label.shotId} (stand-in for ${opts.label.model})`;
    await writeAtomically(opts.output, (temporary) =>
      runFfmpeg(
        [
          ...inputs,
          ...['-filter_complex', graph.join(';'), ...maps],
          // encoded as a draft conform encodes (encoding.ts), so a placeholder already in the
          // cut's size and rate is copied into the cut, not encoded again (conform.ts); tagged
          // BT.709 only where untagged pictures are read as BT.709 anyway (HD), so no colour
          // anywhere changes
          ...draft.videoArgs,
          ...['-pix_fmt', draft.pixelFormat, ...keyframeArgs(rate)],
          ...cutKeyframeArgs(segments),
          ...(Math.max(opts.width, opts.height) >= 1280 ? COLOR_TAGS : []),
          ...CONTAINER_ARGS,
          ...['-metadata', `title=${title}`, '-y', temporary],
        ],
        { signal: opts.signal },
      ),
    );
  });
}

export interface StillOptions {
  /** a .png file */
  output: string;
  width: number;
  height: number;
  /**
   * What the placeholder stands in for: the image's name (the title), the model that would
   * make it, and its prompt.
   */
  label: { name: string; model: string; prompt: string };
  signal?: AbortSignal;
}

/**
 * A placeholder still (PNG) for a generated image of `images:`: its name, the model it stands
 * in for and its prompt on a colour of its own, drawn like a preview clip's card, so a preview
 * cut shows which still each shot starts from.
 */
export async function renderStill(opts: StillOptions): Promise<void> {
  // odd sizes are made even: the clips the still opens are even-sized anyway
  const width = even(opts.width);
  const height = even(opts.height);
  const layout = layoutFor(width, height);
  await withTempDir(async (dir) => {
    const textFile = async (name: string, text: string) => {
      const file = path.join(dir, name);
      await writeFile(file, text);
      return filterValue(file);
    };
    const m = layout.margin;
    const [title, model, prompt, footer] = await Promise.all([
      textFile('title.txt', singleLine(`image: ${opts.label.name}`, layout.titleChars)),
      textFile('model.txt', singleLine(`stand-in for ${opts.label.model}`, layout.bodyChars)),
      textFile(
        'prompt.txt',
        wrapText(opts.label.prompt, layout.bodyChars, layout.promptLines).join('\n'),
      ),
      textFile('footer.txt', `PREVIEW STILL  ${width}x${height}`),
    ]);
    const draw = (file: string, y: number, size: number, bold: boolean, opacity: number) =>
      `drawtext=${fontOption(bold)}textfile=${file}:fontsize=${size}:fontcolor=white@${opacity}` +
      `:x=${m}:y=${y}:expansion=none:line_spacing=${layout.lineGap}`;
    const graph = [
      `color=c=${lookOf(`image:${opts.label.name}`, 0).color}:s=${width}x${height}`,
      'trim=end_frame=1',
      draw(title, m, layout.title, true, 1),
      draw(model, layout.modelY, layout.body, false, 0.8),
      draw(prompt, layout.promptY, layout.body, false, 1),
      draw(footer, layout.footerY, layout.body, false, 0.6),
      'format=rgb24',
    ].join(',');
    await writeAtomically(opts.output, (temporary) =>
      runFfmpeg(
        [
          '-filter_complex',
          `${graph}[v]`,
          '-map',
          '[v]',
          '-frames:v',
          '1',
          '-f',
          'image2',
          '-c:v',
          'png',
          '-y',
          temporary,
        ],
        { signal: opts.signal },
      ),
    );
  });
}

/** The shots of the clip with whole frame counts that add up to `frames`. */
function segmentsOf(
  opts: PreviewOptions,
  frames: number,
): Array<{ shotId: string; prompt: string; frames: number }> {
  const shots = opts.shots?.filter((s) => s.seconds > 0) ?? [];
  if (shots.length < 2) return [{ shotId: opts.label.shotId, prompt: opts.label.prompt, frames }];
  const total = shots.reduce((sum, s) => sum + s.seconds, 0);
  let before = 0;
  let elapsed = 0;
  return shots
    .map((shot, i) => {
      elapsed += shot.seconds;
      const end = i === shots.length - 1 ? frames : Math.round((elapsed / total) * frames);
      const count = Math.max(1, end - before);
      before += count;
      return { shotId: shot.shotId, prompt: shot.prompt, frames: count };
    })
    .filter((s) => s.frames > 0);
}

/**
 * A keyframe on the first frame of each shot of a multi-shot clip: the clip is cut there into its
 * shots, and each shot is then copied from its keyframe instead of encoded again (conform.ts).
 */
function cutKeyframeArgs(segments: ReadonlyArray<{ frames: number }>): string[] {
  if (segments.length < 2) return [];
  const starts: string[] = [];
  let frame = 0;
  for (const segment of segments.slice(0, -1)) {
    frame += segment.frames;
    starts.push(`eq(n,${frame})`);
  }
  return ['-force_key_frames', `expr:${starts.join('+')}`];
}

interface TextStyle {
  size: number;
  bold?: boolean;
  opacity?: number;
  /** expand drawtext's %{...} functions (only in text we wrote ourselves) */
  expand?: boolean;
}

interface Layout {
  margin: number;
  title: number;
  body: number;
  lineGap: number;
  modelY: number;
  promptY: number;
  footerY: number;
  promptLines: number;
  titleChars: number;
  bodyChars: number;
}

/** Font sizes and positions that scale with the frame, portrait or landscape. */
function layoutFor(width: number, height: number): Layout {
  const short = Math.min(width, height);
  const margin = Math.round(short * 0.05);
  const title = Math.max(8, Math.round(short / 12));
  const body = Math.max(6, Math.round(short / 26));
  const lineGap = Math.round(body * 0.3);
  const modelY = margin + Math.round(title * 1.4);
  const promptY = modelY + Math.round(body * 2.2);
  // the footer and the clock take the two bottom lines
  const footerY = height - margin - 2 * body - lineGap * 2;
  const promptBottom = footerY - body;
  const promptLines = Math.max(
    1,
    Math.min(40, Math.floor((promptBottom - promptY) / (body + lineGap))),
  );
  // DejaVu Sans averages about 0.6 em per character in mixed text
  const usable = width - 2 * margin;
  return {
    margin,
    title,
    body,
    lineGap,
    modelY,
    promptY,
    footerY,
    promptLines,
    titleChars: Math.max(4, Math.floor(usable / (title * 0.62))),
    bodyChars: Math.max(8, Math.floor(usable / (body * 0.6))),
  };
}

/** The prompt as at most `maxLines` lines of at most `maxChars`, ending in "…" when cut. */
export function wrapText(text: string, maxChars: number, maxLines: number): string[] {
  const words = clean(text)
    .split(' ')
    .filter((w) => w !== '');
  const lines: string[] = [];
  let line = '';
  for (let word of words) {
    while (word.length > maxChars) {
      if (line !== '') lines.push(line);
      lines.push(word.slice(0, maxChars));
      word = word.slice(maxChars);
      line = '';
    }
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= maxChars) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  const last = kept[maxLines - 1]!;
  kept[maxLines - 1] = `${last.length < maxChars ? last : last.slice(0, maxChars - 1)}…`;
  return kept;
}

function singleLine(text: string, maxChars: number): string {
  const flat = clean(text);
  return flat.length <= maxChars ? flat : `${flat.slice(0, maxChars - 1)}…`;
}

/** One line of printable text: control characters and runs of whitespace become one space. */
function clean(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\s]+/gu, ' ').trim();
}

/**
 * A colour and a tone derived from the shot id, so different shots look and sound different;
 * the nth shot of a multi-shot clip turns the hue by n golden angles, so neighbours never match.
 */
function lookOf(shotId: string, nth: number, take = 0): { color: string; toneHz: number } {
  const digest = createHash('sha256').update(shotId).digest();
  const hue = (digest.readUInt16BE(0) + nth * 137 + take * 53) % 360;
  const [r, g, b] = hslToRgb(hue, 0.5, 0.3);
  const hex = [r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('');
  return { color: `0x${hex}`, toneHz: 220 + ((digest[2]! + take * 5) % 64) * 8 };
}

function hslToRgb(hue: number, saturation: number, lightness: number): [number, number, number] {
  const chroma = (1 - Math.abs(2 * lightness - 1)) * saturation;
  const x = chroma * (1 - Math.abs(((hue / 60) % 2) - 1));
  const m = lightness - chroma / 2;
  const sector = Math.floor(hue / 60);
  const [r, g, b] = [
    [chroma, x, 0],
    [x, chroma, 0],
    [0, chroma, x],
    [0, x, chroma],
    [x, 0, chroma],
    [chroma, 0, x],
  ][sector]!;
  return [r!, g!, b!].map((c) => Math.round((c + m) * 255)) as [number, number, number];
}
