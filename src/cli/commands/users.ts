/**
 * `shotrouter users add NAME --role viewer|editor|producer`, `users list`, `users remove NAME`:
 * the named users of `shotrouter serve`, kept in the server's database (the shared one with
 * --db, else beside the projects). A new user's token is printed once; only its hash is kept.
 * Once the first user exists, the server asks every request for a user's token.
 */
import path from 'node:path';
import { ShotrouterError } from '../../errors.ts';
import { addUser, listUsers, openUsers, ROLES, type Role, removeUser } from '../../lib/users.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { databaseUrl, writeJson } from '../shared.ts';

export const usersCommand: Command = {
  name: 'users',
  summary: 'the named users of the server: add (prints their token once), list, remove',
  usage:
    'shotrouter users add NAME --role viewer|editor|producer | users list | users remove NAME   [--projects DIR] [--db URL] [--json]',
  options: {
    role: { type: 'string' },
    projects: { type: 'string' },
    db: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: { min: 1, max: 2 },
  async run(args, io) {
    const [action, name] = args.positionals as [string, string?];
    const url = databaseUrl(args, io, false);
    const projectsDir = path.resolve(io.cwd, String(args.values.projects ?? 'runs/projects'));
    const needName = () => {
      if (!name) throw new ShotrouterError('usage', `give the user's name: users ${action} NAME`);
      return name;
    };
    if (!['add', 'list', 'remove'].includes(action)) {
      throw new ShotrouterError('usage', `users takes add, list or remove, not '${action}'`);
    }
    const store = await openUsers({ ...(url ? { url } : {}), projectsDir });
    try {
      if (action === 'add') {
        const role = args.values.role;
        if (typeof role !== 'string' || !(ROLES as readonly string[]).includes(role)) {
          throw new ShotrouterError('usage', `give the role: --role ${ROLES.join('|')}`);
        }
        const { user, token } = await addUser(
          store,
          { name: needName(), role: role as Role },
          null,
        );
        if (args.values.json) writeJson(io, { user, token });
        else {
          io.stdout.write(
            `added ${user.name} (${user.role}); their token, shown once:\n${token}\n` +
              'from now on every request to the server needs a user’s token (Authorization: Bearer <token>)\n',
          );
        }
      } else if (action === 'remove') {
        await removeUser(store, needName());
        if (!args.values.json) io.stdout.write(`removed ${name}\n`);
        else writeJson(io, { removed: name });
      } else {
        const users = await listUsers(store);
        if (args.values.json) writeJson(io, { users });
        else if (users.length === 0) {
          io.stdout.write('no users: the server keeps its single-user default\n');
        } else {
          for (const u of users) io.stdout.write(`${u.name}\t${u.role}\tadded ${u.created_at}\n`);
        }
      }
    } finally {
      await store.close();
    }
    return EXIT.ok;
  },
};
