/**
 * What the API shows of a project, read from the library: the board's overview (plan,
 * estimate, run, spend, shots, takes, files), the plan with draft changes, and the mapping
 * between the API's snake_case changes and the library's.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { cutShots } from '../lib/pictures.ts';
import { blockingProblems, type PlanChanges } from '../lib/plan.ts';
import type { Project } from '../lib/projects.ts';
import { reviewState } from '../lib/review.ts';
import { estimateRun } from '../lib/run.ts';
import { spendTimeline } from '../lib/spend-timeline.ts';
import { statusFromStore } from '../lib/status.ts';
import { shotTakes } from '../lib/takes.ts';
import type { Plan } from '../router/types.ts';
import type { ImageRef } from '../storyboard/types.ts';
import { contentTag } from './files.ts';
import type {
  DeliverableParams,
  OverviewSchema,
  PlanRequestSchema,
  ProjectSchema,
} from './schemas.ts';
import type { ProjectStores } from './stores.ts';
import type { RegistryFor, RunSupervisor } from './supervisor.ts';

const DELIVERABLES: Array<{ name: z.output<typeof DeliverableParams>['name']; label: string }> = [
  { name: 'final.mp4', label: 'The cut' },
  { name: 'final.mov', label: 'The cut (ProRes)' },
  { name: 'report.html', label: 'Report' },
  { name: 'report.json', label: 'Report (JSON)' },
  { name: 'timeline.otio', label: 'OpenTimelineIO' },
  { name: 'timeline.fcpxml', label: 'Final Cut Pro XML' },
  { name: 'timeline.edl', label: 'EDL (CMX 3600)' },
];

export interface ViewOptions {
  env: Record<string, string | undefined>;
  registryFor: RegistryFor;
  stores: ProjectStores;
  supervisor: RunSupervisor;
}

export class ProjectViews {
  readonly #options: ViewOptions;

  constructor(options: ViewOptions) {
    this.#options = options;
  }

  /** The plan with the committed changes and `draft` on top, and what a real run would spend. */
  async plan(project: Project, draft: PlanChanges) {
    const storyboard = project.storyboard(draft);
    const plan = project.plan(draft, this.#options.env);
    const estimate = await estimateRun({
      storyboard,
      plan,
      dir: project.runDir,
      preview: false,
      ...this.#options.stores.seam,
    });
    const changes = toApiChanges(project.meta.changes, draft);
    return { plan, estimate, changes };
  }

  /** Everything the board shows of a project. */
  async overview(project: Project): Promise<z.output<typeof OverviewSchema>> {
    const { env, stores, supervisor } = this.#options;
    // taken before reading: events after it may already be in what is read, and are idempotent
    const seq = supervisor.seq(project);
    const storyboard = project.storyboard();
    const plan = project.plan({}, env);
    const estimate = await estimateRun({
      storyboard,
      plan,
      dir: project.runDir,
      preview: false,
      ...stores.seam,
    });
    const stored = await stores.read(project, async (store) => ({
      status: await statusFromStore(store, { running: supervisor.running(project) }),
      takes: await shotTakes(store, project.original()),
      review: await reviewState(store),
      spendOverTime: await spendTimeline(store),
    }));
    const takes = new Map(stored?.takes.shots.map((s) => [s.id, s]) ?? []);
    const base = `/api/projects/${project.id}`;
    return {
      project: projectJson(project.meta),
      plan,
      estimate,
      run: supervisor.runInfo(project, stored?.status ?? null),
      spend: stored?.status?.spend ?? null,
      shots: storyboard.shots.map((shot) => {
        const made = takes.get(shot.id);
        const url = (t: { file: string }) => `${base}/media/${path.basename(t.file)}`;
        return {
          id: shot.id,
          index: shot.index,
          prompt: shot.prompt,
          duration: shot.duration,
          tags: [...shot.tags],
          priority: shot.priority,
          pinned: shot.model ?? null,
          jobs: made?.jobs ?? [],
          takes: (made?.takes ?? []).map((t) => ({
            take: t.take,
            model: t.model,
            url: url(t),
            picked: t.inCut,
            picked_by: t.pickedBy,
            failed_checks: t.failedChecks,
            poster_url: `${url(t)}/poster`,
            strip_url: `${url(t)}/strip`,
          })),
          references: shotReferences(project, shot, base),
        };
      }),
      deliverables: await this.#deliverables(project, base),
      runnable: this.#runnable(plan),
      seq,
      review: stored?.review ?? { reviews: [], comments: [] },
      cut: await cutPictures(project, base, storyboard.shots),
      spend_over_time: stored?.spendOverTime ?? [],
    };
  }

  /**
   * Where the newest run stands (`/status`): the same reading as the overview's, with this
   * server's knowledge of what it is running.
   */
  async status(project: Project) {
    const { stores, supervisor } = this.#options;
    return stores.read(project, (store) =>
      statusFromStore(store, { running: supervisor.running(project) }),
    );
  }

  /** The files of the run folder to watch or download, each with its content's tag. */
  async #deliverables(project: Project, base: string) {
    const out = [];
    for (const { name, label } of DELIVERABLES) {
      const file = path.join(project.runDir, name);
      if (!fs.existsSync(file)) continue;
      const stat = fs.statSync(file);
      const version = await contentTag(file, stat);
      out.push({ name, label, url: `${base}/files/${name}`, bytes: stat.size, version });
    }
    return out;
  }

  /** Whether a preview and a real run could start now, and why not. */
  #runnable(plan: Plan) {
    const why = (errors: Plan['problems']) =>
      errors.length > 0
        ? `the plan cannot run: ${errors.map((p) => `${p.shot ? `${p.shot}: ` : ''}${p.message}`).join('; ')}`
        : null;
    // a preview spends nothing: over the budget, it can still run
    const previewBlocked = why(blockingProblems(plan, { preview: true }));
    const blocked = why(blockingProblems(plan));
    // a route without credentials would only fail: say what to set instead
    const uncredentialed = plan.problems.filter((p) => p.code === 'missing_credentials');
    let real =
      blocked ??
      (uncredentialed.length > 0 ? uncredentialed.map((p) => p.message).join('; ') : null);
    if (!real) {
      try {
        this.#options.registryFor(false, plan);
      } catch (error) {
        real = error instanceof Error ? error.message : String(error);
      }
    }
    return {
      preview: { ok: !previewBlocked, reason: previewBlocked },
      real: { ok: !real, reason: real },
    };
  }
}

/**
 * A shot's own images, by where the storyboard names them, as the project's reference route
 * serves them: only files uploaded with the project (a URL or a missing file is left out).
 */
function shotReferences(
  project: Project,
  shot: { references: ImageRef[]; firstFrame?: ImageRef; lastFrame?: ImageRef },
  base: string,
) {
  const named: Array<[ImageRef | undefined, 'reference' | 'first_frame' | 'last_frame']> = [
    ...shot.references.map((r) => [r, 'reference'] as [ImageRef, 'reference']),
    [shot.firstFrame, 'first_frame'],
    [shot.lastFrame, 'last_frame'],
  ];
  const out = [];
  for (const [ref, role] of named) {
    if (!ref || !project.referenceFile(ref.spec)) continue;
    out.push({ role, url: `${base}/refs/${path.posix.basename(ref.spec)}` });
  }
  return out;
}

/** The cut's strip (addressed by the cut's content) and its shots, or null with no cut. */
async function cutPictures(
  project: Project,
  base: string,
  storyboardShots: ReadonlyArray<{ id: string; duration: number }>,
) {
  const file = path.join(project.runDir, 'final.mp4');
  if (!fs.existsSync(file)) return null;
  const durations = new Map(storyboardShots.map((s) => [s.id, s.duration]));
  const shots = cutShots(project.runDir, (id) => durations.get(id));
  const last = shots.at(-1);
  return {
    strip_url: `${base}/cut/strip?v=${await contentTag(file)}`,
    seconds: last ? last.start + last.seconds : 0,
    shots,
  };
}

export function projectJson(meta: Project['meta']): z.output<typeof ProjectSchema> {
  return {
    id: meta.id,
    title: meta.title,
    created_at: meta.created_at,
    storyboard_name: meta.storyboard_name,
    uploads: meta.uploads,
    changes: toApiChanges(meta.changes, {}),
    changed_by: meta.changed_by ?? null,
    changed_at: meta.changed_at ?? null,
    created_by: meta.created_by ?? null,
    activity: meta.activity ?? [],
  };
}

/** API changes (snake_case) → library changes. */
export function fromApiChanges(
  changes: z.output<typeof PlanRequestSchema>['changes'],
): PlanChanges {
  const out: PlanChanges = {};
  if (changes.budget_usd !== undefined) out.budgetUsd = changes.budget_usd;
  if (changes.optimize) out.optimize = changes.optimize;
  if (changes.shots) out.shots = changes.shots;
  return out;
}

/** The committed changes with a draft on top, as the API shows them. */
function toApiChanges(committed: PlanChanges, draft: PlanChanges) {
  const shots = { ...committed.shots };
  for (const [id, change] of Object.entries(draft.shots ?? {}))
    shots[id] = { ...shots[id], ...change };
  const budget = draft.budgetUsd !== undefined ? draft.budgetUsd : committed.budgetUsd;
  const optimize = draft.optimize ?? committed.optimize;
  return {
    ...(budget !== undefined ? { budget_usd: budget } : {}),
    ...(optimize ? { optimize } : {}),
    ...(Object.keys(shots).length > 0 ? { shots } : {}),
  };
}
