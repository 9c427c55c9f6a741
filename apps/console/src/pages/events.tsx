/** Events: a live tail of the bus with filters; publish a test event through /api/events. */
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { BusEvent } from '../bus-events';
import { StreamBadge, useBusEvents } from '../bus-events';
import { Link } from '../router';
import { Time } from '../time';
import { Empty, ErrorBox } from '../ui';

const CATEGORIES = ['lifecycle', 'intervention', 'billing', 'other'] as const;
const MAX_SHOWN = 300;

export function EventsPage() {
  const [categories, setCategories] = useState<string[]>([]);
  const [typesText, setTypesText] = useState('');
  const [applied, setApplied] = useState<{ categories: string[]; types: string[] }>({ categories: [], types: [] });
  const [events, setEvents] = useState<BusEvent[]>([]);
  const [paused, setPaused] = useState(false);
  const state = useBusEvents(
    { categories: applied.categories, types: applied.types, replay: 50 },
    (e) => {
      if (!paused) setEvents((list) => [e, ...list].slice(0, MAX_SHOWN));
    },
  );
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setEvents([]);
    setApplied({ categories, types: typesText.split(',').map((t) => t.trim()).filter(Boolean) });
  };
  const toggle = (c: string) => setCategories((list) => (list.includes(c) ? list.filter((x) => x !== c) : [...list, c]));

  return (
    <section aria-labelledby="events-title">
      <div className="page-head">
        <h1 id="events-title">Events</h1>
        <StreamBadge state={state} />
        <button type="button" className="ghost" onClick={() => setPaused((p) => !p)} aria-pressed={paused}>
          {paused ? 'Resume' : 'Pause'}
        </button>
      </div>
      <form className="filters" onSubmit={apply} role="search" aria-label="Filter events">
        <fieldset className="inline">
          <legend>Categories</legend>
          {CATEGORIES.map((c) => (
            <label key={c} className="check">
              <input type="checkbox" checked={categories.includes(c)} onChange={() => toggle(c)} /> {c}
            </label>
          ))}
        </fieldset>
        <label>
          Types <span className="muted">(comma-separated; <code>invoice.*</code> for a prefix)</span>
          <input value={typesText} onChange={(e) => setTypesText(e.target.value)} placeholder="SUCCEEDED_WORKFLOW, payment.failed" />
        </label>
        <button type="submit">Apply filters</button>
      </form>
      <Publish />
      {events.length === 0 ? (
        <Empty title="No events yet.">
          New bus events appear here as they happen (the last 50 are replayed on open). Publish one with the form above, or run a workflow from{' '}
          <Link to="/workflows">Workflows</Link>.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="events">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Category</th>
                <th scope="col">Type</th>
                <th scope="col">App / version</th>
                <th scope="col">Payload</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.seq} data-seq={e.seq}>
                  <td>
                    <Time iso={e.event?.date} />
                  </td>
                  <td>
                    <span className={`badge cat-${e.category}`}>{e.category}</span>
                  </td>
                  <td>
                    <code>{e.event?.type ?? e.subject}</code>
                  </td>
                  <td className="muted">
                    {e.event?.app}/{e.event?.version}
                  </td>
                  <td>
                    <code className="inline-json">{JSON.stringify(e.event?.payload ?? null)}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Publish() {
  const [app, setApp] = useState('console');
  const [version, setVersion] = useState('v1');
  const [type, setType] = useState('');
  const [payload, setPayload] = useState('{}');
  const [result, setResult] = useState<string>();
  const [error, setError] = useState<unknown>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload);
    } catch (err) {
      setError(new Error(`The payload is not JSON: ${(err as Error).message}`));
      return;
    }
    try {
      const reply = await api.publishEvent({ app, version, type, payload: parsed });
      setResult(`Published ${reply.id}${reply.duplicate ? ' (duplicate, dropped)' : ''}.`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <details className="panel">
      <summary>Publish a test event</summary>
      <form className="grid-form" onSubmit={submit} aria-label="Publish a test event">
        <label>
          App
          <input required value={app} onChange={(e) => setApp(e.target.value)} />
        </label>
        <label>
          Version
          <input required value={version} onChange={(e) => setVersion(e.target.value)} />
        </label>
        <label>
          Type
          <input required value={type} onChange={(e) => setType(e.target.value)} placeholder="e.g. payment.failed" />
        </label>
        <label className="wide">
          Payload (JSON object)
          <textarea rows={4} spellCheck={false} value={payload} onChange={(e) => setPayload(e.target.value)} />
        </label>
        <div className="row wide">
          <button type="submit">Publish</button>
          {result && (
            <span role="status" className="ok-text" data-testid="published">
              {result}
            </span>
          )}
        </div>
        <div className="wide">
          <ErrorBox error={error} />
        </div>
      </form>
    </details>
  );
}
