/**
 * Part of `npm ci` (prepare): links this package's own command into node_modules/.bin, as npm
 * links a dependency's. npm never links the root package's, so `npx shotrouter` in a checkout
 * would not find it there: npm would install the checkout into its npx cache instead, building
 * it once more (measured: 6-7 s and 0.8 GB on the README's first command), and run it from
 * there. A failure only costs that, so it is a warning.
 */
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const binDir = path.join(root, 'node_modules', '.bin');
const { bin } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
};
try {
  fs.mkdirSync(binDir, { recursive: true });
  for (const [name, target] of Object.entries(bin)) {
    const link = path.join(binDir, name);
    fs.rmSync(link, { force: true });
    fs.symlinkSync(path.relative(binDir, path.join(root, target)), link);
  }
} catch (error) {
  console.warn(`could not link the shotrouter command into ${binDir}: ${String(error)}`);
}
