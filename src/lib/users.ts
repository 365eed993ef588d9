/**
 * Named users of the server, kept in the server's database: the shared PostgreSQL database when
 * there is one, else a SQLite file beside the projects (`<projects>/.users/`). Each user has a
 * role and a token; only the token's SHA-256 is stored, the token is shown once when the user
 * is added. Until the first user is added the server keeps its single-user default.
 */
import { createHash, randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  type AddUserInput,
  AddUserInputSchema,
  ROLES,
  type Role,
  type User,
} from '../contracts/users.ts';

export { ROLES, type Role, type User };

import { ShotrouterError } from '../errors.ts';
import { type AppUserRow, openStore, type Store } from '../store/store.ts';

/** The folder under the projects folder that holds the users' SQLite database. */
export const USERS_DIR = '.users';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** A new random token (256 bits). */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The server's user list: in the shared database (`url`), else beside the projects. */
export function openUsers(where: { url?: string; projectsDir: string }): Promise<Store> {
  return where.url
    ? openStore({ url: where.url })
    : openStore({ dir: path.join(where.projectsDir, USERS_DIR) });
}

/** Adds a user; returns them with their token (shown once, never kept). */
export async function addUser(
  store: Store,
  input: AddUserInput,
  by: string | null,
): Promise<{ user: User; token: string }> {
  const { name, role } = AddUserInputSchema.parse(input);
  if ((await store.users()).some((u) => u.name === name)) {
    throw new ShotrouterError('usage', `there is a user '${name}' already: remove them first`);
  }
  const token = generateToken();
  const row = await store.addUser({ name, role, token_sha256: hashToken(token), created_by: by });
  return { user: userOf(row), token };
}

export async function listUsers(store: Store): Promise<User[]> {
  return (await store.users()).map(userOf);
}

export async function removeUser(store: Store, name: string): Promise<void> {
  if (!(await store.removeUser(name))) {
    throw new ShotrouterError('usage', `there is no user '${name}'`);
  }
}

/** The user a token belongs to, if any. */
export async function userByToken(store: Store, token: string): Promise<User | undefined> {
  const row = await store.userByToken(hashToken(token));
  return row ? userOf(row) : undefined;
}

function userOf(row: AppUserRow): User {
  return {
    name: row.name,
    role: row.role as Role,
    created_at: row.created_at,
    created_by: row.created_by,
  };
}
