/**
 * People and roles: until the first user the server keeps its single-user default; after, every
 * request needs a user's token (loopback too), roles decide who may do what, and who did it is
 * recorded. The users live in the server's database (SQLite beside the projects, or PostgreSQL).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { main } from '../../src/cli/main.ts';
import { addUser } from '../../src/lib/users.ts';
import { hashToken } from '../../src/server/security.ts';
import { memoryIO } from '../cli/memory-io.ts';
import { TEMP_DIRS, THREE_SHOTS, tempDir } from '../lib/helpers.ts';
import { ENGINES, freshPlace } from '../store/engines.ts';
import { assertError, call, storyboardForm, testServer } from './helpers.ts';

after(() => {
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

const json = (value: unknown) => ({ json: value });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

for (const engine of ENGINES) {
  test(`roles over the API, users kept on ${engine}`, async () => {
    const place = await freshPlace(engine);
    const users = await place.open();
    const server = testServer({ users, tokenSha256: hashToken('team-token'), loopbackOnly: true });
    try {
      // no user yet: SHOTROUTER_TOKEN keeps its meaning
      const created = await call(server, 'POST', '/api/projects', {
        form: storyboardForm(THREE_SHOTS),
        headers: bearer('team-token'),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.project.id;

      const viewer = (await addUser(users, { name: 'vic', role: 'viewer' }, null)).token;
      const editor = (await addUser(users, { name: 'eda', role: 'editor' }, null)).token;
      const producer = (await addUser(users, { name: 'pat', role: 'producer' }, 'eda')).token;
      const health = await call(server, 'GET', '/api/health', { headers: bearer(viewer) });
      assert.equal(health.body.auth, true);
      assertError(await call(server, 'GET', `/api/projects/${id}`), 401, 'unauthorized');
      assertError(
        await call(server, 'GET', `/api/projects/${id}`, { headers: bearer('wrong') }),
        401,
        'unauthorized',
      );

      // viewers look
      const seen = await call(server, 'GET', `/api/projects/${id}`, { headers: bearer(viewer) });
      assert.equal(seen.status, 200);
      assertError(
        await call(server, 'PUT', `/api/projects/${id}/changes`, {
          ...json({ changes: { optimize: 'cost' } }),
          headers: bearer(viewer),
        }),
        403,
        'forbidden',
        /only a editor may change anything; you are a viewer/,
      );
      // a dry-run plan changes nothing: a viewer may try it
      const tried = await call(server, 'POST', `/api/projects/${id}/plan`, {
        ...json({ changes: { optimize: 'cost' } }),
        headers: bearer(viewer),
      });
      assert.equal(tried.status, 200);

      // editors change and preview, but do not spend
      const changed = await call(server, 'PUT', `/api/projects/${id}/changes`, {
        ...json({ changes: { optimize: 'cost' } }),
        headers: bearer(editor),
      });
      assert.equal(changed.status, 200, JSON.stringify(changed.body));
      const after = await call(server, 'GET', `/api/projects/${id}`, { headers: bearer(viewer) });
      assert.equal(after.body.project.changed_by, 'eda', 'a plan change records who made it');
      const me = await call(server, 'GET', '/api/me', { headers: bearer(viewer) });
      assert.deepEqual(me.body, { name: 'vic', role: 'viewer' });
      assertError(
        await call(server, 'PUT', `/api/projects/${id}/changes`, {
          ...json({ changes: { optimize: 'cost', budget_usd: 5 } }),
          headers: bearer(editor),
        }),
        403,
        'forbidden',
        /only a producer may change the budget/,
      );
      assertError(
        await call(server, 'POST', `/api/projects/${id}/runs`, {
          ...json({ preview: false, confirm_usd: 100 }),
          headers: bearer(editor),
        }),
        403,
        'forbidden',
        /only a producer may start a run that spends/,
      );
      // producers spend: the request passes the role check and meets the money check
      const paid = await call(server, 'POST', `/api/projects/${id}/runs`, {
        ...json({ preview: false }),
        headers: bearer(producer),
      });
      assert.notEqual(paid.status, 403, JSON.stringify(paid.body));
      // SHOTROUTER_TOKEN acts as a producer
      const budget = await call(server, 'PUT', `/api/projects/${id}/changes`, {
        ...json({ changes: { budget_usd: 5 } }),
        headers: bearer('team-token'),
      });
      assert.equal(budget.status, 200, JSON.stringify(budget.body));

      // who did it is recorded
      const preview = await call(server, 'POST', `/api/projects/${id}/runs`, {
        ...json({ preview: true }),
        headers: bearer(editor),
      });
      assert.equal(preview.status, 202, JSON.stringify(preview.body));
      await server.idle();
      const review = await call(server, 'PUT', `/api/projects/${id}/shots/s01/review`, {
        ...json({ verdict: 'approved' }),
        headers: bearer(editor),
      });
      assert.equal(review.body.by, 'eda');
      const picked = await call(server, 'POST', `/api/projects/${id}/shots/s01/pick`, {
        ...json({ take: 1 }),
        headers: bearer(producer),
      });
      assert.equal(picked.status, 200, JSON.stringify(picked.body));
      assert.equal(picked.body.shots[0].takes[0].picked_by, 'pat', 'a pick records who made it');
      const activity = picked.body.project.activity as Array<{ by: string | null; what: string }>;
      assert.deepEqual(
        activity.map((a) => [a.what, a.by]),
        [['run_started', 'eda']],
        'who started the preview is recorded (the refused starts are not)',
      );
      assert.equal(picked.body.project.created_by, null, 'SHOTROUTER_TOKEN is no named user');
    } finally {
      await server.close();
      await users.close();
      await place.drop();
    }
  });
}

describe('shotrouter users', () => {
  test('add prints the token once and keeps only its hash; list; remove', async () => {
    const cwd = tempDir('users-cli');
    const projects = path.join(cwd, 'projects');
    const added = memoryIO(cwd);
    assert.equal(
      await main(
        ['users', 'add', 'ana', '--role', 'editor', '--projects', projects, '--json'],
        added.io,
      ),
      0,
      added.stderr(),
    );
    const { user, token } = JSON.parse(added.stdout());
    assert.equal(user.role, 'editor');
    assert.match(token, /^[\w-]{43}$/);
    const database = fs.readFileSync(path.join(projects, '.users', 'shotrouter.db'));
    assert.ok(!database.includes(token), 'the token itself is not stored');

    const wrong = memoryIO(cwd);
    assert.equal(
      await main(['users', 'add', 'bo', '--role', 'boss', '--projects', projects], wrong.io),
      64,
    );
    assert.match(wrong.stderr(), /--role viewer\|editor\|producer/);
    const reserved = memoryIO(cwd);
    assert.notEqual(
      await main(
        ['users', 'add', '__proto__', '--role', 'viewer', '--projects', projects],
        reserved.io,
      ),
      0,
    );

    const list = memoryIO(cwd);
    assert.equal(await main(['users', 'list', '--projects', projects], list.io), 0);
    assert.match(list.stdout(), /^ana\teditor\t/m);
    const removed = memoryIO(cwd);
    assert.equal(await main(['users', 'remove', 'ana', '--projects', projects], removed.io), 0);
    const empty = memoryIO(cwd);
    assert.equal(await main(['users', 'list', '--projects', projects], empty.io), 0);
    assert.match(empty.stdout(), /single-user default/);
  });
});
