export { MEDIA_DIR, MediaFolder, sha256OfFile } from './media-folder.ts';
export { migrationProvider, type SqlFlavor } from './migrations.ts';
export type * from './schema.ts';
export * from './store.ts';
