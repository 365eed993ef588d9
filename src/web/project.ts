/**
 * A project: the plan and why, the budget, running (preview or real, with the estimate shown
 * and confirmed), live progress from the server's event stream, the cut and its files, and one
 * card per shot. Changes to pins, priorities, tags, policy and budget are a draft: the plan and
 * price are shown for it before it is applied.
 */
import { html } from 'htm/preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  ApiFailure,
  api,
  type Changes,
  type Model,
  money,
  type Overview,
  type PlanResponse,
  type Problem,
  type RunInfo,
  type StartedRun,
  seconds,
} from './api.ts';
import { BudgetBar } from './budget.ts';
import { type EventPayloads, type JobState, mergedJobs, shotCounts, shotProgress } from './live.ts';
import { CutStrip, cutPoster, playCutFrom } from './pictures.ts';
import { ProblemList } from './problems.ts';
import { ShotCardView } from './shot-card.ts';
import { SpendChart } from './spend-chart.ts';

type ShotChange = NonNullable<Changes['shots']>[string];

interface Live {
  jobs: Map<string, JobState & { seq: number }>;
  spend: { spentUsd: number; reservedUsd: number; seq: number } | null;
  run: (RunInfo & { seq: number }) | null;
}

const noLive = (): Live => ({ jobs: new Map(), spend: null, run: null });

export function ProjectView(props: {
  id: string;
  home: () => void;
  onTitle: (title: string) => void;
}) {
  const { id } = props;
  const [overview, setOverview] = useState<Overview | null>(null);
  const [failure, setFailure] = useState<{ message: string; problems: Problem[] } | null>(null);
  const [live, setLive] = useState<Live>(noLive);
  const [models, setModels] = useState<Model[]>([]);
  const [draft, setDraft] = useState<Changes | null>(null);
  const [draftPlan, setDraftPlan] = useState<PlanResponse | null>(null);
  const [busy, setBusy] = useState<'preview' | 'real' | 'stop' | 'pick' | 'apply' | null>(null);
  const [announce, setAnnounce] = useState('');
  const [confirm, setConfirm] = useState<{ usd: number; note?: string } | null>(null);
  const seqRef = useRef(0);
  const loading = useRef<Promise<void> | null>(null);
  const again = useRef(false);

  const fail = useCallback((e: unknown) => {
    setFailure({
      message: e instanceof Error ? e.message : String(e),
      problems: e instanceof ApiFailure ? e.problems : [],
    });
  }, []);

  /** Reads the project again; events newer than the read stay on top of it. */
  const load = useCallback(async () => {
    if (loading.current) {
      again.current = true;
      return loading.current;
    }
    loading.current = (async () => {
      try {
        const next = await api<Overview>(`/api/projects/${id}`);
        seqRef.current = next.seq;
        setOverview(next);
        props.onTitle(next.project.title);
        setLive((old) => ({
          jobs: new Map([...old.jobs].filter(([, j]) => j.seq > next.seq)),
          spend: old.spend && old.spend.seq > next.seq ? old.spend : null,
          run: old.run && old.run.seq > next.seq ? old.run : null,
        }));
      } catch (e) {
        fail(e);
      } finally {
        loading.current = null;
        if (again.current) {
          again.current = false;
          void load();
        }
      }
    })();
    return loading.current;
  }, [id]);

  useEffect(() => {
    api<{ models: Model[] }>('/api/models').then((r) => setModels(r.models), fail);
  }, []);

  // the event stream: live job states, spend and stages; anything else means "read again"
  useEffect(() => {
    let refresh: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(refresh);
      refresh = setTimeout(() => void load(), 300);
    };
    const source = new EventSource(`/api/projects/${id}/events`);
    const seqOf = (e: MessageEvent) => Number(e.lastEventId) || 0;
    const on = <K extends keyof EventPayloads>(
      type: K,
      handle: (data: EventPayloads[K], seq: number) => void,
    ) =>
      source.addEventListener(type, (e) => {
        const event = e as MessageEvent<string>;
        const seq = seqOf(event);
        if (seq !== 0 && seq <= seqRef.current) return;
        handle(JSON.parse(event.data) as EventPayloads[K], seq);
      });
    on('hello', () => void load());
    on('reset', () => void load());
    on('job', (job, seq) => {
      setLive((old) => {
        const jobs = new Map(old.jobs);
        jobs.set(job.key, {
          key: job.key,
          shotIds: job.shotIds,
          state: job.state,
          model: job.model,
          provider: job.provider,
          reason: job.reason,
          seq,
        });
        return { ...old, jobs };
      });
      if (job.state === 'done' || job.state === 'failed') soon();
    });
    on('spend', (s, seq) =>
      setLive((old) => ({
        ...old,
        spend: { spentUsd: s.spentUsd, reservedUsd: s.reservedUsd, seq },
      })),
    );
    on('state', (run, seq) => {
      setLive((old) => ({ ...old, jobs: new Map(), run: { ...run, seq } }));
      setAnnounce(run.preview ? 'Preview started' : 'Run started');
    });
    on('prepared', (p, seq) =>
      setLive((old) => ({
        ...old,
        run: old.run
          ? { ...old.run, id: p.runId, state: 'running', jobs: p.jobs, done: p.done, seq }
          : old.run,
      })),
    );
    on('assembling', (_p, seq) => {
      setLive((old) => ({
        ...old,
        run: old.run ? { ...old.run, state: 'assembling', seq } : old.run,
      }));
      setAnnounce('Every shot is made: assembling the cut');
    });
    on('ended', (run) => {
      setAnnounce(
        run.state === 'finished'
          ? 'The run finished: the cut is ready'
          : run.state === 'aborted'
            ? 'The run was stopped'
            : `The run failed: ${run.error?.message ?? ''}`,
      );
      void load();
    });
    for (const type of ['assembled', 'picked', 'changed'] as const) on(type, () => void load());
    return () => {
      clearTimeout(refresh);
      source.close();
    };
  }, [id]);

  // the draft's plan, shortly after each change
  useEffect(() => {
    if (!draft) {
      setDraftPlan(null);
      return;
    }
    const timer = setTimeout(() => {
      api<PlanResponse>(`/api/projects/${id}/plan`, {
        method: 'POST',
        json: { changes: draft },
      }).then(setDraftPlan, fail);
    }, 200);
    return () => clearTimeout(timer);
  }, [draft]);

  const jobs = useMemo(
    () => (overview ? mergedJobs(overview, live.jobs) : new Map<string, JobState>()),
    [overview, live.jobs],
  );

  if (!overview) {
    return html`<div class="loading">${failure ? html`<div class="alert" role="alert">${failure.message} <button onClick=${props.home}>Back</button></div>` : 'Loading the project…'}</div>`;
  }

  const committed = overview.project.changes as Changes;
  const plan = draftPlan?.plan ?? overview.plan;
  const estimate = draftPlan?.estimate ?? overview.estimate;
  const run = live.run ?? overview.run;
  const running = run.active;
  const shotStates = new Map(overview.shots.map((card) => [card.id, shotProgress(card, jobs)]));
  const progress = shotCounts([...shotStates.values()]);
  const spend = {
    spent: live.spend?.spentUsd ?? overview.spend?.spent_usd ?? 0,
    reserved: live.spend?.reservedUsd ?? overview.spend?.reserved_usd ?? 0,
  };
  const planned = new Map(plan.shots.map((s) => [s.id, s]));
  const before = new Map(overview.plan.shots.map((s) => [s.id, s]));
  const errors = plan.problems.filter((p) => p.severity === 'error');
  const warnings = plan.problems.filter((p) => p.severity === 'warning');
  const cut = overview.deliverables.find((d) => d.name === 'final.mp4' || d.name === 'final.mov');
  const files = overview.deliverables.filter((d) => d !== cut);
  const hasDraft = draft !== null;

  function edit(next: Changes) {
    setDraft(next);
  }
  function changeShot(shotId: string, change: ShotChange) {
    const base = draft ?? committed;
    edit({ ...base, shots: { ...base.shots, [shotId]: { ...base.shots?.[shotId], ...change } } });
  }

  async function act(kind: NonNullable<typeof busy>, work: () => Promise<void>) {
    setBusy(kind);
    setFailure(null);
    try {
      await work();
    } catch (e) {
      fail(e);
    } finally {
      setBusy(null);
    }
  }

  const startPreview = () =>
    act('preview', async () => {
      await api<StartedRun>(`/api/projects/${id}/runs`, {
        method: 'POST',
        json: { preview: true },
      });
    });

  const startReal = (usd: number) =>
    act('real', async () => {
      try {
        await api<StartedRun>(`/api/projects/${id}/runs`, {
          method: 'POST',
          json: { preview: false, confirm_usd: usd },
        });
        setConfirm(null);
      } catch (e) {
        if (e instanceof ApiFailure && e.code === 'confirmation_required') {
          const now = Number(e.details.estimate_usd);
          setConfirm({ usd: now, note: `The estimate changed to ${money(now)}: confirm again.` });
          return;
        }
        setConfirm(null);
        throw e;
      }
    });

  const stop = () =>
    act(
      'stop',
      async () => void (await api(`/api/projects/${id}/runs/current`, { method: 'DELETE' })),
    );

  const pick = (shotId: string, take: number) =>
    act('pick', async () => {
      setAnnounce(`Putting take ${take} of ${shotId} in the cut…`);
      const next = await api<Overview>(`/api/projects/${id}/shots/${shotId}/pick`, {
        method: 'POST',
        json: { take },
      });
      seqRef.current = Math.max(seqRef.current, next.seq);
      setOverview(next);
      setAnnounce(`Take ${take} of ${shotId} is in the cut`);
    });

  const apply = () =>
    act('apply', async () => {
      await api<PlanResponse>(`/api/projects/${id}/changes`, {
        method: 'PUT',
        json: { changes: draft },
      });
      setDraft(null);
      await load();
    });

  const runLabel = runStatus(run, progress);
  const current = (shotId: string, card: Overview['shots'][number]) => {
    const change = draft?.shots?.[shotId];
    return {
      model: change?.model !== undefined ? change.model : card.pinned,
      priority: change?.priority ?? card.priority,
      tags: change?.tags ?? card.tags,
    };
  };
  const budgetValue = (draft ?? committed).budget_usd;
  const optimize = (draft ?? committed).optimize ?? (overview.plan.policy as Changes['optimize']);

  return html`<div class="project">
    <p class="sr-only" aria-live="polite">${announce}</p>
    <section class="summary" aria-labelledby="project-title">
      <div class="summary-main">
        <h1 id="project-title">${overview.project.title}</h1>
        <p class="muted">
          ${plan.shots.length} shots · ${seconds(overview.shots.reduce((s, c) => s + c.duration, 0))} ·
          list price ${money(plan.total.usd)} · about ${seconds(plan.total.seconds)} of generation ·
          lifecycles as of ${plan.as_of}
        </p>
        <div class="policy">
          <label>Optimise for
            <select value=${optimize} onChange=${(e: Event) => edit({ ...(draft ?? committed), optimize: (e.currentTarget as HTMLSelectElement).value as Changes['optimize'] })}>
              <option value="balanced">balance of quality and cost</option>
              <option value="quality">quality</option>
              <option value="cost">cost</option>
              <option value="speed">speed</option>
            </select>
          </label>
          <label>Budget (USD)
            <input type="number" min="0.01" step="0.01" inputmode="decimal" placeholder="none"
              value=${budgetValue === undefined ? (overview.plan.budget_usd ?? '') : (budgetValue ?? '')}
              onChange=${(e: Event) => {
                const text = (e.currentTarget as HTMLInputElement).value.trim();
                const value = Number(text);
                if (text !== '' && !(value > 0)) return;
                edit({ ...(draft ?? committed), budget_usd: text === '' ? null : value });
              }} />
          </label>
          <span class="muted small">Cheapest possible ${money(plan.cost_range.cheapest_usd)} · best without a budget ${money(plan.cost_range.best_usd)}</span>
        </div>
        <${BudgetBar} spent=${spend.spent} reserved=${spend.reserved} toSpend=${estimate.usd} budget=${plan.budget_usd} preview=${true} />
        <${SpendChart} points=${overview.spend_over_time} budget=${plan.budget_usd} />
      </div>
      <div class="run-panel" aria-labelledby="run-title">
        <h2 id="run-title">Run</h2>
        <div class="run-state">
          <span class=${`badge ${runBadge(run)}`}>${runLabel.badge}</span>
          <span>${runLabel.text}</span>
        </div>
        ${
          (running || run.state !== 'idle') &&
          html`<progress class=${`run-progress${run.state === 'finished' ? ' done' : ''}`} value=${progress.total ? progress.done / progress.total : 0} max="1"
          aria-label=${`${progress.done} of ${progress.total} shots made`}></progress>`
        }
        ${run.error && !running && html`<p class="error-text small">${run.error.message}</p>`}
        <div class="run-buttons">
          ${
            running
              ? html`<button class="danger" onClick=${stop} disabled=${busy !== null}>${busy === 'stop' ? 'Stopping…' : 'Stop the run'}</button>`
              : html`<button class="primary" onClick=${startPreview}
                  disabled=${busy !== null || hasDraft || !overview.runnable.preview.ok}>
                  ${busy === 'preview' ? 'Starting…' : 'Run preview · free'}
                </button>
                <button onClick=${() => setConfirm({ usd: overview.estimate.usd })}
                  disabled=${busy !== null || hasDraft || !overview.runnable.real.ok}>
                  Run for real · ${money(overview.estimate.usd)}
                </button>`
          }
        </div>
        ${!running && hasDraft && html`<p class="small muted">Apply or discard your changes to run.</p>`}
        ${
          !running &&
          !hasDraft &&
          !overview.runnable.real.ok &&
          html`<details class="small"><summary>Why a real run is unavailable</summary>
            <p class="muted">${overview.runnable.real.reason}</p></details>`
        }
        <p class="small muted">A preview renders each shot locally as a labelled placeholder with its real length and size, and cuts them together. Nothing is spent.</p>
      </div>
    </section>

    ${
      failure &&
      html`<div class="alert" role="alert"><p>${failure.message}</p><${ProblemList} problems=${failure.problems} />
      <button class="small-button" onClick=${() => setFailure(null)}>Dismiss</button></div>`
    }

    ${
      (errors.length > 0 || warnings.length > 0) &&
      html`<section class=${`plan-problems${errors.length > 0 ? ' has-errors' : ''}`} aria-label="Plan problems">
      ${errors.map((p) => html`<p class="error-text"><b>${p.shot ?? 'plan'}</b>: ${p.message}</p>`)}
      ${
        warnings.length > 0 &&
        html`<details><summary>${warnings.length} warning${warnings.length === 1 ? '' : 's'}</summary>
        <ul>${warnings.map((p) => html`<li><b>${p.shot ?? 'plan'}</b>: ${p.message}</li>`)}</ul></details>`
      }
    </section>`
    }

    ${
      (cut || files.length > 0) &&
      html`<section class="delivery" aria-labelledby="cut-title">
      <h2 id="cut-title">The cut</h2>
      <div class="delivery-grid">
        ${cut && html`<video class="cut" controls preload="metadata" poster=${cutPoster(overview)} src=${`${cut.url}?v=${cut.version}`} aria-label="The cut"></video>`}
        <ul class="files">
          ${cut && html`<li><a href=${`${cut.url}?download=1`} download="">Download the cut</a> <span class="muted small">${mb(cut.bytes)}</span></li>`}
          ${files.map(
            (f) =>
              html`<li>${
                f.name === 'report.html'
                  ? html`<a href=${f.url} target="_blank" rel="noopener">${f.label}</a>`
                  : html`<a href=${`${f.url}?download=1`} download="">${f.label}</a>`
              } <span class="muted small">${f.name}</span></li>`,
          )}
        </ul>
      </div>
      ${overview.cut && html`<${CutStrip} cut=${overview.cut} onSeek=${playCutFrom} />`}
    </section>`
    }

    <section aria-labelledby="shots-title">
      <h2 id="shots-title">Shots</h2>
      <div class="shots">
        ${overview.shots.map(
          (card) => html`<${ShotCardView}
            key=${card.id}
            shot=${card}
            planned=${planned.get(card.id)}
            before=${hasDraft ? before.get(card.id) : undefined}
            progress=${shotStates.get(card.id)!}
            models=${models}
            current=${current(card.id, card)}
            onChange=${(change: ShotChange) => changeShot(card.id, change)}
            onPick=${(take: number) => pick(card.id, take)}
            locked=${busy !== null || running}
          />`,
        )}
      </div>
    </section>

    ${
      hasDraft &&
      html`<div class="draft-bar" role="region" aria-label="Unapplied changes">
      <span>
        ${
          draftPlan
            ? html`New plan: <b>${money(draftPlan.plan.total.usd)}</b>
            (now ${money(overview.plan.total.usd)}, ${delta(draftPlan.plan.total.usd - overview.plan.total.usd)})
            · a real run would spend ${money(draftPlan.estimate.usd)}
            · ${changedShots(overview.plan, draftPlan.plan)}
            ${draftPlan.plan.problems.some((p) => p.severity === 'error') && html` · <span class="error-text">this plan cannot run</span>`}`
            : 'Planning…'
        }
      </span>
      <span class="draft-buttons">
        <button onClick=${() => setDraft(null)} disabled=${busy !== null}>Discard</button>
        <button class="primary" onClick=${apply} disabled=${busy !== null || !draftPlan}>${busy === 'apply' ? 'Applying…' : 'Apply changes'}</button>
      </span>
    </div>`
    }

    ${
      confirm &&
      html`<${ConfirmSpend} usd=${confirm.usd} note=${confirm.note} shots=${plan.shots.length} busy=${busy === 'real'}
      onConfirm=${() => startReal(confirm.usd)} onCancel=${() => setConfirm(null)} />`
    }
  </div>`;
}

function ConfirmSpend(props: {
  usd: number;
  note?: string;
  shots: number;
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return html`<dialog ref=${ref} aria-labelledby="confirm-title" onCancel=${props.onCancel}>
    <h2 id="confirm-title">Spend up to ${money(props.usd)}?</h2>
    <p>This run calls the providers' APIs for the ${props.shots} shots at list prices. Shots already made in this project are not paid for again. The budget is never exceeded.</p>
    ${props.note && html`<p class="warn">${props.note}</p>`}
    <div class="dialog-buttons">
      <button onClick=${props.onCancel}>Cancel</button>
      <button class="primary" onClick=${props.onConfirm} disabled=${props.busy}>${props.busy ? 'Starting…' : `Spend up to ${money(props.usd)}`}</button>
    </div>
  </dialog>`;
}

function runStatus(
  run: RunInfo,
  progress: { total: number; done: number; failed: number },
): { badge: string; text: string } {
  const kind = run.preview ? 'preview' : 'run';
  const counts = `${progress.done} of ${progress.total} shots made${progress.failed ? `, ${progress.failed} failed` : ''}`;
  switch (run.state) {
    case 'preparing':
      return { badge: 'Starting', text: `Preparing the ${kind}…` };
    case 'running':
      return { badge: run.preview ? 'Previewing' : 'Running', text: counts };
    case 'assembling':
      return { badge: 'Assembling', text: 'Every shot is made; cutting them together…' };
    case 'finished':
      return { badge: 'Finished', text: `Last ${kind}: ${counts}` };
    case 'aborted':
      return { badge: 'Stopped', text: `Last ${kind} stopped: ${counts}. Run again to resume.` };
    case 'failed':
      return { badge: 'Failed', text: `The last ${kind} failed.` };
    default:
      return { badge: 'Not run yet', text: 'Start with a free preview.' };
  }
}

function runBadge(run: RunInfo): string {
  if (run.active) return 'active';
  return run.state === 'finished'
    ? 'done'
    : run.state === 'failed' || run.state === 'aborted'
      ? 'failed'
      : 'planned';
}

/** How many shots the draft sends to another model. */
function changedShots(before: Overview['plan'], after: Overview['plan']): string {
  const was = new Map(before.shots.map((s) => [s.id, s.model]));
  const moved = after.shots.filter((s) => was.get(s.id) !== s.model).length;
  return moved === 0
    ? 'every shot keeps its model'
    : `${moved} shot${moved === 1 ? '' : 's'} change model`;
}

function delta(usd: number): string {
  if (Math.abs(usd) < 0.005) return 'no change';
  return `${usd > 0 ? '+' : '−'}${money(Math.abs(usd))}`;
}

function mb(bytes: number): string {
  return bytes >= 1024 * 1024
    ? `${(bytes / 1024 / 1024).toFixed(1)} MB`
    : `${Math.max(1, Math.round(bytes / 1024))} KB`;
}
