/**
 * `shotrouter serve [--host H] [--port N]`: the HTTP API and the web board. Loopback by default;
 * on any other address a bearer token is required (SHOTROUTER_TOKEN, or one made up and printed
 * once; only its hash is kept). The URL is printed on the first line.
 */
import path from 'node:path';
import { ShotrouterError } from '../../errors.ts';
import { openUsers } from '../../lib/users.ts';
import { distributedExecutor } from '../../queue/coordinator.ts';
import { projectStoreOpener } from '../../queue/shared-store.ts';
import { listen } from '../../server/listen.ts';
import { generateToken, hashToken, isLoopbackHost } from '../../server/security.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { catalogFromArgs, catalogOption } from '../shared.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'serve the HTTP API and the web board (loopback by default; a token elsewhere)',
  usage:
    'shotrouter serve [--host H] [--port N] [--projects DIR] [--catalog OVERLAY] [--db URL] [--media DIR]   (port 0: any free port)',
  options: {
    ...catalogOption,
    host: { type: 'string' },
    port: { type: 'string' },
    projects: { type: 'string' },
    /** a shared PostgreSQL database (or SHOTROUTER_DATABASE_URL): runs go to `shotrouter worker`s */
    db: { type: 'string' },
    /** with --db: the folder the workers share (or SHOTROUTER_MEDIA_DIR) */
    media: { type: 'string' },
  },
  positionals: { min: 0, max: 0 },
  async run(args, io) {
    const host = String(args.values.host ?? '127.0.0.1');
    const port = portFromArgs(args.values.port);
    const catalog = catalogFromArgs(args, io);
    const projectsDir = path.resolve(io.cwd, String(args.values.projects ?? 'runs/projects'));
    const loopback = isLoopbackHost(host);
    const given = io.env.SHOTROUTER_TOKEN;
    const token = loopback ? undefined : given || generateToken();
    const url =
      typeof args.values.db === 'string' ? args.values.db : io.env.SHOTROUTER_DATABASE_URL;
    const media =
      typeof args.values.media === 'string' ? args.values.media : io.env.SHOTROUTER_MEDIA_DIR;
    // named users (shotrouter users): in the shared database, else beside the projects
    const users = await openUsers({ ...(url ? { url } : {}), projectsDir });
    const listening = await listen({
      users,
      ...(url
        ? {
            shared: {
              openStore: projectStoreOpener(url),
              execute: distributedExecutor({
                url,
                ...(media ? { mediaRoot: path.resolve(io.cwd, media) } : {}),
              }),
            },
          }
        : {}),
      host,
      port,
      catalog,
      projectsDir,
      env: io.env,
      tokenSha256: token ? hashToken(token) : null,
      log: (line) => io.stderr.write(`${line}\n`),
    });
    io.stdout.write(`${listening.url}\n`);
    io.stdout.write(`projects: ${path.relative(io.cwd, projectsDir) || '.'}\n`);
    if (url) io.stdout.write('runs go to the workers of the shared database (shotrouter worker)\n');
    if (token) {
      io.stdout.write(
        given
          ? 'access token: the value of SHOTROUTER_TOKEN (every client must send it)\n'
          : `access token: ${token}\n  (shown once; every client sends it as "Authorization: Bearer <token>"; set SHOTROUTER_TOKEN to choose it)\n`,
      );
      if (!given) io.stdout.write(`open: ${listening.url}#token=${token}\n`);
    }
    io.stdout.write('press Ctrl-C to stop\n');
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve();
      else io.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await listening.close();
    await users.close();
    return EXIT.ok;
  },
};

function portFromArgs(value: unknown): number {
  if (value === undefined) return 4400;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ShotrouterError(
      'usage',
      `--port must be a whole number from 0 to 65535, got '${String(value)}'`,
    );
  }
  return port;
}
