/**
 * `/mcp` on `shotrouter serve`, driven by the MCP SDK's own client over a real port with users'
 * tokens: the tools act on the server's projects under the API's roles. An editor previews,
 * picks, approves and comments; only a producer may start a paid run, and only with confirm_usd
 * covering the estimate; a viewer reads and can neither run nor comment; a session belongs to
 * the user who opened it.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { addUser, openUsers } from '../../src/lib/users.ts';
import { createStandInRegistry } from '../../src/providers/registry.ts';
import { type Listening, listen } from '../../src/server/listen.ts';
import type { Store } from '../../src/store/store.ts';
import { FakeProvider } from '../engine/fake-provider.ts';
import { fakeTools } from '../engine/helpers.ts';
import { TEMP_DIRS, THREE_SHOTS, tempDir } from '../lib/helpers.ts';
import { storyboardForm } from '../server/helpers.ts';

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (r: Result) => (r.content as { type: string; text: string }[])[0]!.text;
const data = <T>(r: Result) => {
  assert.notEqual(r.isError, true, text(r));
  return r.structuredContent as T;
};
const refused = (r: Result, pattern: RegExp) => {
  assert.equal(r.isError, true, JSON.stringify(r.structuredContent));
  assert.match(text(r), pattern);
};

let served: Listening;
let users: Store;
const tokens: Record<'viewer' | 'editor' | 'producer', string> = {
  viewer: '',
  editor: '',
  producer: '',
};
let project: string;
const clients: Client[] = [];

async function connect(
  token: string | null,
  options: { at?: Listening; answer?: 'accept' | 'decline'; asked?: string[] } = {},
): Promise<Client> {
  const client = new Client(
    { name: 'test', version: '1' },
    options.answer ? { capabilities: { elicitation: { form: {} } } } : {},
  );
  if (options.answer) {
    client.setRequestHandler(ElicitRequestSchema, async (request) => {
      options.asked?.push(request.params.message);
      return options.answer === 'accept'
        ? { action: 'accept', content: { confirm: true } }
        : { action: 'decline' };
    });
  }
  await client.connect(
    new StreamableHTTPClientTransport(new URL('mcp', (options.at ?? served).url), {
      requestInit: token ? { headers: { authorization: `Bearer ${token}` } } : {},
    }),
  );
  clients.push(client);
  return client;
}

before(async () => {
  const projectsDir = tempDir('mcp-http');
  users = await openUsers({ projectsDir });
  tokens.viewer = (await addUser(users, { name: 'vic', role: 'viewer' }, null)).token;
  tokens.editor = (await addUser(users, { name: 'eda', role: 'editor' }, null)).token;
  tokens.producer = (await addUser(users, { name: 'pat', role: 'producer' }, null)).token;
  // no credentials: nothing here may reach a real provider
  served = await listen({ projectsDir, webDir: null, env: {}, users });
  const created = await fetch(new URL('api/projects', served.url), {
    method: 'POST',
    headers: { authorization: `Bearer ${tokens.editor}` },
    body: storyboardForm(THREE_SHOTS),
  });
  assert.equal(created.status, 201);
  project = ((await created.json()) as { project: { id: string } }).project.id;
});

after(async () => {
  for (const client of clients) await client.close().catch(() => {});
  await served.close();
  await users.close();
  for (const dir of TEMP_DIRS) fs.rmSync(dir, { recursive: true, force: true });
});

describe('/mcp on serve', () => {
  test('without a token nothing answers', async () => {
    await assert.rejects(connect(null), /401|unauthorized/i);
  });

  test('an editor: validate → plan → preview run (with progress) → status → pick → approve → comment', async () => {
    const client = await connect(tokens.editor);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), [
      'approve',
      'comment',
      'estimate',
      'package',
      'pick',
      'plan',
      'projects',
      'run',
      'status',
      'takes',
      'validate',
    ]);
    for (const tool of tools) assert.equal(tool.outputSchema?.type, 'object', tool.name);

    const listed = data<{ projects: { id: string }[] }>(
      await client.callTool({ name: 'projects', arguments: {} }),
    );
    assert.deepEqual(
      listed.projects.map((p) => p.id),
      [project],
    );
    const checked = data<{ ok: boolean; shots: number }>(
      await client.callTool({ name: 'validate', arguments: { project } }),
    );
    assert.deepEqual([checked.ok, checked.shots], [true, 3]);
    const plan = data<{ shots: { id: string }[] }>(
      await client.callTool({ name: 'plan', arguments: { project } }),
    );
    assert.deepEqual(
      plan.shots.map((s) => s.id),
      ['s01', 's02', 's03'],
    );

    const progress: string[] = [];
    const ran = data<{ state: string; spend_usd: number; done: number; final: string | null }>(
      await client.callTool({ name: 'run', arguments: { project, preview: true } }, undefined, {
        onprogress: (p) => progress.push(String(p.message)),
        timeout: 300_000,
      }),
    );
    assert.deepEqual([ran.state, ran.spend_usd, ran.done], ['finished', 0, 3]);
    assert.ok(ran.final, 'the cut was assembled');
    assert.ok(
      progress.some((m) => /s01#\d: done on /.test(m)),
      progress.join('\n'),
    );
    assert.ok(
      progress.some((m) => /assembling/.test(m)),
      progress.join('\n'),
    );

    const status = data<{ jobs: { state: string }[] }>(
      await client.callTool({ name: 'status', arguments: { project } }),
    );
    assert.ok(status.jobs.length >= 3 && status.jobs.every((j) => j.state === 'done'));
    const picked = data<{ assembled: boolean }>(
      await client.callTool(
        { name: 'pick', arguments: { project, shot: 's02', take: 1 } },
        undefined,
        {
          timeout: 300_000,
        },
      ),
    );
    assert.equal(picked.assembled, true);
    const approved = data<{ verdict: string; by: string }>(
      await client.callTool({
        name: 'approve',
        arguments: { project, shot: 's01', verdict: 'approved' },
      }),
    );
    assert.deepEqual([approved.verdict, approved.by], ['approved', 'eda']);
    const comment = data<{ by: string; text: string }>(
      await client.callTool({
        name: 'comment',
        arguments: { project, shot: 's02', take: 1, at_seconds: 0.25, text: 'brighter sky' },
      }),
    );
    assert.deepEqual([comment.by, comment.text], ['eda', 'brighter sky']);

    // the API sees what the agent did
    const review = await fetch(new URL(`api/projects/${project}/review`, served.url), {
      headers: { authorization: `Bearer ${tokens.viewer}` },
    });
    const body = (await review.json()) as { reviews: { shot: string }[]; comments: unknown[] };
    assert.deepEqual(
      body.reviews.map((r) => r.shot),
      ['s01'],
    );
    assert.equal(body.comments.length, 1);

    const report = await client.readResource({ uri: `shotrouter://projects/${project}/report` });
    assert.equal(JSON.parse((report.contents[0] as { text: string }).text).total.done, 3);

    // an editor does not spend, whatever it confirms
    refused(
      await client.callTool({
        name: 'run',
        arguments: { project, preview: false, confirm_usd: 1000 },
      }),
      /"forbidden".*only a producer may start a run that spends; you are a editor/,
    );
  });

  test('a producer’s paid run needs confirm_usd of at least the estimate', async () => {
    const client = await connect(tokens.producer);
    const estimate = data<{ usd: number; max_usd: number | null }>(
      await client.callTool({ name: 'estimate', arguments: { project } }),
    );
    assert.ok(estimate.usd > 0);
    assert.equal(estimate.max_usd, null);
    refused(
      await client.callTool({ name: 'run', arguments: { project, preview: false } }),
      /may spend up to \$\d+\.\d\d: show the person .*confirm_usd.*nothing spent/,
    );
    refused(
      await client.callTool({
        name: 'run',
        arguments: { project, preview: false, confirm_usd: estimate.usd / 2 },
      }),
      /may spend up to/,
    );
    // nothing was started: the project still has only the preview run's jobs
    const status = data<{ run: { executor: string } }>(
      await client.callTool({ name: 'status', arguments: { project } }),
    );
    assert.equal(status.run.executor, 'preview');
  });

  test('a viewer reads but cannot run nor comment', async () => {
    const client = await connect(tokens.viewer);
    data(await client.callTool({ name: 'plan', arguments: { project } }));
    data(await client.callTool({ name: 'takes', arguments: { project } }));
    refused(
      await client.callTool({ name: 'run', arguments: { project, preview: true } }),
      /only a editor may start a preview run; you are a viewer/,
    );
    refused(
      await client.callTool({
        name: 'comment',
        arguments: { project, shot: 's01', take: 1, at_seconds: 0, text: 'no' },
      }),
      /only a editor may comment on a take; you are a viewer/,
    );
    refused(
      await client.callTool({
        name: 'approve',
        arguments: { project, shot: 's01', verdict: 'needs_changes' },
      }),
      /you are a viewer/,
    );
  });

  test('a session belongs to the user who opened it', async () => {
    const client = await connect(tokens.viewer);
    const sessionId = (client.transport as StreamableHTTPClientTransport).sessionId!;
    const hijack = await fetch(new URL('mcp', served.url), {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.producer}`,
        'mcp-session-id': sessionId,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
    });
    assert.equal(hijack.status, 403);
  });
});

describe('/mcp: a paid run over HTTP', () => {
  test('a producer’s paid run asks the person through the client: a no spends nothing, a yes runs', async () => {
    const provider = new FakeProvider({ id: 'paid', pollIntervalMs: 0, polls: 0, concurrency: 8 });
    const projectsDir = tempDir('mcp-paid');
    const team = await openUsers({ projectsDir });
    const pat = (await addUser(team, { name: 'pat', role: 'producer' }, null)).token;
    const paying = await listen({
      projectsDir,
      webDir: null,
      env: {},
      users: team,
      runner: {
        registry: () => createStandInRegistry(provider),
        tools: fakeTools,
        assemble: false,
      },
    });
    try {
      const created = await fetch(new URL('api/projects', paying.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${pat}` },
        body: storyboardForm(THREE_SHOTS),
      });
      const id = ((await created.json()) as { project: { id: string } }).project.id;

      const asked: string[] = [];
      const no = await connect(pat, { at: paying, answer: 'decline', asked });
      const { usd } = data<{ usd: number }>(
        await no.callTool({ name: 'estimate', arguments: { project: id } }),
      );
      refused(
        await no.callTool({
          name: 'run',
          arguments: { project: id, preview: false, confirm_usd: usd },
        }),
        /did not agree .*nothing spent/,
      );
      assert.match(asked[0] ?? '', /Spend up to \$/);
      assert.equal(provider.startCalls.length, 0);

      const yes = await connect(pat, { at: paying, answer: 'accept', asked });
      const ran = data<{ state: string; spend_usd: number; done: number }>(
        await yes.callTool(
          { name: 'run', arguments: { project: id, preview: false, confirm_usd: usd } },
          undefined,
          { timeout: 300_000 },
        ),
      );
      assert.equal(ran.state, 'finished');
      assert.equal(asked.length, 2);
      assert.equal(provider.startCalls.length, 3);
      assert.ok(ran.spend_usd > 0 && ran.spend_usd <= usd + 0.005, String(ran.spend_usd));
    } finally {
      await paying.close();
      await team.close();
    }
  });
});
