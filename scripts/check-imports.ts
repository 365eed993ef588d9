/**
 * The import-rule check (`npm run lint:imports`): every relative import under src/ goes one
 * way, as docs/architecture.md draws it. A file belongs to its top folder under src/ (or, at the
 * top, to its own name: `errors.ts`); each folder may import only the folders its rule lists.
 * Also refused: a folder missing from the rules (a new room must be placed on the map first),
 * an import leaving src/, one adapter folder importing another, and any cycle of files.
 *
 * Why not dependency-cruiser: it parses TypeScript with the `typescript` package's JavaScript
 * API, and its 18.x releases accept TypeScript below 7.0 or from 7.1 on; this project's 7.0 (the
 * native compiler, whose package has no such API) leaves every `.ts` file unread. Imports here
 * are plain ESM with explicit `.ts` paths, so reading them needs no compiler.
 */
import fs from 'node:fs';
import path from 'node:path';
import { IMPORT_RULES } from './import-rules.ts';

export interface ImportRules {
  /** folder (or top-level file) → the folders and top-level files it may import */
  allow: Record<string, readonly string[]>;
  /** imports allowed beyond `allow` when they are `import type` only: folder → files under src/ */
  typeOnly?: Record<string, readonly string[]>;
  /** folders whose subfolders may not import each other (e.g. one adapter another) */
  isolated?: readonly string[];
}

export interface ImportEdge {
  /** paths relative to the source folder, with forward slashes */
  from: string;
  to: string;
  line: number;
  /** `import type` / `export type`: erased at run time */
  typeOnly: boolean;
}

export interface Violation {
  /** as shown: `src/…` (or the rules file) */
  file: string;
  line: number;
  message: string;
}

// Static imports and re-exports start a line (biome keeps them there); an import's braces may
// span lines. Inline `import('…')` covers dynamic imports and type positions.
const STATIC = /^[ \t]*(import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s*)?(['"])([^'"\n]+)\3/gm;
const DYNAMIC = /\bimport\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** Every relative import of every `.ts`/`.tsx` file under `srcDir`. */
export function readImports(srcDir: string): { files: string[]; edges: ImportEdge[] } {
  const root = path.resolve(srcDir);
  const files = listSources(root);
  const edges: ImportEdge[] = [];
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const add = (specifier: string, index: number, typeOnly: boolean) => {
      if (!specifier.startsWith('.')) return;
      edges.push({
        from: relative(root, file),
        to: relative(root, path.resolve(path.dirname(file), specifier)),
        line: text.slice(0, index).split('\n').length,
        typeOnly,
      });
    };
    for (const m of text.matchAll(STATIC)) add(m[4]!, m.index, m[2] !== undefined);
    for (const m of text.matchAll(DYNAMIC)) add(m[2]!, m.index, false);
  }
  return { files: files.map((f) => relative(root, f)), edges };
}

/** The violations of `rules` in the sources under `srcDir` (none: the imports go one way). */
export function checkImports(srcDir: string, rules: ImportRules): Violation[] {
  const { files, edges } = readImports(srcDir);
  const violations: Violation[] = [...rulesCycle(rules)];
  const unplaced = new Set<string>();
  for (const file of files) {
    const room = roomOf(file);
    if (!(room in rules.allow) && !unplaced.has(room)) {
      unplaced.add(room);
      violations.push({
        file: `src/${file}`,
        line: 1,
        message: `src/${room} is not on the map: add it to docs/architecture.md and scripts/import-rules.ts`,
      });
    }
  }
  for (const edge of edges) {
    const where = { file: `src/${edge.from}`, line: edge.line };
    if (edge.to.startsWith('../')) {
      violations.push({ ...where, message: `imports ${edge.to}, outside src/` });
      continue;
    }
    const from = roomOf(edge.from);
    const to = roomOf(edge.to);
    if (from === to) {
      const isolated = isolatedSiblings(rules, edge.from, edge.to);
      if (isolated) violations.push({ ...where, message: isolated });
      continue;
    }
    const allowed = rules.allow[from];
    if (!allowed || allowed.includes(to)) continue;
    if (edge.typeOnly && rules.typeOnly?.[from]?.includes(edge.to)) continue;
    violations.push({
      ...where,
      message: `imports src/${edge.to}, but ${from} may import only ${allowed.length > 0 ? allowed.join(', ') : 'nothing under src/'} (docs/architecture.md)`,
    });
  }
  for (const cycle of fileCycles(files, edges)) {
    violations.push({
      file: `src/${cycle[0]!}`,
      line: 1,
      message: `import cycle: ${[...cycle, cycle[0]].join(' → ')}`,
    });
  }
  return violations;
}

/** A file's room: its top folder under src/, or its own name at the top. */
export function roomOf(file: string): string {
  const slash = file.indexOf('/');
  return slash === -1 ? file : file.slice(0, slash);
}

function isolatedSiblings(rules: ImportRules, from: string, to: string): string | undefined {
  for (const parent of rules.isolated ?? []) {
    const a = subfolder(parent, from);
    const b = subfolder(parent, to);
    if (a && b && a !== b) {
      return `imports src/${to}: the folders under src/${parent}/ may not import each other (${a} → ${b})`;
    }
  }
  return undefined;
}

/** `fal` for `providers/fal/x.ts` under `providers`; undefined for a file directly in it. */
function subfolder(parent: string, file: string): string | undefined {
  const rest = file.startsWith(`${parent}/`) ? file.slice(parent.length + 1) : undefined;
  const slash = rest?.indexOf('/') ?? -1;
  return rest && slash > 0 ? rest.slice(0, slash) : undefined;
}

/** The rules themselves must be layered: a cycle among the allowed imports is a violation. */
function rulesCycle(rules: ImportRules): Violation[] {
  const rooms = Object.keys(rules.allow);
  const edges = rooms.flatMap((room) =>
    (rules.allow[room] ?? []).map((to) => ({ from: room, to, line: 0, typeOnly: false })),
  );
  return fileCycles(rooms, edges).map((cycle) => ({
    file: 'scripts/import-rules.ts',
    line: 1,
    message: `the rules allow a cycle: ${[...cycle, cycle[0]].join(' → ')}`,
  }));
}

/** Strongly connected groups of more than one node (Tarjan), each in one order around it. */
function fileCycles(nodes: readonly string[], edges: readonly ImportEdge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const node of nodes) next.set(node, []);
  for (const edge of edges) if (next.has(edge.to)) next.get(edge.from)?.push(edge.to);
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  const visit = (node: string) => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const to of next.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node)!, index.get(to)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const group: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        group.push(member);
      } while (member !== node);
      if (group.length > 1) cycles.push(group.reverse());
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return cycles;
}

function listSources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listSources(full));
    else if (/\.tsx?$/.test(entry.name)) out.push(full);
  }
  return out.sort();
}

function relative(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

if (import.meta.main) {
  const src = path.join(import.meta.dirname, '..', 'src');
  const violations = checkImports(src, IMPORT_RULES);
  for (const v of violations) console.error(`${v.file}:${v.line}: ${v.message}`);
  if (violations.length > 0) {
    console.error(
      `${violations.length} import rule violation(s); the layers are in docs/architecture.md`,
    );
    process.exit(1);
  }
  const { files, edges } = readImports(src);
  console.log(`imports: ${edges.length} in ${files.length} files go one way`);
}
