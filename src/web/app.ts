/**
 * The board: the start screen or a project, the access token when the server needs one (kept in
 * this browser; the token field changes it), and who the token says the user is.
 */
import { html } from 'htm/preact';
import { useEffect, useState } from 'preact/hooks';
import {
  ApiFailure,
  api,
  type Identity,
  initialToken,
  openSession,
  setToken,
  storedToken,
} from './api.ts';
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
  const [me, setMe] = useState<Identity>({ name: null, role: 'viewer' });
  const [askToken, setAskToken] = useState(false);
  /** the server asks for tokens (named users or SHOTROUTER_TOKEN) */
  const [tokens, setTokens] = useState(false);

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
      setTokens((await api<{ auth: boolean }>('/api/health')).auth);
      await openSession();
      setMe(await api<Identity>('/api/me'));
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 401) {
        setAuth('needed');
        return false;
      }
    }
    setAuth('ok');
    setAskToken(false);
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
    setTokenError(
      (await check())
        ? null
        : 'That token was not accepted: check it with whoever runs the server (`shotrouter users list`).',
    );
  }

  const who = me.name ? `${me.name} · ${me.role}` : me.role === 'producer' ? null : me.role;

  return html`<div class="page">
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <a class="brand" href="./" onClick=${(e: MouseEvent) => {
        e.preventDefault();
        open(null);
      }}>shotrouter</a>
      ${project && html`<nav aria-label="Projects"><button class="link" onClick=${() => open(null)}>← All projects and examples</button></nav>`}
      <span class="who small">
        ${who && html`<span class="chip" title="your role on this board">${who}</span>`}
        ${
          auth === 'ok' &&
          (tokens || storedToken()) &&
          html`<button class="link small" onClick=${() => setAskToken(!askToken)} aria-expanded=${askToken}>
            ${storedToken() ? 'Change token' : 'Sign in with a token'}</button>`
        }
      </span>
      <a class="api-link small" href="/openapi.json" target="_blank" rel="noopener">API</a>
    </header>
    <main id="main">
      ${auth === 'checking' && html`<p class="loading">Connecting…</p>`}
      ${
        (auth === 'needed' || askToken) &&
        html`<form class="token" onSubmit=${submitToken}>
        <h1>${auth === 'needed' ? 'This board needs your access token' : 'Your access token'}</h1>
        <p>Your own token (from <code>shotrouter users add</code>), or the one the server printed when it started. It is kept in this browser; leave it empty to forget it.</p>
        <label for="token">Access token</label>
        <input id="token" name="token" type="password" autocomplete="off" required=${auth === 'needed'} />
        ${tokenError && html`<p class="error-text">${tokenError}</p>`}
        <button class="primary" type="submit">Continue</button>
      </form>`
      }
      ${
        auth === 'ok' &&
        (project
          ? html`<${ProjectView} key=${project} id=${project} role=${me.role} home=${() => open(null)} onTitle=${setTitle} />`
          : html`<${StartView} open=${(id: string) => open(id)} />`)
      }
    </main>
  </div>`;
}
