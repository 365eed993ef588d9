import assert from 'node:assert/strict';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { conformClip } from '../../src/media/conform.ts';
import { renderOverlap, renderPiece } from '../../src/media/edit.ts';
import { joinClips } from '../../src/media/join.ts';
import { facts, frameLumas, makeClip, scratchDir } from './fixtures.ts';

const dir = scratchDir();
const at = (name: string) => path.join(dir, name);
const format = { width: 160, height: 90, fps: 24, audio: true, codec: 'h264' as const };
/** one second each, conformed: white and black, so a blend shows in the luma */
const white = at('white.mp4');
const black = at('black.mp4');

before(async () => {
  await Promise.all(
    [
      ['white', white],
      ['black', black],
    ].map(async ([color, output]) => {
      const raw = await makeClip(at(`raw-${color}.mp4`), {
        seconds: 1,
        width: 160,
        height: 90,
        fps: 24,
        picture: { color: color! },
        audio: {},
      });
      await conformClip({ input: raw, output: output!, trimFrom: 0, trimSeconds: 1, ...format });
    }),
  );
});

describe('edits on conformed clips', () => {
  it('cuts a frame-exact piece with fades and text, and joins it by stream copy', async () => {
    const piece = at('piece.mp4');
    await renderPiece({
      ...format,
      input: white,
      output: piece,
      fromFrame: 6,
      frames: 12,
      fadeInFrames: 6,
      fadeOutFrames: 6,
      title: 'A title with a % sign: and colons',
      caption: 'A caption',
    });
    const f = await facts(piece);
    assert.equal(f.video.nb_frames, '12');
    assert.ok(Math.abs(Number(f.audio!.duration) - 0.5) < 1e-3, `sound ${f.audio!.duration}`);
    const lumas = await frameLumas(piece);
    assert.ok(lumas[0]! < 40, `the first frame is faded in from black (${lumas[0]})`);
    assert.ok(lumas[6]! > 150, `the middle is white with text (${lumas[6]})`);
    assert.ok(lumas[11]! < 80, `the last frame fades to black (${lumas[11]})`);
    const joined = await joinClips({ inputs: [white, piece, black], output: at('joined.mp4') });
    assert.equal(joined.method, 'copy', 'a piece has the conformed clips’ codec parameters');
  });

  it('dissolves and wipes from one clip into the other over the overlap', async () => {
    for (const kind of ['dissolve', 'wipe'] as const) {
      const overlap = at(`${kind}.mp4`);
      await renderOverlap({
        ...format,
        output: overlap,
        kind,
        outgoing: white,
        outgoingFrom: 12,
        incoming: black,
        incomingFrom: 0,
        frames: 12,
      });
      const f = await facts(overlap);
      assert.equal(f.video.nb_frames, '12');
      assert.ok(Math.abs(Number(f.audio!.duration) - 0.5) < 1e-3);
      const lumas = await frameLumas(overlap);
      assert.ok(lumas[0]! > lumas[6]! && lumas[6]! > lumas[11]!, `${kind}: ${lumas.join(' ')}`);
      assert.ok(lumas[6]! > 60 && lumas[6]! < 190, `${kind} is half way at the middle`);
      const joined = await joinClips({ inputs: [white, overlap], output: at(`j-${kind}.mp4`) });
      assert.equal(joined.method, 'copy');
    }
  });
});
