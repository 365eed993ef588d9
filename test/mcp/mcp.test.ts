/**
 * shotrouter as an MCP server, driven by the MCP SDK's own client: over stdio against the real
 * `shotrouter mcp` process (validate → plan → preview run → status → takes → pick, and the paid
 * run refused without the person's cap), and in-process for the spending gate with elicitation.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { previewRegistry } from '../../src/lib/providers.ts';
import { createMcpServer } from '../../src/mcp/server.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const STORYBOARD = path.join(REPO, 'test/fixtures/run/three-shots.yaml');

let root: string;
before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-mcp-'));
  fs.copyFileSync(STORYBOARD, path.join(root, 'film.yaml'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

type Result = Awaited<ReturnType<Client['callTool']>>;
const text = (r: Result) => (r.content as { type: string; text: string }[])[0]!.text;
const data = <T>(r: Result) => {
  assert.notEqual(r.isError, true, text(r));
  return r.structuredContent as T;
};

describe('shotrouter mcp over stdio', () => {
  let client: Client;
  before(async () => {
    client = new Client({ name: 'test', version: '1' });
    await client.connect(
      new StdioClientTransport({
        command: process.execPath,
        args: [path.join(REPO, 'bin/shotrouter.js'), 'mcp'],
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: root,
          XDG_CONFIG_HOME: path.join(root, 'config'),
        },
        stderr: 'pipe',
      }),
    );
  });
  after(() => client.close());

  test('lists its tools, each with input and output schemas', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    assert.deepEqual(names, [
      'approve',
      'comment',
      'estimate',
      'import_edit',
      'package',
      'pick',
      'plan',
      'run',
      'status',
      'takes',
      'validate',
    ]);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object');
      assert.equal(tool.outputSchema?.type, 'object', `${tool.name} has structured output`);
    }
  });

  test('validate → plan → preview run (with progress) → status → takes → pick', async () => {
    const checked = data<{ ok: boolean; shots: number }>(
      await client.callTool({ name: 'validate', arguments: { storyboard: 'film.yaml' } }),
    );
    assert.deepEqual([checked.ok, checked.shots], [true, 3]);

    const plan = data<{ shots: { id: string; model: string }[]; total: { usd: number } }>(
      await client.callTool({ name: 'plan', arguments: { storyboard: 'film.yaml' } }),
    );
    assert.deepEqual(
      plan.shots.map((s) => s.id),
      ['s01', 's02', 's03'],
    );
    assert.ok(plan.shots.every((s) => typeof s.model === 'string'));

    const progress: string[] = [];
    const ran = data<{ state: string; final: string; spend_usd: number; done: number }>(
      await client.callTool(
        { name: 'run', arguments: { storyboard: 'film.yaml', out: 'runs/film', preview: true } },
        undefined,
        { onprogress: (p) => progress.push(String(p.message)), timeout: 300_000 },
      ),
    );
    assert.equal(ran.state, 'finished');
    assert.equal(ran.spend_usd, 0);
    assert.equal(ran.done, 3);
    assert.ok(fs.existsSync(path.join(root, ran.final)), 'the cut exists');
    assert.ok(
      progress.some((m) => /assembling/.test(m)),
      progress.join('\n'),
    );
    assert.ok(
      progress.some((m) => /s01#\d: done on /.test(m)),
      progress.join('\n'),
    );

    const status = data<{ jobs: { shot: string; state: string }[] }>(
      await client.callTool({ name: 'status', arguments: { out: 'runs/film' } }),
    );
    assert.ok(status.jobs.every((j) => j.state === 'done'));

    const takes = data<{ shots: { id: string; takes: { take: number; inCut: boolean }[] }[] }>(
      await client.callTool({
        name: 'takes',
        arguments: { storyboard: 'film.yaml', out: 'runs/film' },
      }),
    );
    assert.equal(takes.shots.find((s) => s.id === 's02')?.takes[0]?.inCut, true);

    const picked = data<{ assembled: boolean }>(
      await client.callTool(
        { name: 'pick', arguments: { out: 'runs/film', shot: 's02', take: 1 } },
        undefined,
        { timeout: 300_000 },
      ),
    );
    assert.equal(picked.assembled, true);

    const approved = data<{ shot: string; verdict: string; by: string | null }>(
      await client.callTool({
        name: 'approve',
        arguments: { out: 'runs/film', shot: 's02', verdict: 'approved' },
      }),
    );
    assert.deepEqual([approved.shot, approved.verdict, approved.by], ['s02', 'approved', null]);
    const comment = data<{ take: number; at_seconds: number; text: string }>(
      await client.callTool({
        name: 'comment',
        arguments: { out: 'runs/film', shot: 's02', take: 1, at_seconds: 0.5, text: 'hold longer' },
      }),
    );
    assert.deepEqual([comment.take, comment.at_seconds, comment.text], [1, 0.5, 'hold longer']);
    const past = await client.callTool({
      name: 'comment',
      arguments: { out: 'runs/film', shot: 's02', take: 1, at_seconds: 999, text: 'late' },
    });
    assert.equal(past.isError, true);
    assert.match(text(past), /past the end of shot 's02'/);

    const packed = data<{ out: string; files: string[] }>(
      await client.callTool(
        { name: 'package', arguments: { out: 'runs/film', package_out: 'handoff' } },
        undefined,
        { timeout: 300_000 },
      ),
    );
    assert.equal(packed.out, 'handoff');
    assert.ok(packed.files.includes('timeline.otio'), packed.files.join(', '));
    // the comment is in the package's timelines
    assert.match(fs.readFileSync(path.join(root, 'handoff/timeline.edl'), 'utf8'), /hold longer/);

    // an editor's cut comes back: s02 first, s01 after it, s03 dropped
    fs.writeFileSync(
      path.join(root, 'edited.edl'),
      [
        'TITLE: edited',
        'FCM: NON-DROP FRAME',
        '001  AX       V     C        00:00:00:00 00:00:01:12 01:00:00:00 01:00:01:12',
        '* FROM CLIP NAME: s02',
        '002  AX       V     C        00:00:00:00 00:00:01:00 01:00:01:12 01:00:02:12',
        '* FROM CLIP NAME: s01',
        '',
      ].join('\n'),
    );
    const asked = data<{ written: boolean; changes: string[] }>(
      await client.callTool({
        name: 'import_edit',
        arguments: { out: 'runs/film', edited: 'edited.edl' },
      }),
    );
    assert.equal(asked.written, false);
    assert.ok(asked.changes.includes('order: s01 s02 s03 → s02 s01'), asked.changes.join('\n'));
    assert.ok(asked.changes.some((c) => /^s03: dropped/.test(c)));
    const board = fs.readFileSync(path.join(root, 'film.yaml'), 'utf8');
    const imported = data<{ written: boolean; final: string }>(
      await client.callTool(
        { name: 'import_edit', arguments: { out: 'runs/film', edited: 'edited.edl', write: true } },
        undefined,
        { timeout: 300_000 },
      ),
    );
    assert.equal(imported.written, true);
    assert.notEqual(fs.readFileSync(path.join(root, 'film.yaml'), 'utf8'), board);
    assert.ok(fs.existsSync(path.join(root, imported.final)));

    const report = await client.readResource({ uri: 'shotrouter://report/runs/film' });
    const json = JSON.parse((report.contents[0] as { text: string }).text);
    assert.deepEqual(
      json.edit.cut.map((e: { id: string }) => e.id),
      ['s02', 's01'],
    );
  });

  test('a paid run is refused without the person’s cap, before anything is spent', async () => {
    const estimate = data<{ usd: number; allowed: boolean; max_usd: number }>(
      await client.callTool({
        name: 'estimate',
        arguments: { storyboard: 'film.yaml', out: 'runs/paid' },
      }),
    );
    assert.ok(estimate.usd > 0);
    assert.equal(estimate.max_usd, 0);
    assert.equal(estimate.allowed, false);
    const refused = await client.callTool({
      name: 'run',
      arguments: { storyboard: 'film.yaml', out: 'runs/paid', preview: false, confirm_usd: 1000 },
    });
    assert.equal(refused.isError, true);
    assert.match(text(refused), /over the \$0\.00 cap .*--max-usd.*nothing spent/);
  });

  test('paths outside the folder it was started in are refused', async () => {
    const r = await client.callTool({
      name: 'validate',
      arguments: { storyboard: '../../etc/passwd' },
    });
    assert.equal(r.isError, true);
    assert.match(text(r), /outside/);
  });
});

describe('the spending gate', () => {
  /** A client whose person answers `answer` when asked, connected in-process to a server with a cap. */
  async function connect(maxUsd: number, answer?: 'accept' | 'decline') {
    const server = createMcpServer({
      root,
      env: { XDG_CONFIG_HOME: path.join(root, 'config') },
      maxUsd,
      // clips are made by the local renderer, so the gate is tested without a provider
      runOptions: { registry: previewRegistry() },
    });
    const client = new Client(
      { name: 'test', version: '1' },
      answer ? { capabilities: { elicitation: { form: {} } } } : {},
    );
    const asked: string[] = [];
    if (answer) {
      client.setRequestHandler(ElicitRequestSchema, async (request) => {
        asked.push(request.params.message);
        return answer === 'accept'
          ? { action: 'accept', content: { confirm: true } }
          : { action: 'decline' };
      });
    }
    const [a, b] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(a), client.connect(b)]);
    return { client, asked, close: () => client.close() };
  }

  const paid = (out: string, confirm?: number) => ({
    name: 'run',
    arguments: {
      storyboard: 'film.yaml',
      out,
      preview: false,
      ...(confirm === undefined ? {} : { confirm_usd: confirm }),
    },
  });

  test('under the cap, confirm_usd below the estimate is refused and says the amount', async () => {
    const c = await connect(100);
    const r = await c.client.callTool(paid('runs/gate-1', 0.01));
    assert.equal(r.isError, true);
    assert.match(text(r), /may spend up to \$\d+\.\d\d: show the person .*confirm_usd: [\d.]+/);
    await c.close();
  });

  test('a cap below the estimate refuses even with confirm_usd', async () => {
    const c = await connect(0.01);
    const r = await c.client.callTool(paid('runs/gate-2', 1000));
    assert.equal(r.isError, true);
    assert.match(text(r), /over the \$0\.01 cap/);
    await c.close();
  });

  test('where the client can ask its person, a no stops the run and a yes runs it', async () => {
    const no = await connect(100, 'decline');
    const estimate = data<{ usd: number }>(
      await no.client.callTool({
        name: 'estimate',
        arguments: { storyboard: 'film.yaml', out: 'runs/gate-3' },
      }),
    );
    const refused = await no.client.callTool(paid('runs/gate-3', estimate.usd));
    assert.equal(refused.isError, true);
    assert.match(text(refused), /did not agree .*nothing spent/);
    assert.match(no.asked[0] ?? '', /Spend up to \$/);
    await no.close();

    const yes = await connect(100, 'accept');
    const ran = data<{ state: string }>(
      await yes.client.callTool(paid('runs/gate-3', estimate.usd), undefined, { timeout: 300_000 }),
    );
    assert.equal(ran.state, 'finished');
    assert.equal(yes.asked.length, 1);
    await yes.close();
  });
});
