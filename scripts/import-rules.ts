/**
 * The layers of docs/architecture.md as the import check reads them (scripts/check-imports.ts):
 * each room under src/ and what it may import (what it does import today, plus the base). A room
 * imports only rooms below it; change this table and docs/architecture.md together.
 */
import type { ImportRules } from './check-imports.ts';

/** every room may use these */
const BASE = ['errors.ts', 'util'];

export const IMPORT_RULES: ImportRules = {
  allow: {
    // the base: shared errors and small helpers that know nothing of the domain
    'errors.ts': [],
    util: ['errors.ts'],
    // the domain, pure: what a storyboard says, what the models are, which model for each shot
    storyboard: BASE,
    catalog: ['storyboard', ...BASE],
    // the plan, its reasons and warnings, and the API's error body, defined once as zod schemas
    contracts: ['catalog', ...BASE],
    router: ['contracts', 'catalog', 'storyboard', ...BASE],
    // foreign scripts and shot lists (MulmoScript, Fountain, CSV) read and written as storyboards
    import: ['storyboard', ...BASE],
    // tools over files and state, each on its own
    media: BASE,
    timeline: BASE,
    store: BASE,
    // clips made and described
    providers: ['catalog', 'media', ...BASE],
    sandbox: ['catalog', 'media', ...BASE],
    report: ['catalog', 'media', ...BASE],
    // take checks: ffmpeg's measurements of a clip judged against what was asked
    qc: ['media', 'storyboard', ...BASE],
    // running a plan, then the cut and its files
    engine: ['providers', 'qc', 'router', 'storyboard', 'store', 'media', ...BASE],
    queue: ['engine', 'providers', 'catalog', 'store', ...BASE],
    assemble: [
      'engine',
      'report',
      'timeline',
      'router',
      'contracts',
      'storyboard',
      'store',
      'media',
      ...BASE,
    ],
    // the library: what the CLI, the API and callers use
    lib: [
      'assemble',
      'engine',
      'providers',
      'router',
      'contracts',
      'catalog',
      'storyboard',
      'store',
      // preflight: ffmpeg's presence and version before a run spends
      'media',
      ...BASE,
    ],
    // the doors: nothing under src/ imports them but the CLI and the package's index
    // (and `/mcp`: the MCP tools over the server's projects)
    server: ['mcp', 'lib', 'router', 'contracts', 'storyboard', 'store', ...BASE],
    // the MCP server: the same lib/ functions for agents; its results use the contracts' shapes
    mcp: ['contracts', 'lib', 'storyboard', 'store', ...BASE],
    'index.ts': [
      'lib',
      'server',
      'assemble',
      'engine',
      'router',
      'contracts',
      'storyboard',
      ...BASE,
    ],
    cli: [
      'mcp',
      'import',
      'qc',
      'server',
      'lib',
      'queue',
      'sandbox',
      'assemble',
      'engine',
      'providers',
      'router',
      'catalog',
      'storyboard',
      'store',
      'media',
      ...BASE,
    ],
    // the board runs in the browser: it shares the storyboard's constants and the API's types
    web: ['storyboard'],
  },
  typeOnly: { web: ['server/schemas.ts'] },
  // one adapter never reaches into another
  isolated: ['providers'],
};
