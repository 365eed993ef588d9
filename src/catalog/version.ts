/**
 * The version of the card schema (src/catalog/schema.ts). A signed bundle records the version its
 * cards were written for; a bundle of another version is refused rather than half-understood.
 * Raise it when a change to the schema would make older cards mean something else.
 */
export const CATALOG_SCHEMA_VERSION = 1;
