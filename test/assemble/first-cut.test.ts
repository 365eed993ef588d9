import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { assembleFirstCut } from '../../src/assemble/index.ts';
import { loadCatalog } from '../../src/catalog/load.ts';
import { buildJobSpecs, ffmpegClipTools, prepareRun, runEngine } from '../../src/engine/index.ts';
import { probe } from '../../src/media/index.ts';
import { providerErrors } from '../../src/providers/errors.ts';
import { createPreviewProvider } from '../../src/providers/preview/index.ts';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import type { Provider } from '../../src/providers/types.ts';
import { planStoryboard } from '../../src/router/plan.ts';
import { MediaFolder } from '../../src/store/media-folder.ts';
import { openStore } from '../../src/store/store.ts';
import { loadStoryboard } from '../../src/storyboard/load.ts';

const FIXTURE = fileURLToPath(new URL('../fixtures/run/three-shots.yaml', import.meta.url));

/** The preview provider, except that shot s02 is refused on every model. */
function refusingS02(): Provider {
  const preview = createPreviewProvider();
  return {
    info: preview.info,
    model(modelId) {
      const model = preview.model(modelId);
      return {
        ...model,
        specificationVersion: 'v4',
        provider: model.provider,
        modelId: model.modelId,
        maxVideosPerCall: 1,
        async doStart(options) {
          const shot = (options.providerOptions.shotrouter as { shotId: string }).shotId;
          if (shot === 's02')
            throw providerErrors.contentRefused('preview', 'kites are not allowed');
          return model.doStart!(options);
        },
        doStatus: (options) => model.doStatus!(options),
      };
    },
  };
}

let dir: string;
before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-cut-'));
});
after(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('first cut', () => {
  test('a shot that failed on every model is held by a slate of its length; the report says why', async () => {
    const catalog = loadCatalog();
    const storyboard = loadStoryboard(FIXTURE, { knownModels: [...catalog.byId.keys()] });
    const plan = planStoryboard(storyboard, catalog);
    const registry = createStandInRegistry(refusingS02());
    const specs = await buildJobSpecs(plan, storyboard, registry.executor);
    const store = await openStore({ dir });
    try {
      const { run } = await prepareRun(
        store,
        {
          title: plan.title,
          storyboardFile: FIXTURE,
          storyboardSha256: 'x',
          planJson: JSON.stringify(plan),
          budgetMicro: null,
          executor: registry.executor,
        },
        specs,
        dir,
      );
      const outcome = await runEngine({
        store,
        runId: run.id,
        specs,
        registry,
        media: new MediaFolder(dir),
        tools: ffmpegClipTools,
      });
      assert.equal(outcome.failed, 1);

      const cut = await assembleFirstCut({
        dir,
        store,
        runId: run.id,
        storyboard,
        plan,
        specs,
        preview: true,
      });
      const final = await probe(cut.final);
      assert.ok(
        Math.abs(final.durationSeconds - 3.5) <= 1 / 24,
        `the cut keeps its timing: ${final.durationSeconds}`,
      );
      assert.equal(final.width, 320);
      assert.equal(final.hasAudio, true);

      const s02 = cut.report.shots[1]!;
      assert.equal(s02.id, 's02');
      assert.equal(s02.state, 'failed');
      assert.equal(s02.file, null);
      assert.equal(s02.sha256, null);
      assert.match(s02.error!, /failed on every allowed model: .*kites are not allowed/);
      // every fallback was tried, one logical start each
      assert.equal(s02.attempts, plan.shots[1]!.fallback_routes.length + 1);
      assert.equal(cut.report.total.done, 2);
      assert.equal(cut.report.total.failed, 1);
      const written = JSON.parse(fs.readFileSync(path.join(dir, 'report.json'), 'utf8'));
      assert.deepEqual(written, cut.report);
    } finally {
      await store.close();
    }
  });
});
