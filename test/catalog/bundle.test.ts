/**
 * Signed catalog bundles through the real command line: keygen, trust, bundle, pull, status,
 * reset; every refusal leaves the installed catalog exactly as it was; a good pull over loopback;
 * a pull killed half-way leaves the installed catalog whole.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';
import { pullCatalog, catalog as userCatalog } from '../../src/lib/catalog.ts';
import type { Plan } from '../../src/router/types.ts';
import { guardedFetcher } from '../../src/util/guarded-fetch.ts';
import { memoryIO } from '../cli/memory-io.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BUILT_IN = path.join(REPO, 'catalog');

let root: string;
let env: NodeJS.ProcessEnv;
let keyFile: string;
let publicKey: string;
let cards: string;

async function cli(args: string[]) {
  const t = memoryIO(root, { env });
  const code = await main(args, t.io);
  return { code, stdout: t.stdout(), stderr: t.stderr() };
}

function installedState(): string {
  const dir = path.join(root, 'config', 'shotrouter', 'catalog');
  const names = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
  if (names.length === 0) return '(none)';
  return names
    .sort()
    .map((name) => `${name}:${fs.readFileSync(path.join(dir, name)).toString('base64')}`)
    .join('\n');
}

/** A folder of the built-in cards with one changed, so a plan shows which catalog it used. */
function cardFolder(name: string, change?: (text: string) => string): string {
  const dir = path.join(root, name);
  fs.mkdirSync(dir, { recursive: true });
  for (const file of fs.readdirSync(BUILT_IN)) {
    const text = fs.readFileSync(path.join(BUILT_IN, file), 'utf8');
    fs.writeFileSync(path.join(dir, file), file === 'veo-3.1.yaml' && change ? change(text) : text);
  }
  return dir;
}

async function makeBundle(name: string, published: string, dir = cards): Promise<string> {
  const out = path.join(root, `${name}.bundle`);
  const r = await cli([
    'catalog',
    'bundle',
    dir,
    '--sign',
    keyFile,
    '--out',
    out,
    '--published',
    published,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return out;
}

/** A bundle file as JSON, for tests that damage one. */
interface RawBundle {
  manifest: string;
  signature?: { value: string };
  cards: Record<string, string>;
}
interface RawManifest {
  schema_version: number;
  cards: { file: string; sha256: string; bytes: number }[];
}

/** Changes a bundle and signs its manifest again with our key: "signed, but bad inside". */
function resigned(file: string, edit: (bundle: RawBundle, manifest: RawManifest) => void): string {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  const manifest = JSON.parse(bundle.manifest);
  edit(bundle, manifest);
  bundle.manifest = JSON.stringify(manifest);
  const key = createPrivateKey(fs.readFileSync(keyFile, 'utf8'));
  bundle.signature!.value = sign(null, Buffer.from(bundle.manifest), key).toString('base64');
  const out = `${file}.resigned-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(out, JSON.stringify(bundle));
  return out;
}

function edited(file: string, edit: (bundle: RawBundle) => void): string {
  const bundle = JSON.parse(fs.readFileSync(file, 'utf8'));
  edit(bundle);
  const out = `${file}.edited-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(out, JSON.stringify(bundle));
  return out;
}

function base64Card(text: string): { data: string; sha256: string; bytes: number } {
  const bytes = Buffer.from(text);
  return {
    data: bytes.toString('base64'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
  };
}

before(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'shotrouter-bundle-'));
  env = { XDG_CONFIG_HOME: path.join(root, 'config') };
  keyFile = path.join(root, 'team.key');
  const r = await cli(['catalog', 'keygen', '--out', keyFile]);
  assert.equal(r.code, 0, r.stderr);
  publicKey = r.stdout.trim();
  cards = cardFolder('cards', (t) => t.replace(/^name: .*$/m, 'name: Veo 3.1 (team bundle)'));
});
after(() => fs.rmSync(root, { recursive: true, force: true }));

describe('keys', () => {
  test('keygen writes a private key only its owner can read and prints the public key', async () => {
    assert.match(publicKey, /^ed25519:[A-Za-z0-9+/]{43}=$/);
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(keyFile, 'utf8'), /^-----BEGIN PRIVATE KEY-----/);
    const again = await cli(['catalog', 'keygen', '--out', keyFile]);
    assert.equal(again.code, 64);
    assert.match(again.stderr, /never overwritten without --force/);
  });

  test('trust takes only an ed25519 key, and untrust takes a name or the key', async () => {
    const bad = await cli(['catalog', 'trust', 'ed25519:AAAA']);
    assert.equal(bad.code, 64);
    assert.match(bad.stderr, /expected ed25519:<base64 of 32 bytes>/);
    const t = await cli(['catalog', 'trust', publicKey, '--name', 'temp']);
    assert.equal(t.code, 0, t.stderr);
    assert.match(t.stdout, /trusted 'temp'/);
    const u = await cli(['catalog', 'untrust', 'temp']);
    assert.equal(u.code, 0, u.stderr);
    const none = await cli(['catalog', 'untrust', 'temp']);
    assert.equal(none.code, 64);
  });
});

describe('bundle', () => {
  test('a folder with a bad card writes nothing', async () => {
    const dir = cardFolder('bad-cards', (t) =>
      t.replace(/^vendor: .*$/m, 'vendor: 12\nnot_a_field: 1'),
    );
    const out = path.join(root, 'bad.bundle');
    const r = await cli(['catalog', 'bundle', dir, '--sign', keyFile, '--out', out]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /veo-3\.1\.yaml:\d+:\d+/);
    assert.equal(fs.existsSync(out), false);
  });

  test('a bad --published date is wrong usage', async () => {
    const r = await cli([
      'catalog',
      'bundle',
      cards,
      '--sign',
      keyFile,
      '--out',
      path.join(root, 'x.bundle'),
      '--published',
      '2026-13-01',
    ]);
    assert.equal(r.code, 64);
  });
});

describe('pull, status, reset', () => {
  let good: string;
  let newer: string;
  before(async () => {
    good = await makeBundle('good', '2026-12-01');
    newer = await makeBundle('newer', '2026-12-05');
  });
  beforeEach(async () => {
    await cli(['catalog', 'reset']);
    await cli(['catalog', 'trust', publicKey, '--name', 'team']);
  });

  test('a bundle from an untrusted key is refused with the command that would trust it', async () => {
    await cli(['catalog', 'untrust', 'team']);
    const r = await cli(['catalog', 'pull', good]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /which you do not trust; .*shotrouter catalog trust ed25519:/);
    assert.equal(installedState(), '(none)');
  });

  test('a good pull is used by every plan, which records it; reset goes back', async () => {
    const r = await cli(['catalog', 'pull', good]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stdout,
      /published 2026-12-01 .*signed by 'team'.*replacing the built-in catalog/,
    );

    const status = await cli(['catalog', 'status', '--json']);
    const s = JSON.parse(status.stdout);
    assert.equal(s.catalog.source, 'bundle');
    assert.equal(s.catalog.published, '2026-12-01');
    assert.equal(s.catalog.key_name, 'team');
    assert.match(s.catalog.digest, /^sha256:[0-9a-f]{64}$/);

    const models = await cli(['models', '--json']);
    const veo = JSON.parse(models.stdout).models.find((m: { id: string }) => m.id === 'veo-3.1');
    assert.equal(veo.name, 'Veo 3.1 (team bundle)');

    const planned = await cli(['plan', path.join(REPO, 'examples/social-ad.yaml'), '--json']);
    assert.equal(planned.code, 0, planned.stderr);
    const plan = JSON.parse(planned.stdout) as Plan;
    assert.deepEqual(plan.catalog, { ...s.catalog });

    const back = await cli(['catalog', 'reset']);
    assert.match(back.stdout, /back to the built-in catalog/);
    const builtIn = JSON.parse(
      (await cli(['plan', path.join(REPO, 'examples/social-ad.yaml'), '--json'])).stdout,
    ) as Plan;
    assert.equal(builtIn.catalog?.source, 'built-in');
    assert.notEqual(builtIn.catalog?.digest, plan.catalog?.digest);
  });

  test('the same cards have the same digest from a folder and from a bundle', async () => {
    const plain = await makeBundle('plain', '2026-12-02', cardFolder('plain-cards'));
    assert.equal((await cli(['catalog', 'pull', plain])).code, 0);
    const fromBundle = userCatalog({ env }).origin;
    const builtIn = userCatalog().origin;
    assert.equal(fromBundle.source, 'bundle');
    assert.equal(builtIn.source, 'built-in');
    assert.equal(fromBundle.digest, builtIn.digest);
  });

  test('an older or equal bundle is refused unless --allow-older', async () => {
    assert.equal((await cli(['catalog', 'pull', newer])).code, 0);
    const before = installedState();
    for (const file of [good, newer]) {
      const r = await cli(['catalog', 'pull', file]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /not after the installed one \(2026-12-05\).*--allow-older/);
      assert.equal(installedState(), before);
    }
    const back = await cli(['catalog', 'pull', good, '--allow-older']);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /replacing the one published 2026-12-05/);
  });

  describe('every damaged bundle is refused with one message and changes nothing', () => {
    const cases: { name: string; file: () => string; says: RegExp }[] = [
      { name: 'unsigned', file: () => edited(good, (b) => delete b.signature), says: /not signed/ },
      {
        name: 'signature of another manifest',
        file: () =>
          edited(good, (b) => (b.manifest = b.manifest.replace('2026-12-01', '2026-12-31'))),
        says: /signature does not match .* changed after team signed it/,
      },
      {
        name: 'a card changed after signing',
        file: () =>
          edited(good, (b) => {
            const text = Buffer.from(b.cards['veo-3.1.yaml']!, 'base64').toString();
            b.cards['veo-3.1.yaml'] = Buffer.from(text.replace('team bundle', 'evil')).toString(
              'base64',
            );
          }),
        says: /veo-3\.1\.yaml does not match its digest/,
      },
      {
        name: 'a card added that the manifest does not list',
        file: () =>
          edited(
            good,
            (b) => (b.cards['extra.yaml'] = Buffer.from('id: extra').toString('base64')),
          ),
        says: /does not list: extra\.yaml/,
      },
      {
        name: 'truncated',
        file: () => {
          const out = `${good}.truncated`;
          const bytes = fs.readFileSync(good);
          fs.writeFileSync(out, bytes.subarray(0, Math.floor(bytes.length / 2)));
          return out;
        },
        says: /not whole JSON: truncated\?/,
      },
      { name: 'not a bundle', file: () => keyFile, says: /not a catalog bundle/ },
      {
        name: 'a malformed card, signed',
        file: () =>
          resigned(good, (bundle, manifest) => {
            const text = Buffer.from(bundle.cards['veo-3.1.yaml']!, 'base64').toString();
            const card = base64Card(text.replace(/^name: .*$/m, 'name: 12'));
            bundle.cards['veo-3.1.yaml'] = card.data;
            const entry = manifest.cards.find((c) => c.file === 'veo-3.1.yaml')!;
            entry.sha256 = card.sha256;
            entry.bytes = card.bytes;
          }),
        says: /bundle:2026-12-01\/veo-3\.1\.yaml:\d+:\d+/,
      },
      {
        name: 'another schema version, signed',
        file: () => resigned(good, (_b, manifest) => (manifest.schema_version = 2)),
        says: /schema version 2; this shotrouter reads version 1: upgrade shotrouter/,
      },
      {
        name: 'a card name with a folder in it, signed',
        file: () =>
          resigned(good, (bundle, manifest) => {
            manifest.cards[0]!.file = '../evil.yaml';
            bundle.cards['../evil.yaml'] = bundle.cards[Object.keys(bundle.cards)[0]!]!;
          }),
        says: /lists a card badly/,
      },
    ];
    for (const c of cases) {
      test(c.name, async () => {
        assert.equal((await cli(['catalog', 'pull', newer])).code, 0);
        const before = installedState();
        const r = await cli(['catalog', 'pull', c.file(), '--allow-older']);
        assert.equal(r.code, 1, r.stdout);
        assert.match(r.stderr, c.says);
        assert.ok(r.stderr.trim().split('\n').length <= 4, r.stderr);
        assert.equal(installedState(), before);
        assert.equal(userCatalog({ env }).origin.published, '2026-12-05');
      });
    }
  });

  test('an installed bundle changed on disk, or whose key is no longer trusted, is refused', async () => {
    assert.equal((await cli(['catalog', 'pull', good])).code, 0);
    const dir = path.join(root, 'config', 'shotrouter', 'catalog');
    const file = fs.readdirSync(dir).find((n) => n.endsWith('.bundle'))!;
    const original = fs.readFileSync(path.join(dir, file), 'utf8');
    fs.writeFileSync(
      path.join(dir, file),
      original.replace('"published\\":\\"2026-12-01', '"published\\":\\"2026-12-09'),
    );
    const tampered = await cli(['models']);
    assert.equal(tampered.code, 1);
    assert.match(tampered.stderr, /no longer verifies: .*catalog reset/);
    fs.writeFileSync(path.join(dir, file), original);
    assert.equal((await cli(['models'])).code, 0);

    const u = await cli(['catalog', 'untrust', 'team']);
    assert.match(u.stderr, /signed by this key, so it will be refused/);
    const refused = await cli(['plan', path.join(REPO, 'examples/social-ad.yaml')]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /do not trust/);
  });

  test('an overlay still goes on top of the installed bundle', async () => {
    assert.equal((await cli(['catalog', 'pull', good])).code, 0);
    const overlay = path.join(root, 'overlay.yaml');
    fs.writeFileSync(overlay, 'models:\n  - id: veo-3.1\n    name: Veo 3.1 (overlay)\n');
    const status = await cli(['catalog', 'status', '--catalog', overlay]);
    assert.match(status.stdout, /catalog: bundle published 2026-12-01/);
    assert.match(status.stdout, /overlay: overlay\.yaml \(sha256:/);
    const models = JSON.parse((await cli(['models', '--json', '--catalog', overlay])).stdout);
    assert.equal(
      models.models.find((m: { id: string }) => m.id === 'veo-3.1').name,
      'Veo 3.1 (overlay)',
    );
  });
});

describe('pull from a URL', () => {
  let server: http.Server;
  let base: string;
  let good: string;
  const loopback = {
    isAllowedAddress: () => true,
    isAllowedPort: () => true,
    accept: 'application/json',
  };
  before(async () => {
    good = await makeBundle('served', '2026-12-03');
    server = http.createServer((req, res) => {
      const bytes = fs.readFileSync(good);
      if (req.url === '/catalog.bundle') {
        res.writeHead(200, { 'content-length': bytes.length });
        res.end(bytes);
      } else if (req.url === '/half.bundle') {
        // promises the whole bundle, sends half, then the connection breaks
        res.writeHead(200, { 'content-length': bytes.length });
        res.write(bytes.subarray(0, bytes.length >> 1), () => res.destroy());
      } else if (req.url === '/stall.bundle') {
        res.writeHead(200, { 'content-length': bytes.length });
        res.write(bytes.subarray(0, 100), () => server.emit('stalled'));
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  beforeEach(async () => {
    await cli(['catalog', 'reset']);
    await cli(['catalog', 'trust', publicKey, '--name', 'team']);
  });

  test('a good pull over loopback installs the bundle', async () => {
    const { bundle } = await pullCatalog(`${base}/catalog.bundle`, {
      env,
      fetch: guardedFetcher(loopback),
    });
    assert.equal(bundle.manifest.published, '2026-12-03');
    assert.equal(userCatalog({ env }).origin.published, '2026-12-03');
  });

  test('a download that breaks off half-way is refused and changes nothing', async () => {
    const before = installedState();
    await assert.rejects(
      pullCatalog(`${base}/half.bundle`, { env, fetch: guardedFetcher(loopback) }),
      /cannot download the catalog bundle .*broke off.*the installed catalog is unchanged/,
    );
    assert.equal(installedState(), before);
  });

  test('the command line reaches public addresses only', async () => {
    const r = await cli(['catalog', 'pull', `${base}/catalog.bundle`]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /port \d+ is not fetched|loopback, private or reserved/);
    assert.equal(installedState(), '(none)');
  });

  for (const moment of ['while downloading', 'after writing the bundle, before installing it']) {
    test(`a pull killed ${moment} leaves the installed catalog whole`, async () => {
      const older = await makeBundle('older', '2026-11-01');
      assert.equal((await cli(['catalog', 'pull', older])).code, 0);
      const before = installedState();
      const url =
        moment === 'while downloading' ? `${base}/stall.bundle` : `${base}/catalog.bundle`;
      const child = spawn(
        process.execPath,
        [
          path.join(REPO, 'test/catalog/pull-driver.ts'),
          url,
          moment === 'while downloading' ? 'download' : 'commit',
        ],
        { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] },
      );
      // killed once part of the body is sent (the server stalls), or when the driver says it has
      // written the bundle and waits before installing it
      await new Promise<void>((resolve, reject) => {
        server.once('stalled', resolve);
        child.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve());
        child.on('exit', (code) =>
          reject(new Error(`the driver exited (${code}) before it was ready`)),
        );
      });
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
      const after = installedState();
      // a killed pull may leave its temp file; the installed catalog is what it was
      const withoutTemp = (s: string) =>
        s
          .split('\n')
          .filter((l) => !/\.tmp:|^[0-9a-f]{64}\.bundle:/.test(l) || before.includes(l))
          .join('\n');
      assert.equal(withoutTemp(after), before);
      assert.equal(userCatalog({ env }).origin.published, '2026-11-01');
      // and the next pull works and tidies up
      const next = await cli(['catalog', 'pull', good]);
      assert.equal(next.code, 0, next.stderr);
      assert.equal(
        fs
          .readdirSync(path.join(root, 'config', 'shotrouter', 'catalog'))
          .filter((n) => n.endsWith('.tmp')).length,
        0,
      );
    });
  }
});
