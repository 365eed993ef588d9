/**
 * A project: the plan and why, the budget, running (preview or real, with the estimate shown
 * and confirmed), live progress, the cut and its files, the package, and one card per shot with
 * its review. The page loads the snapshot, then follows the event stream from its `seq`; when
 * the stream drops it says so and catches up. Changes to pins, priorities, tags, policy and
 * budget are a draft: the plan and price are shown for it before it is applied. What a role may
 * not do is not offered (the server refuses it anyway).
 */
import { html } from 'htm/preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  ApiFailure,
  allowedFor,
  api,
  type Changes,
  type Model,
  money,
  type Overview,
  type PackageMade,
  type PlanResponse,
  type Problem,
  type Role,
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
import { warningWords } from './words.ts';

/** shot cards in the first screen (a large screen shows about eight) */
const FIRST_CARDS = 12;

const OPTIMIZE_WORDS: Record<NonNullable<Changes['optimize']>, string> = {
  balanced: 'balance of quality and cost',
  quality: 'quality',
  cost: 'cost',
  speed: 'speed',
};

type ShotChange = NonNullable<Changes['shots']>[string];

/** Whether the page follows the event stream: on it, catching up, or cut off and retrying. */
type Connection = 'connecting' | 'live' | 'reconnecting' | 'lost';

/** A regeneration waiting for its estimate to be confirmed. */
interface Regenerate {
  shot: string;
  changes: Changes;
  usd: number;
  jobs: number;
  note?: string;
  /** the changes before, put back if the user cancels after the new prompt was committed */
  previous: Changes;
  committed?: boolean;
}

interface Live {
  jobs: Map<string, JobState & { seq: number }>;
  spend: { spentUsd: number; reservedUsd: number; seq: number } | null;
  run: (RunInfo & { seq: number }) | null;
}

const noLive = (): Live => ({ jobs: new Map(), spend: null, run: null });

export function ProjectView(props: {
  id: string;
  role: Role;
  home: () => void;
  onTitle: (title: string) => void;
}) {
  const { id } = props;
  const allowed = allowedFor(props.role);
  const [overview, setOverview] = useState<Overview | null>(null);
  const [notFound, setNotFound] = useState(false);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [syncedAt, setSyncedAt] = useState<Date | null>(null);
  const [reconnects, setReconnects] = useState(0);
  const [regen, setRegen] = useState<Regenerate | null>(null);
  const [made, setMade] = useState<PackageMade | null>(null);
  // the first cards come with the first screen; the rest right after it is painted
  const [allCards, setAllCards] = useState(false);
  const [failure, setFailure] = useState<{ message: string; problems: Problem[] } | null>(null);
  const [live, setLive] = useState<Live>(noLive);
  const [models, setModels] = useState<Model[]>([]);
  const [draft, setDraft] = useState<Changes | null>(null);
  const [draftPlan, setDraftPlan] = useState<PlanResponse | null>(null);
  const [busy, setBusy] = useState<
    'preview' | 'real' | 'stop' | 'pick' | 'apply' | 'package' | 'regen' | null
  >(null);
  const [announce, setAnnounce] = useState('');
  const [confirm, setConfirm] = useState<{ usd: number; note?: string } | null>(null);
  const seqRef = useRef(0);
  const hasOverview = useRef(false);
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
        const next = await api<Overview>(`/api/projects/${id}`, { timeoutMs: 20_000 });
        seqRef.current = next.seq;
        hasOverview.current = true;
        setOverview(next);
        setSyncedAt(new Date());
        props.onTitle(next.project.title);
        setLive((old) => ({
          jobs: new Map([...old.jobs].filter(([, j]) => j.seq > next.seq)),
          spend: old.spend && old.spend.seq > next.seq ? old.spend : null,
          run: old.run && old.run.seq > next.seq ? old.run : null,
        }));
      } catch (e) {
        if (e instanceof ApiFailure && e.status === 404) setNotFound(true);
        // with the project on screen, a failed read is the stream's business (it retries)
        else if (hasOverview.current) setConnection('lost');
        else fail(e);
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

  useEffect(() => {
    if (!overview || allCards) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const frame = requestAnimationFrame(() => {
      timer = setTimeout(() => setAllCards(true), 0);
    });
    return () => {
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [overview !== null, allCards]);

  // the first read: the snapshot the stream follows on from
  useEffect(() => {
    void load();
  }, [id]);

  // the event stream, from the snapshot's seq: live job states, spend and stages; anything else
  // means "read again". A stream the server refuses (404, 500, not a stream) or a dropped one
  // is opened again after reading the snapshot again, waiting longer each time (up to 15 s).
  const ready = overview !== null;
  useEffect(() => {
    if (!ready || notFound) return;
    let refresh: ReturnType<typeof setTimeout> | undefined;
    let retry: ReturnType<typeof setTimeout> | undefined;
    const soon = () => {
      clearTimeout(refresh);
      refresh = setTimeout(() => void load(), 300);
    };
    setConnection(reconnects === 0 ? 'connecting' : 'reconnecting');
    const source = new EventSource(`/api/projects/${id}/events?since=${seqRef.current}`);
    source.onopen = () => setConnection('live');
    source.onerror = () => {
      if (source.readyState !== EventSource.CLOSED) {
        // the browser reconnects by itself, sending the last event id it saw
        setConnection('reconnecting');
        return;
      }
      setConnection('lost');
      const wait = Math.min(15_000, 1000 * 2 ** Math.min(reconnects, 4));
      retry = setTimeout(async () => {
        await load();
        setReconnects((n) => n + 1);
      }, wait);
    };
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
    on('hello', (hello) => {
      setConnection('live');
      // a server restarted since the read numbers its events from 0: read again
      if (hello.seq < seqRef.current) void load();
    });
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
    for (const type of ['assembled', 'picked', 'changed', 'review'] as const) {
      on(type, () => void load());
    }
    return () => {
      clearTimeout(refresh);
      clearTimeout(retry);
      source.close();
    };
  }, [id, ready, notFound, reconnects]);

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

  if (notFound) {
    return html`<section class="not-found" aria-labelledby="not-found-title">
      <h1 id="not-found-title">Project not found</h1>
      <p>There is no project <code>${id}</code> on this server. It may have been deleted, or the link is mistyped.</p>
      <button class="primary" onClick=${props.home}>See all projects and examples</button>
    </section>`;
  }
  if (!overview) {
    return html`<div class="loading">${
      failure
        ? html`<div class="alert" role="alert"><p>The project could not be loaded: ${failure.message}</p>
          <button class="primary" onClick=${() => {
            setFailure(null);
            void load();
          }}>Try again</button> <button onClick=${props.home}>All projects</button></div>`
        : 'Loading the project…'
    }</div>`;
  }

  const committed = overview.project.changes as Changes;
  const plan = draftPlan?.plan ?? overview.plan;
  const estimate = draftPlan?.estimate ?? overview.estimate;
  const run = live.run ?? overview.run;
  const running = run.active;
  const shotStates = new Map(
    overview.shots.map((card) => [card.id, shotProgress(card, jobs, run.preview)]),
  );
  const progress = shotCounts([...shotStates.values()]);
  const spend = {
    spent: live.spend?.spentUsd ?? overview.spend?.spent_usd ?? 0,
    reserved: live.spend?.reservedUsd ?? overview.spend?.reserved_usd ?? 0,
  };
  const planned = new Map(plan.shots.map((s) => [s.id, s]));
  const before = new Map(overview.plan.shots.map((s) => [s.id, s]));
  const errors = plan.problems.filter((p) => p.severity === 'error');
  // a shot's warning is said from its fields (words.ts); other plan warnings carry only a message
  const warnings = [
    ...plan.shots.flatMap((s) => s.warnings.map((w) => ({ shot: s.id, text: warningWords(w) }))),
    ...plan.problems
      .filter((p) => p.severity === 'warning' && p.code !== 'warning')
      .map((p) => ({ shot: p.shot, text: p.message })),
  ];
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

  /** Asks for the estimate of making one shot again with a new prompt (nothing is committed yet). */
  const regenerate = (shotId: string, prompt: string) =>
    act('regen', async () => {
      const changes: Changes = {
        ...committed,
        shots: { ...committed.shots, [shotId]: { ...committed.shots?.[shotId], prompt } },
      };
      const tried = await api<PlanResponse>(`/api/projects/${id}/plan`, {
        method: 'POST',
        json: { changes },
      });
      const error = tried.plan.problems.find((p) => p.severity === 'error');
      if (error) throw new Error(`${error.shot ?? 'the plan'}: ${error.message}`);
      setRegen({
        shot: shotId,
        changes,
        usd: tried.estimate.usd,
        jobs: tried.estimate.jobs,
        previous: committed,
      });
    });

  /** Commits the new prompt, then starts the run that makes the shot again. */
  const confirmRegenerate = (preview: boolean) =>
    act('regen', async () => {
      if (!regen) return;
      await api<PlanResponse>(`/api/projects/${id}/changes`, {
        method: 'PUT',
        json: { changes: regen.changes },
      });
      try {
        await api<StartedRun>(`/api/projects/${id}/runs`, {
          method: 'POST',
          json: preview ? { preview: true } : { preview: false, confirm_usd: regen.usd },
        });
      } catch (e) {
        if (e instanceof ApiFailure && e.code === 'confirmation_required') {
          const now = Number(e.details.estimate_usd);
          setRegen({
            ...regen,
            usd: now,
            committed: true,
            note: `The estimate changed to ${money(now)}: confirm again.`,
          });
          return;
        }
        throw e;
      } finally {
        await load();
      }
      setRegen(null);
      setAnnounce(`Making ${regen.shot} again${preview ? ' as a preview' : ''}`);
    });

  /** Nothing ran: a prompt already committed (the estimate changed under it) is taken back. */
  const cancelRegenerate = () =>
    act('regen', async () => {
      const was = regen;
      setRegen(null);
      if (!was?.committed) return;
      await api<PlanResponse>(`/api/projects/${id}/changes`, {
        method: 'PUT',
        json: { changes: was.previous },
      });
      await load();
    });

  const makePackage = () =>
    act('package', async () => {
      setMade(null);
      setMade(await api<PackageMade>(`/api/projects/${id}/package`, { method: 'POST' }));
      setAnnounce('The package is ready to download');
    });

  const lockReason = running
    ? `A ${run.preview ? 'preview' : 'run'} is in progress: picks, plan and prompt changes and the package wait until it ends. Reviews and comments are open.`
    : busy === 'pick'
      ? 'A take is being put in the cut and the cut made again: other changes wait a moment.'
      : null;
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
    <${ConnectionNote} connection=${connection} syncedAt=${syncedAt} retry=${() => setReconnects((n) => n + 1)} />
    <section class="summary" aria-labelledby="project-title">
      <div class="summary-main">
        <h1 id="project-title">${overview.project.title}</h1>
        <p class="muted">
          ${plan.shots.length} shots · ${seconds(overview.shots.reduce((s, c) => s + c.duration, 0))} ·
          list price ${money(plan.total.usd)} · about ${seconds(plan.total.seconds)} of generation ·
          lifecycles as of ${plan.as_of}
        </p>
        ${
          !allowed.edit
            ? html`<p class="policy muted">Optimised for ${OPTIMIZE_WORDS[optimize ?? 'balanced']} · budget ${plan.budget_usd === null ? 'none' : money(plan.budget_usd)} · cheapest possible ${money(plan.cost_range.cheapest_usd)}</p>`
            : html`<div class="policy">
          <label>Optimise for
            <select value=${optimize} disabled=${!allowed.edit} onChange=${(e: Event) => edit({ ...(draft ?? committed), optimize: (e.currentTarget as HTMLSelectElement).value as Changes['optimize'] })}>
              ${Object.entries(OPTIMIZE_WORDS).map(([value, words]) => html`<option value=${value}>${words}</option>`)}
            </select>
          </label>
          ${
            allowed.spend
              ? html`<label>Budget (USD)
            <input type="number" min="0.01" step="0.01" inputmode="decimal" placeholder="none"
              value=${budgetValue === undefined ? (overview.plan.budget_usd ?? '') : (budgetValue ?? '')}
              onChange=${(e: Event) => {
                const text = (e.currentTarget as HTMLInputElement).value.trim();
                const value = Number(text);
                if (text !== '' && !(value > 0)) return;
                edit({ ...(draft ?? committed), budget_usd: text === '' ? null : value });
              }} />
          </label>`
              : html`<span>Budget ${plan.budget_usd === null ? 'none' : money(plan.budget_usd)} <span class="muted small">(a producer sets it)</span></span>`
          }
          <span class="muted small">Cheapest possible ${money(plan.cost_range.cheapest_usd)} · best without a budget ${money(plan.cost_range.best_usd)}</span>
        </div>`
        }
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
        ${
          allowed.edit &&
          html`<div class="run-buttons">
          ${
            running
              ? html`<button class="danger" onClick=${stop} disabled=${busy !== null}>${busy === 'stop' ? 'Stopping…' : 'Stop the run'}</button>`
              : html`<button class="primary" onClick=${startPreview}
                  disabled=${busy !== null || hasDraft || !overview.runnable.preview.ok}>
                  ${busy === 'preview' ? 'Starting…' : 'Run preview · free'}
                </button>
                ${
                  allowed.spend &&
                  html`<button onClick=${() => setConfirm({ usd: overview.estimate.usd })}
                  disabled=${busy !== null || hasDraft || !overview.runnable.real.ok}>
                  Run for real · ${money(overview.estimate.usd)}
                </button>`
                }`
          }
        </div>`
        }
        ${!allowed.edit && html`<p class="small muted role-note">You are a viewer here: you can watch, read the plan and download. An editor reviews and previews; a producer also spends.</p>`}
        ${allowed.edit && !allowed.spend && html`<p class="small muted role-note">Only a producer can start a run that spends or change the budget.</p>`}
        ${allowed.edit && !running && hasDraft && html`<p class="small muted">Apply or discard your changes to run.</p>`}
        ${
          allowed.edit &&
          !running &&
          !hasDraft &&
          !overview.runnable.preview.ok &&
          html`<p class="small error-text">The preview cannot run: ${overview.runnable.preview.reason ?? 'the plan has errors (see below)'}</p>`
        }
        ${
          allowed.spend &&
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
        <ul>${warnings.map((p) => html`<li><b>${p.shot ?? 'plan'}</b>: ${p.text}</li>`)}</ul></details>`
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
        ${
          allowed.edit &&
          html`<div class="package">
          <button onClick=${makePackage} disabled=${busy !== null || lockReason !== null}
            title=${lockReason ?? undefined}>${busy === 'package' ? 'Packaging…' : 'Package the edit for an editor'}</button>
          <p class="small muted">Every picked take with handles, the timelines (OTIO, FCPXML, EDL), the cut and the report, as one zip.</p>
          ${
            made &&
            html`<p class="package-ready"><a href=${made.url} download="">Download the package</a>${' '}
            <span class="muted small">zip, ${mb(made.bytes)} · ${made.clips.length} clip${made.clips.length === 1 ? '' : 's'}</span></p>`
          }
        </div>`
        }
      </div>
      ${overview.cut && html`<${CutStrip} cut=${overview.cut} onSeek=${playCutFrom} />`}
    </section>`
    }

    <section aria-labelledby="shots-title">
      <h2 id="shots-title">Shots</h2>
      ${lockReason && allowed.edit && html`<p class="lock-note" role="status"><b>Editing is locked.</b> ${lockReason}</p>`}
      <div class="shots">
        ${(allCards ? overview.shots : overview.shots.slice(0, FIRST_CARDS)).map(
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
            lockReason=${lockReason}
            allowed=${allowed}
            projectId=${id}
            review=${overview.review.reviews.find((r) => r.shot === card.id)}
            comments=${overview.review.comments.filter((c) => c.shot === card.id)}
            onReviewed=${() => void load()}
            onRegenerate=${hasDraft ? null : (prompt: string) => regenerate(card.id, prompt)}
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
      regen &&
      html`<${ConfirmRegenerate} regen=${regen} busy=${busy === 'regen'} allowed=${allowed}
      onConfirm=${confirmRegenerate} onCancel=${cancelRegenerate} />`
    }

    ${
      confirm &&
      html`<${ConfirmSpend} usd=${confirm.usd} note=${confirm.note} shots=${plan.shots.length} busy=${busy === 'real'}
      onConfirm=${() => startReal(confirm.usd)} onCancel=${() => setConfirm(null)} />`
    }
  </div>`;
}

/** Where the page stands with the event stream: said plainly when it is not live. */
function ConnectionNote(props: {
  connection: Connection;
  syncedAt: Date | null;
  retry: () => void;
}) {
  const { connection } = props;
  if (connection === 'live') return html`<p class="connection live small" role="status">Live</p>`;
  const asOf = props.syncedAt
    ? ` (showing the project as of ${props.syncedAt.toLocaleTimeString()})`
    : '';
  if (connection === 'connecting') {
    return html`<p class="connection small" role="status">Connecting to live updates…</p>`;
  }
  return html`<p class="connection behind small" role="status">
    ${
      connection === 'reconnecting'
        ? `Live updates dropped: reconnecting. This page may be behind${asOf}.`
        : `Live updates are cut off: retrying. This page may be behind${asOf}.`
    }
    ${connection === 'lost' && html` <button class="link small" onClick=${props.retry}>Retry now</button>`}
  </p>`;
}

/** Making one shot again: the estimate shown and confirmed before anything starts. */
function ConfirmRegenerate(props: {
  regen: Regenerate;
  busy: boolean;
  allowed: { edit: boolean; spend: boolean };
  onConfirm: (preview: boolean) => void;
  onCancel: () => void;
}) {
  const { regen } = props;
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    ref.current?.showModal();
  }, []);
  return html`<dialog ref=${ref} aria-labelledby="regen-title" onCancel=${props.onCancel}>
    <h2 id="regen-title">Make ${regen.shot} again with the new prompt?</h2>
    <p>A real run would spend up to <b class="regen-estimate">${money(regen.usd)}</b> at list prices, for ${regen.jobs} job${regen.jobs === 1 ? '' : 's'}. Every other shot keeps its clip and is not paid for again. The budget is never exceeded.</p>
    <p class="small muted">A preview makes it again as a free local placeholder, to check the cut.</p>
    ${regen.note && html`<p class="warn">${regen.note}</p>`}
    <div class="dialog-buttons">
      <button onClick=${props.onCancel}>Cancel</button>
      <button onClick=${() => props.onConfirm(true)} disabled=${props.busy}>Preview · free</button>
      ${
        props.allowed.spend
          ? html`<button class="primary" onClick=${() => props.onConfirm(false)} disabled=${props.busy}>${props.busy ? 'Starting…' : `Spend up to ${money(regen.usd)}`}</button>`
          : html`<span class="small muted">Only a producer can spend.</span>`
      }
    </div>
  </dialog>`;
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
