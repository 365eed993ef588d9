/** The first screen: start from an example, upload a storyboard, or reopen a project. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import {
  ApiFailure,
  api,
  type Example,
  type Overview,
  type Problem,
  type ProjectMeta,
} from './api.ts';
import { ProblemList } from './problems.ts';

export function StartView(props: { open: (id: string) => void }) {
  const [examples, setExamples] = useState<Example[] | null>(null);
  const [projects, setProjects] = useState<ProjectMeta[]>([]);
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<{ message: string; problems: Problem[] } | null>(null);

  useEffect(() => {
    api<{ examples: Example[] }>('/api/examples').then((r) => setExamples(r.examples), report);
    api<{ projects: ProjectMeta[] }>('/api/projects').then((r) => setProjects(r.projects), report);
  }, []);

  function report(e: unknown) {
    setError({
      message: e instanceof Error ? e.message : String(e),
      problems: e instanceof ApiFailure ? e.problems : [],
    });
  }

  async function fromExample(name: string) {
    setBusy(name);
    setError(null);
    try {
      const created = await api<Overview>('/api/projects/from-example', {
        method: 'POST',
        json: { name },
      });
      props.open(created.project.id);
    } catch (e) {
      report(e);
      setBusy(null);
    }
  }

  async function upload(event: Event) {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem(
      'files',
    ) as HTMLInputElement;
    const files = [...(input.files ?? [])];
    const storyboard = files.find((f) => /\.(ya?ml|json)$/i.test(f.name));
    if (!storyboard) {
      setError({
        message: 'Choose the storyboard (a .yaml or .json file), with its images.',
        problems: [],
      });
      return;
    }
    const form = new FormData();
    form.append('storyboard', storyboard, storyboard.name);
    for (const file of files) if (file !== storyboard) form.append('files', file, file.name);
    setBusy('upload');
    setError(null);
    try {
      const created = await api<Overview>('/api/projects', { method: 'POST', form });
      props.open(created.project.id);
    } catch (e) {
      report(e);
      setBusy(null);
    }
  }

  return html`<div class="start">
    <section class="intro">
      <h1>Plan, preview and make your storyboard</h1>
      <p>
        shotrouter sends every shot to the video model best suited to it, within your budget, and
        says why. Run a free preview first: every shot is rendered locally as a labelled
        placeholder and cut together, so you can check timing and takes before spending anything.
      </p>
    </section>
    ${error && html`<div class="alert" role="alert"><p>${error.message}</p><${ProblemList} problems=${error.problems} /></div>`}
    <div class="start-grid">
      <section aria-labelledby="examples-title">
        <h2 id="examples-title">Start from an example</h2>
        ${examples === null && html`<p class="muted">Loading examples…</p>`}
        <ul class="examples">
          ${examples?.map(
            (ex) => html`<li class="example">
              <h3>${ex.title}</h3>
              <p class="muted">${ex.shots} shots · ${ex.name}.yaml</p>
              <p>${ex.about}</p>
              <button class="primary" disabled=${busy !== null} onClick=${() => fromExample(ex.name)}>
                ${busy === ex.name ? 'Opening…' : 'Open this example'}
              </button>
            </li>`,
          )}
        </ul>
      </section>
      <section aria-labelledby="upload-title" class="upload">
        <h2 id="upload-title">Or upload your own</h2>
        <form onSubmit=${upload}>
          <label for="files">Storyboard (.yaml or .json) and its reference images</label>
          <input id="files" name="files" type="file" multiple accept=".yaml,.yml,.json,image/png,image/jpeg,image/webp,image/gif" />
          <p class="muted small">Select the storyboard and every image it names, together. Images are matched to the storyboard's paths by file name.</p>
          <button type="submit" disabled=${busy !== null}>${busy === 'upload' ? 'Checking…' : 'Create project'}</button>
        </form>
        ${
          projects.length > 0 &&
          html`<h2>Recent projects</h2>
          <ul class="recent">
            ${projects.slice(0, 8).map(
              (p) => html`<li>
                <a href=${`?project=${p.id}`} onClick=${(e: MouseEvent) => {
                  e.preventDefault();
                  props.open(p.id);
                }}>${p.title}</a>
                <span class="muted small"> · ${new Date(p.created_at).toLocaleString()}</span>
              </li>`,
            )}
          </ul>`
        }
      </section>
    </div>
  </div>`;
}
