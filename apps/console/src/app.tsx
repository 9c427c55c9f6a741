/**
 * The console shell: navigation, the Formance login when auth is on (token in memory only), and
 * the page for the current route.
 */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api, ApiFailure, onUnauthorized, setAccessToken } from './api';
import { Link, useRoute } from './router';
import { ErrorBox } from './ui';
import { WorkflowsPage } from './pages/workflows';
import { InstancesPage } from './pages/instances';
import { InstanceDetailPage } from './pages/instance-detail';
import { TriggersPage } from './pages/triggers';
import { TriggerDetailPage } from './pages/trigger-detail';
import { SchedulesPage } from './pages/schedules';
import { ScheduleDetailPage } from './pages/schedule-detail';
import { EventsPage } from './pages/events';
import { RecordsPage } from './pages/records';
import { InterventionsPage } from './pages/interventions';
import { BulkActionsPage } from './pages/bulk-actions';
import { ReplaysPage } from './pages/replays';

const NAV = [
  ['/workflows', 'Workflows'],
  ['/instances', 'Instances'],
  ['/triggers', 'Triggers'],
  ['/schedules', 'Schedules'],
  ['/events', 'Events'],
  ['/records', 'Solvimon records'],
  ['/interventions', 'Interventions'],
] as const;

type AuthState = 'checking' | 'open' | 'login' | 'signed-in';

export function App() {
  const [auth, setAuth] = useState<AuthState>('checking');
  const [probeError, setProbeError] = useState<unknown>();

  useEffect(() => {
    // Auth is on when a Formance route answers 401 without a token.
    api.listWorkflows().then(
      () => setAuth('open'),
      (error: unknown) => {
        if (error instanceof ApiFailure && error.status === 401) setAuth('login');
        else {
          setProbeError(error);
          setAuth('open');
        }
      },
    );
    return onUnauthorized(() => {
      setAccessToken(undefined);
      setAuth('login');
    });
  }, []);

  if (auth === 'checking') return <p className="loading">Loading…</p>;
  if (auth === 'login') return <Login onDone={() => setAuth('signed-in')} />;
  return (
    <Shell
      signedIn={auth === 'signed-in'}
      onSignOut={() => {
        setAccessToken(undefined);
        setAuth('login');
      }}
      probeError={probeError}
    />
  );
}

function Login({ onDone }: { onDone: () => void }) {
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const token = await api.token(clientId, secret);
      setAccessToken(token.access_token);
      setSecret('');
      onDone();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main className="login" id="main">
      <h1>Workflow platform console</h1>
      <p>Formance auth is on: sign in with an OAuth2 client (client credentials). The token stays in this tab's memory only.</p>
      <form onSubmit={submit} className="stack">
        <label>
          Client id
          <input name="client_id" autoComplete="username" required value={clientId} onChange={(e) => setClientId(e.target.value)} autoFocus />
        </label>
        <label>
          Client secret
          <input name="client_secret" type="password" autoComplete="current-password" required value={secret} onChange={(e) => setSecret(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}

function Shell({ signedIn, onSignOut, probeError }: { signedIn: boolean; onSignOut: () => void; probeError: unknown }) {
  const { segments } = useRoute();
  const [section = 'workflows', id] = segments;
  useEffect(() => {
    const label = NAV.find(([path]) => path === `/${section}`)?.[1] ?? ({ 'bulk-actions': 'Bulk actions', replays: 'Replays' }[section] ?? 'Console');
    document.title = `${label} · Workflow console`;
  }, [section]);
  let page;
  if (section === 'workflows') page = <WorkflowsPage />;
  else if (section === 'instances') page = id ? <InstanceDetailPage id={id} /> : <InstancesPage />;
  else if (section === 'triggers') page = id ? <TriggerDetailPage id={id} /> : <TriggersPage />;
  else if (section === 'schedules') page = id ? <ScheduleDetailPage id={id} /> : <SchedulesPage />;
  else if (section === 'bulk-actions') page = <BulkActionsPage />;
  else if (section === 'replays') page = <ReplaysPage />;
  else if (section === 'events') page = <EventsPage />;
  else if (section === 'records') page = <RecordsPage />;
  else if (section === 'interventions') page = <InterventionsPage />;
  else page = <p>Page not found. Pick a section above.</p>;
  return (
    <>
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="top">
        <Link to="/workflows" className="brand">
          Workflow console
        </Link>
        <nav aria-label="Sections">
          {NAV.map(([path, label]) => (
            <Link key={path} to={path} aria-current={`/${section}` === path ? 'page' : undefined}>
              {label}
            </Link>
          ))}
        </nav>
        {signedIn && (
          <button type="button" className="ghost" onClick={onSignOut}>
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <ErrorBox error={probeError} />
        {page}
      </main>
    </>
  );
}
