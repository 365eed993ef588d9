/** The board: the start screen or a project, and the access token when the server needs one. */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiFailure, api, initialToken, openSession, setToken } from './api.ts';
import { ProjectView } from './project.ts';
import { StartView } from './start.ts';

function projectFromAddress(): string | null {
  return new URLSearchParams(location.search).get('project');
}

export function App() {
  const [project, setProject] = useState<string | null>(projectFromAddress);
  const [title, setTitle] = useState<string | null>(null);
  const [auth, setAuth] = useState<'checking' | 'ok' | 'needed'>('checking');
  const [tokenError, setTokenError] = useState<string | null>(null);

  useEffect(() => {
    initialToken();
    const back = () => setProject(projectFromAddress());
    addEventListener('popstate', back);
    void check();
    return () => removeEventListener('popstate', back);
  }, []);

  useEffect(() => {
    document.title = project && title ? `${title} · shotrouter` : 'shotrouter';
  }, [project, title]);

  /** Whether the API answers (with the token, when one is needed). */
  async function check(): Promise<boolean> {
    try {
      await openSession();
      await api('/api/projects');
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 401) {
        setAuth('needed');
        return false;
      }
    }
    setAuth('ok');
    return true;
  }

  function open(id: string | null) {
    history.pushState(null, '', id ? `?project=${encodeURIComponent(id)}` : location.pathname);
    setTitle(null);
    setProject(id);
    scrollTo(0, 0);
  }

  async function submitToken(event: Event) {
    event.preventDefault();
    const input = (event.currentTarget as HTMLFormElement).elements.namedItem(
      'token',
    ) as HTMLInputElement;
    setToken(input.value.trim());
    setTokenError((await check()) ? null : 'That token was not accepted.');
  }

  return html`<div class="page">
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="./" onClick=${(e: MouseEvent) => {
        e.preventDefault();
        open(null);
      }}>shotrouter</a>
      ${project && html`<nav aria-label="Projects"><button class="link" onClick=${() => open(null)}>← All projects and examples</button></nav>`}
      <a class="api-link small" href="/openapi.json" target="_blank" rel="noopener">API</a>
    </header>
    <main id="main">
      ${auth === 'checking' && html`<p class="loading">Connecting…</p>`}
      ${
        auth === 'needed' &&
        html`<form class="token" onSubmit=${submitToken}>
        <h1>This board needs its access token</h1>
        <p>The server printed it when it started (or it is the value of SHOTROUTER_TOKEN).</p>
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="off" required />
        ${tokenError && html`<p class="error-text">${tokenError}</p>`}
        <button class="primary" type="submit">Continue</button>
      </form>`
      }
      ${
        auth === 'ok' &&
        (project
          ? html`<${ProjectView} key=${project} id=${project} home=${() => open(null)} onTitle=${setTitle} />`
          : html`<${StartView} open=${(id: string) => open(id)} />`)
      }
    </main>
  </div>`;
}
