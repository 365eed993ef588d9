/**
 * Provenance: the cut and every conformed clip say in their container tags that they contain
 * AI-generated material and which models made it; provenance.json lists each clip with its
 * model, job, prompt digest, dates, cost and the digest of the file the provider delivered; the
 * original takes are left untouched. A preview (placeholders) is not labelled.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { assembleDelivery } from '../../src/assemble/index.ts';
import type { Provenance } from '../../src/assemble/provenance.ts';
import { scratchDir } from '../media/fixtures.ts';
import {
  type FixtureRun,
  fixtureProvider,
  generate,
  planned,
  planOf,
  writeStoryboard,
} from './harness.ts';

const root = scratchDir();

function tagsOf(file: string): Record<string, string> {
  const out = execFileSync('ffprobe', [
    '-v',
    'error',
    '-show_entries',
    'format_tags',
    '-of',
    'json',
    file,
  ]);
  return (
    (JSON.parse(String(out)) as { format: { tags?: Record<string, string> } }).format.tags ?? {}
  );
}

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('provenance', () => {
  let run: FixtureRun;
  before(async () => {
    const storyboard = writeStoryboard(
      root,
      'labelled',
      `version: 1
title: Labelled film
deliver: { resolution: 160x90, fps: 24 }
shots:
  - { id: a, prompt: a harbour at dawn, duration: 0.5 }
  - { id: b, prompt: a kite over the beach, duration: 0.5 }
`,
    );
    const plan = planOf('Labelled film', [
      planned('a', { seconds: 0.5 }),
      planned('b', { seconds: 0.5 }, { model: 'veo-3.1', provider: 'vertex' }),
    ]);
    run = await generate(
      storyboard,
      plan,
      fixtureProvider(() => ({})),
    );
  });
  after(() => run?.store.close());

  const delivered = (preview: boolean) =>
    assembleDelivery({
      dir: run.dir,
      store: run.store,
      runId: run.runId,
      storyboard: run.storyboard,
      plan: run.plan,
      specs: run.specs,
      preview,
    });

  test('the cut and its conformed clips carry the AI-generated label; provenance.json lists every clip', async () => {
    const delivery = await delivered(false);
    const final = path.join(run.dir, delivery.report.final!);
    const tags = tagsOf(final);
    assert.equal(tags.ai_generated, 'true');
    assert.equal(tags.ai_models, 'ltx-2,veo-3.1');
    assert.equal(tags.ai_project, 'Labelled film');
    assert.match(tags.comment ?? '', /Contains AI-generated video \(ltx-2, veo-3\.1\)/);

    const clipB = delivery.report.shots.find((s) => s.id === 'b')!.clip!;
    assert.equal(tagsOf(path.join(run.dir, clipB)).ai_models, 'veo-3.1');

    const provenance = JSON.parse(
      fs.readFileSync(path.join(run.dir, 'provenance.json'), 'utf8'),
    ) as Provenance;
    assert.equal(provenance.ai_generated, true);
    assert.deepEqual(provenance.models, ['ltx-2', 'veo-3.1']);
    assert.equal(provenance.final.sha256, sha256(final));
    assert.deepEqual(
      provenance.clips.map((c) => [c.shot, c.model, c.take]),
      [
        ['a', 'ltx-2', 1],
        ['b', 'veo-3.1', 1],
      ],
    );
    for (const clip of provenance.clips) {
      const source = path.join(run.dir, clip.source.file);
      // the delivered take is untouched: its bytes still match the digest the cache relies on
      assert.equal(sha256(source), clip.source.sha256);
      assert.equal(tagsOf(source).ai_generated, undefined);
      assert.match(clip.prompt_sha256, /^[0-9a-f]{64}$/);
      assert.ok(clip.requested_at <= clip.finished_at);
      assert.ok(fs.existsSync(path.join(run.dir, clip.conformed)));
    }
  });

  test('a preview cut of placeholders is not labelled as AI-generated, and no provenance of an earlier real cut is left', async () => {
    assert.equal(fs.existsSync(path.join(run.dir, 'provenance.json')), true);
    const delivery = await delivered(true);
    assert.equal(tagsOf(path.join(run.dir, delivery.report.final!)).ai_generated, undefined);
    assert.equal(fs.existsSync(path.join(run.dir, 'provenance.json')), false);
  });
});
