/** What a project can start from: the bundled example storyboards and the catalog's models. */
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { ServerContext } from '../context.ts';
import { type Resource, resource } from '../resource.ts';
import { ExampleListSchema, ModelListSchema } from '../schemas.ts';

export function catalogRoutes({
  catalog,
  examplesDir,
}: Pick<ServerContext, 'catalog' | 'examplesDir'>): Resource {
  const { app, routes } = resource();

  routes.add(
    {
      method: 'get',
      path: '/api/examples',
      tag: 'projects',
      summary: 'The example storyboards a project can start from',
      responses: { 200: { description: 'examples', schema: ExampleListSchema } },
    },
    (c) => c.json({ examples: listExamples(examplesDir) }),
  );

  routes.add(
    {
      method: 'get',
      path: '/api/models',
      tag: 'projects',
      summary: 'The catalog’s models (what a shot can be pinned to)',
      responses: { 200: { description: 'models', schema: ModelListSchema } },
    },
    (c) =>
      c.json({
        models: catalog.models.map((m) => ({
          id: m.id,
          name: m.name,
          vendor: m.vendor,
          providers: [...new Set(m.routes.map((r) => r.provider))],
        })),
      }),
  );

  return { app, routes };
}

/** The examples folder's storyboards, each with its title, shot count and leading comment. */
function listExamples(dir: string) {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => /^[a-z0-9-]+\.yaml$/.test(name))
    .sort()
    .flatMap((name) => {
      const text = fs.readFileSync(path.join(dir, name), 'utf8');
      try {
        const doc = parseYaml(text) as { title?: unknown; shots?: unknown[] };
        const about = text
          .split('\n')
          .filter((line) => line.startsWith('#'))
          .map((line) => line.replace(/^#\s?/, ''))
          .join(' ')
          .trim();
        return [
          {
            name: name.replace(/\.yaml$/, ''),
            title: String(doc.title ?? name),
            shots: Array.isArray(doc.shots) ? doc.shots.length : 0,
            about,
          },
        ];
      } catch {
        return [];
      }
    });
}
