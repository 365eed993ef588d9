/**
 * The three timelines beside the cut, read back with our own readers: each describes the same
 * cut clip for clip (names, media, positions, lengths), with every clip's provenance and the
 * other takes as alternates, and their length is the cut's.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  type ClipProvenance,
  provenanceOf,
  type ReadTimeline,
  readEdl,
  readFcpxml,
  readOtio,
  timelineToClips,
} from '../../src/timeline/index.ts';
import { facts, scratchDir } from '../media/fixtures.ts';
import {
  deliver,
  type FixtureRun,
  fixtureProvider,
  generate,
  groupOf,
  planned,
  planOf,
  writeStoryboard,
} from './harness.ts';

const root = scratchDir();

interface SeenClip {
  name: string | undefined;
  file: string;
  recordStart: number;
  duration: number;
  provenance: ClipProvenance | undefined;
  alternates: Array<{ file: string; provenance: ClipProvenance | undefined }>;
}

describe('timelines', () => {
  let run: FixtureRun;
  let delivery: Awaited<ReturnType<typeof deliver>>;
  const read: Record<string, ReadTimeline> = {};
  before(async () => {
    const storyboard = writeStoryboard(
      root,
      'film',
      `version: 1
title: "Aurora: the cut & its takes"
deliver: { resolution: 160x90, fps: 24 }
shots:
  - { id: s01, prompt: "She says \\"it's over\\" & walks away", duration: 0.5, takes: 2 }
  - { id: s02, prompt: montage one, duration: 0.5, sequence: m }
  - { id: s03, prompt: montage two, duration: 0.75, sequence: m }
  - { id: s04, prompt: the watch in slow motion, duration: 1, slowmo: 2 }
`,
    );
    const plan = planOf('Aurora: the cut & its takes', [
      planned('s01', { seconds: 0.5, audio: true }, { takes: 2 }),
      ...groupOf('m:s02-s03', { seconds: 1.25 }, [
        { id: 's02', seconds: 0.5 },
        { id: 's03', seconds: 0.75 },
      ]),
      planned('s04', { seconds: 0.5, fps: 48 }),
    ]);
    const provider = fixtureProvider((r) =>
      r.unit === 'm:s02-s03'
        ? {
            scenes: [
              { color: 'red', seconds: 0.5 },
              { color: 'blue', seconds: 0.75 },
            ],
          }
        : {},
    );
    run = await generate(storyboard, plan, provider);
    delivery = await deliver(run);
    read.otio = readOtio(fs.readFileSync(path.join(run.dir, 'timeline.otio'), 'utf8'));
    read.fcpxml = readFcpxml(fs.readFileSync(path.join(run.dir, 'timeline.fcpxml'), 'utf8'));
    read.edl = readEdl(fs.readFileSync(path.join(run.dir, 'timeline.edl'), 'utf8'), 24);
  });
  after(() => run?.store.close());

  /** Media as a path relative to the run folder, whether the file wrote it relative or as a URL. */
  const relative = (file: string | undefined) =>
    file?.startsWith('file:') ? path.relative(run.dir, fileURLToPath(file)) : (file ?? '');

  function seen(timeline: ReadTimeline): SeenClip[] {
    const items = timeline.tracks
      .find((t) => t.kind === 'video')!
      .items.filter((i) => i.kind === 'clip');
    return timelineToClips(timeline).map((clip, i) => ({
      name: clip.name,
      file: relative(clip.file),
      recordStart: Math.round(clip.recordStart * 24),
      duration: Math.round(clip.duration * 24),
      provenance: provenanceOf(clip),
      alternates: (items[i]!.alternates ?? []).map((a) => ({
        file: relative(a.file),
        provenance: provenanceOf(a),
      })),
    }));
  }

  test('OTIO, FCPXML and EDL describe the same cut, clip for clip', () => {
    const otio = seen(read.otio!);
    assert.deepEqual(seen(read.fcpxml!), otio);
    assert.deepEqual(seen(read.edl!), otio);
    assert.deepEqual(
      otio.map((c) => [c.name, c.recordStart, c.duration]),
      [
        ['s01 take 1', 0, 12],
        ['s02', 12, 12],
        ['s03', 24, 18],
        ['s04', 42, 24],
      ],
    );
  });

  test('each clip is the conformed clip of the cut, with its provenance; other takes ride along', () => {
    const otio = seen(read.otio!);
    otio.forEach((clip, i) => {
      const shot = delivery.report.shots[i]!;
      assert.equal(clip.file, shot.clip);
      assert.ok(fs.existsSync(path.join(run.dir, clip.file)));
      const p = clip.provenance!;
      assert.equal(p.shot_id, shot.id);
      assert.equal(p.model, 'ltx-2');
      assert.equal(p.provider, 'fal');
      assert.equal(p.seed, null);
      assert.equal(p.cost_usd, 0);
      assert.equal(p.take, 1);
      assert.match(p.job_id, /^[0-9a-f-]{36}$/);
    });
    assert.equal(otio[0]!.provenance!.prompt, 'She says "it\'s over" & walks away');
    // the two shots of the multi-shot generation come from one job, prompted together
    assert.equal(otio[1]!.provenance!.job_id, otio[2]!.provenance!.job_id);
    assert.match(otio[1]!.provenance!.prompt, /^A sequence of 2 shots/);
    assert.deepEqual(
      otio[0]!.alternates.map((a) => a.provenance?.take),
      [2],
    );
    assert.match(otio[0]!.alternates[0]!.file, /^conformed\/s01-take2-[0-9a-f]{16}\.mp4$/);
    assert.ok(fs.existsSync(path.join(run.dir, otio[0]!.alternates[0]!.file)));
  });

  test('the timelines last as long as the cut', async () => {
    const final = await facts(delivery.final);
    assert.equal(final.video.nb_frames, '66');
    const last = seen(read.otio!).at(-1)!;
    assert.equal(last.recordStart + last.duration, 66);
  });

  test('FCPXML names media by absolute URL (Final Cut needs it); OTIO and EDL stay relative', () => {
    const fcpxml = fs.readFileSync(path.join(run.dir, 'timeline.fcpxml'), 'utf8');
    assert.match(fcpxml, /src="file:\/\/\/[^"]*\/conformed\/s01-take1-[0-9a-f]{16}\.mp4"/);
    const otio = fs.readFileSync(path.join(run.dir, 'timeline.otio'), 'utf8');
    assert.match(otio, /"target_url": "conformed\/s01-take1-[0-9a-f]{16}\.mp4"/);
  });
});
