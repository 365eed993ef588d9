/**
 * `shotrouter catalog …`: publish a signed catalog bundle, trust its key, install it, see which
 * catalog is in use, go back to the built-in one. The work is in catalog/ and lib/catalog.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { generateSigningKey, makeBundle } from '../../catalog/bundle.ts';
import {
  readInstalled,
  resetCatalog,
  trustedKeys,
  trustKey,
  untrustKey,
} from '../../catalog/installed.ts';
import { ShotrouterError } from '../../errors.ts';
import { pullCatalog } from '../../lib/catalog.ts';
import { writeFileAtomicallySync } from '../../util/atomic-write.ts';
import { configDir } from '../../util/config-dir.ts';
import type { Command, CommandArgs, CommandIO } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { catalogFromArgs, catalogOption, writeJson } from '../shared.ts';

const USAGE = `shotrouter catalog keygen --out KEYFILE [--force]
       shotrouter catalog trust ed25519:<base64> [--name NAME]
       shotrouter catalog untrust NAME|KEY
       shotrouter catalog bundle DIR --sign KEYFILE --out FILE [--published YYYY-MM-DD]
       shotrouter catalog pull FILE|URL [--allow-older]
       shotrouter catalog status [--json] [--catalog OVERLAY]
       shotrouter catalog reset`;

interface Sub {
  /** positionals after the subcommand's name */
  args: number;
  flags: string[];
  run(args: CommandArgs, io: CommandIO): Promise<number>;
}

const subs: Record<string, Sub> = {
  keygen: { args: 0, flags: ['out', 'force'], run: keygen },
  trust: { args: 1, flags: ['name'], run: trust },
  untrust: { args: 1, flags: [], run: untrust },
  bundle: { args: 1, flags: ['sign', 'out', 'published'], run: bundle },
  pull: { args: 1, flags: ['allow-older'], run: pull },
  status: { args: 0, flags: ['json', 'catalog'], run: status },
  reset: { args: 0, flags: [], run: reset },
};

export const catalogCommand: Command = {
  name: 'catalog',
  summary: 'signed catalog updates: keygen, trust, bundle, pull, status, reset',
  usage: USAGE,
  options: {
    ...catalogOption,
    out: { type: 'string' },
    force: { type: 'boolean' },
    name: { type: 'string' },
    sign: { type: 'string' },
    published: { type: 'string' },
    'allow-older': { type: 'boolean' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 2 },
  async run(args, io) {
    const [name, ...rest] = args.positionals;
    const sub = subs[name!];
    if (sub === undefined || !Object.hasOwn(subs, name!)) {
      throw new ShotrouterError('usage', `unknown catalog command '${name}'\nusage: ${USAGE}`);
    }
    const stray = Object.keys(args.values).filter(
      (flag) => args.values[flag] !== undefined && !sub.flags.includes(flag),
    );
    if (stray.length > 0) {
      throw new ShotrouterError('usage', `catalog ${name} takes no --${stray[0]}\nusage: ${USAGE}`);
    }
    if (rest.length !== sub.args) {
      throw new ShotrouterError(
        'usage',
        `catalog ${name}: wrong number of arguments\nusage: ${USAGE}`,
      );
    }
    return sub.run({ values: args.values, positionals: rest }, io);
  },
};

async function keygen(args: CommandArgs, io: CommandIO): Promise<number> {
  const out = requiredFlag(args, 'out', 'KEYFILE');
  const file = path.resolve(io.cwd, out);
  if (fs.existsSync(file) && args.values.force !== true) {
    throw new ShotrouterError(
      'usage',
      `${out} exists; a signing key is never overwritten without --force`,
    );
  }
  const { privatePem, publicKey } = generateSigningKey();
  writeFileAtomicallySync(file, privatePem, 0o600);
  fs.chmodSync(file, 0o600);
  io.stdout.write(`${publicKey}\n`);
  io.stderr.write(
    `private key written to ${out} (mode 0600: keep it secret). Each user trusts the public key above with:\n  shotrouter catalog trust ${publicKey} --name NAME\n`,
  );
  return EXIT.ok;
}

async function trust(args: CommandArgs, io: CommandIO): Promise<number> {
  const name = args.values.name as string | undefined;
  const result = trustKey(configDir(io.env), args.positionals[0]!, name);
  io.stdout.write(
    result.added
      ? `trusted '${result.key.name}': ${result.key.key}\n`
      : `already trusted as '${result.key.name}'\n`,
  );
  return EXIT.ok;
}

async function untrust(args: CommandArgs, io: CommandIO): Promise<number> {
  const dir = configDir(io.env);
  const removed = untrustKey(dir, args.positionals[0]!);
  io.stdout.write(`no longer trusted: '${removed.name}' ${removed.key}\n`);
  const installed = readInstalled(dir);
  if (installed?.key === removed.key) {
    io.stderr.write(
      `The installed catalog (published ${installed.published}) is signed by this key, so it will be refused from now on: pull a bundle signed by a key you trust, or run \`shotrouter catalog reset\` for the built-in catalog.\n`,
    );
  }
  return EXIT.ok;
}

async function bundle(args: CommandArgs, io: CommandIO): Promise<number> {
  const keyFile = requiredFlag(args, 'sign', 'KEYFILE');
  const out = path.resolve(io.cwd, requiredFlag(args, 'out', 'FILE'));
  const dir = path.resolve(io.cwd, args.positionals[0]!);
  let privateKeyPem: string;
  try {
    privateKeyPem = fs.readFileSync(path.resolve(io.cwd, keyFile), 'utf8');
  } catch (error) {
    throw new ShotrouterError(
      'usage',
      `cannot read the signing key ${keyFile} (${(error as NodeJS.ErrnoException).code ?? error})`,
    );
  }
  const published =
    (args.values.published as string | undefined) ?? new Date().toISOString().slice(0, 10);
  const made = makeBundle({ dir, privateKeyPem, keyFile, published });
  writeFileAtomicallySync(out, made.bytes, 0o644);
  io.stdout.write(
    `wrote ${path.relative(io.cwd, out) || out}: ${made.manifest.cards.length} cards, published ${published}\n`,
  );
  return EXIT.ok;
}

async function pull(args: CommandArgs, io: CommandIO): Promise<number> {
  const source = args.positionals[0]!;
  const isUrl = /^[a-z][a-z0-9+.-]*:\/\//i.test(source);
  const { bundle, replaced } = await pullCatalog(isUrl ? source : path.resolve(io.cwd, source), {
    env: io.env,
    ...(args.values['allow-older'] === true ? { allowOlder: true } : {}),
  });
  io.stdout.write(
    `installed the catalog published ${bundle.manifest.published} (${bundle.cards.length} cards, signed by '${bundle.keyName}'), replacing ${
      replaced ? `the one published ${replaced.published}` : 'the built-in catalog'
    }\n`,
  );
  return EXIT.ok;
}

async function status(args: CommandArgs, io: CommandIO): Promise<number> {
  const dir = configDir(io.env);
  const origin = catalogFromArgs(args, io).origin;
  const installed = readInstalled(dir);
  const keys = trustedKeys(dir).map(({ name, key }) => ({ name, key }));
  if (args.values.json) {
    writeJson(io, {
      catalog: origin,
      installed_at: installed?.installed_at ?? null,
      trusted_keys: keys,
      config_dir: dir,
    });
    return EXIT.ok;
  }
  const lines =
    origin.source === 'bundle'
      ? [
          `catalog: bundle published ${origin.published}, signed by '${origin.key_name}' (${origin.key})`,
          `installed: ${installed?.installed_at ?? 'unknown'}`,
        ]
      : [`catalog: ${origin.source}`];
  lines.push(`digest: ${origin.digest}`);
  for (const o of origin.overlays) lines.push(`overlay: ${o.file} (${o.digest})`);
  lines.push(
    keys.length === 0
      ? 'trusted keys: none (`shotrouter catalog trust KEY` to accept bundles)'
      : `trusted keys: ${keys.map((k) => k.name).join(', ')}`,
  );
  io.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}

async function reset(_args: CommandArgs, io: CommandIO): Promise<number> {
  const had = resetCatalog(configDir(io.env));
  io.stdout.write(
    had ? 'back to the built-in catalog\n' : 'the built-in catalog was already in use\n',
  );
  return EXIT.ok;
}

function requiredFlag(args: CommandArgs, flag: string, what: string): string {
  const value = args.values[flag];
  if (typeof value !== 'string' || value === '') {
    throw new ShotrouterError('usage', `give --${flag} ${what}\nusage: ${USAGE}`);
  }
  return value;
}
