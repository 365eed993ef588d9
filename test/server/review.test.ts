/**
 * Review: verdicts and time-coded comments kept in the database (SQLite and PostgreSQL), over
 * the API with who did it, in the overview, and as markers in the run's timelines and the
 * package.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import { FakeProvider } from '../engine/fake-provider.ts';
import { fakeTools } from '../engine/helpers.ts';
import { TEMP_DIRS, THREE_SHOTS } from '../lib/helpers.ts';
import { ENGINES, freshPlace } from '../store/engines.ts';
import { assertError, call, storyboardForm, testServer } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const json = (value: unknown) => ({ json: value });

for (const engine of ENGINES) {
  test(`the store keeps verdicts (the newest stands) and comments per space, on ${engine}`, async () => {
    const place = await freshPlace(engine);
    try {
      const store = await place.open(engine === 'postgres' ? { space: 'p1' } : {});
      try {
        await store.setReview({
          shot_id: 's01',
          verdict: 'needs_changes',
          note: 'darker',
          author: 'ana',
        });
        await store.setReview({ shot_id: 's01', verdict: 'approved', note: null, author: 'ben' });
        await store.addComment({
          id: 'c1',
          shot_id: 's01',
          take: 2,
          media_sha256: null,
          at_seconds: 0.5,
          text: 'the kite’s string vanishes',
          author: null,
        });
        const reviews = await store.reviews();
        assert.equal(reviews.length, 1);
        assert.equal(reviews[0]!.verdict, 'approved');
        assert.equal(reviews[0]!.author, 'ben');
        const comments = await store.comments();
        assert.deepEqual(
          comments.map((c) => [c.shot_id, c.take, c.at_seconds, c.text]),
          [['s01', 2, 0.5, 'the kite’s string vanishes']],
        );
      } finally {
        await store.close();
      }
      if (engine === 'postgres') {
        const other = await place.open({ space: 'p2' });
        try {
          assert.deepEqual(await other.reviews(), [], 'another project sees none of it');
        } finally {
          await other.close();
        }
      }
    } finally {
      await place.drop();
    }
  });
}

describe('review over the API', () => {
  test('verdicts and comments are kept, shown, published, and become timeline markers', async () => {
    const server = testServer();
    try {
      const id = (
        await call(server, 'POST', '/api/projects', { form: storyboardForm(THREE_SHOTS) })
      ).body.project.id;
      assertError(
        await call(
          server,
          'PUT',
          `/api/projects/${id}/shots/s01/review`,
          json({ verdict: 'approved' }),
        ),
        404,
        'not_found',
        /has not run yet/,
      );
      await call(server, 'POST', `/api/projects/${id}/runs`, json({ preview: true }));
      await server.idle();

      const verdict = await call(
        server,
        'PUT',
        `/api/projects/${id}/shots/s02/review`,
        json({ verdict: 'needs_changes', note: 'the kite should be blue' }),
      );
      assert.equal(verdict.status, 200, JSON.stringify(verdict.body));
      assert.equal(verdict.body.verdict, 'needs_changes');
      assert.equal(verdict.body.by, null, 'the single-user default');
      const comment = await call(
        server,
        'POST',
        `/api/projects/${id}/shots/s02/takes/1/comments`,
        json({ at_seconds: 0.5, text: 'string snaps here' }),
      );
      assert.equal(comment.status, 201, JSON.stringify(comment.body));
      assertError(
        await call(
          server,
          'POST',
          `/api/projects/${id}/shots/s02/takes/3/comments`,
          json({ at_seconds: 0.5, text: 'x' }),
        ),
        400,
        'usage',
        /has 1 take/,
      );
      assertError(
        await call(
          server,
          'PUT',
          `/api/projects/${id}/shots/nope/review`,
          json({ verdict: 'approved' }),
        ),
        400,
        'usage',
        /no shot 'nope'/,
      );
      const review = (await call(server, 'GET', `/api/projects/${id}/review`)).body;
      assert.equal(review.reviews[0].shot, 's02');
      assert.equal(review.comments[0].text, 'string snaps here');
      const overview = (await call(server, 'GET', `/api/projects/${id}`)).body;
      assert.equal(overview.review.comments.length, 1);

      // the next assembly (a pick) writes the comment into every timeline
      const picked = await call(
        server,
        'POST',
        `/api/projects/${id}/shots/s02/pick`,
        json({ take: 1 }),
      );
      assert.equal(picked.status, 200, JSON.stringify(picked.body));
      const runDir = server.projects.open(id)!.runDir;
      const report = JSON.parse(fs.readFileSync(path.join(runDir, 'report.json'), 'utf8'));
      const s02 = report.shots.find((s: { id: string }) => s.id === 's02');
      assert.deepEqual(s02.review, {
        verdict: 'needs_changes',
        note: 'the kite should be blue',
        by: null,
      });
      assert.equal(s02.comments[0].text, 'string snaps here');
      assert.match(fs.readFileSync(path.join(runDir, 'report.html'), 'utf8'), /string snaps here/);
      const otio = fs.readFileSync(path.join(runDir, 'timeline.otio'), 'utf8');
      assert.match(otio, /"OTIO_SCHEMA": "Marker\.2"/);
      assert.match(otio, /string snaps here/);
      assert.match(
        fs.readFileSync(path.join(runDir, 'timeline.fcpxml'), 'utf8'),
        /<marker [^>]*value="string snaps here"/,
      );
      assert.match(
        fs.readFileSync(path.join(runDir, 'timeline.edl'), 'utf8'),
        /^\* REVIEW 00:00:00:12 string snaps here$/m,
      );
    } finally {
      await server.close();
    }
  });
});

describe('regenerating one shot', () => {
  test('a new prompt makes only that shot again: it alone is estimated, confirmed and started', async () => {
    const provider = new FakeProvider({ id: 'fast', pollIntervalMs: 0, polls: 0 });
    const server = testServer({
      runner: {
        registry: () => createStandInRegistry(provider),
        tools: fakeTools,
        assemble: false,
      },
    });
    try {
      const id = (
        await call(server, 'POST', '/api/projects', { form: storyboardForm(THREE_SHOTS) })
      ).body.project.id;
      const first = (
        await call(server, 'POST', `/api/projects/${id}/runs`, json({ preview: false }))
      ).body.error.details.estimate_usd;
      await call(
        server,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false, confirm_usd: first }),
      );
      await server.idle();
      assert.equal(provider.startCalls.length, 3);

      const changed = await call(server, 'PUT', `/api/projects/${id}/changes`, {
        json: { changes: { shots: { s02: { prompt: 'A blue kite tugs at its string' } } } },
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      const s02 = changed.body.plan.shots.find((s: { id: string }) => s.id === 's02');
      const refused = await call(
        server,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false }),
      );
      assertError(refused, 409, 'confirmation_required');
      const again = refused.body.error.details.estimate_usd;
      assert.ok(Math.abs(again - s02.estimate.usd) < 1e-6, `${again} is the one shot's estimate`);
      await call(
        server,
        'POST',
        `/api/projects/${id}/runs`,
        json({ preview: false, confirm_usd: again }),
      );
      await server.idle();
      assert.equal(provider.startCalls.length, 4, 'one new start, for s02');
      const overview = (await call(server, 'GET', `/api/projects/${id}`)).body;
      assert.equal(overview.shots[1].prompt, 'A blue kite tugs at its string');
      const history = (await call(server, 'GET', `/api/projects/${id}/shots/s02/history`)).body;
      assert.equal(history.runs.length, 2, 'the first run and the one that made s02 again');
      assert.deepEqual(
        history.runs.map((r: { state: string }) => r.state),
        ['finished', 'superseded'],
      );
      assert.equal(history.runs[1].takes[0].state, 'done');
      assert.equal(overview.run.state, 'finished');
    } finally {
      await server.close();
    }
  });
});
