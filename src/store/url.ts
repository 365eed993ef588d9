/**
 * What a database URL names, without loading a database driver: the command line asks it of
 * every `--db` (its commands that never open a database should not load `pg` and Kysely).
 */

/** Whether a database URL (as given to --db) names PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}
