/** Writes docs/plan-fields.md from the contracts' zod schemas (`npm run docs:contracts`). */
import fs from 'node:fs';
import path from 'node:path';
import { contractDocs } from '../src/contracts/docs.ts';

const target = path.join(import.meta.dirname, '..', 'docs', 'plan-fields.md');
fs.writeFileSync(target, contractDocs());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
