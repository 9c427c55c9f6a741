/** Triggers: list and create (event type, CEL filter, vars); each links to its occurrences and "try it". */
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import { Link, navigate } from '../router';
import { Time } from '../time';
import { Empty, ErrorBox, KeyValueEditor, ShortId, toRecord, useLoad } from '../ui';
import type { Pair } from '../ui';

export function TriggersPage() {
  const triggers = useLoad(() => api.listTriggers(), []);
  const workflows = useLoad(() => api.listWorkflows(), []);
  const [creating, setCreating] = useState(false);
  const names = new Map((workflows.data ?? []).map((w) => [w.id, w.config.name || w.id]));
  const list = [...(triggers.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <section aria-labelledby="triggers-title">
      <div className="page-head">
        <h1 id="triggers-title">Triggers</h1>
        <Link to="/replays">Replays</Link>
        <button type="button" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? 'Close form' : 'New trigger'}
        </button>
      </div>
      {creating && <CreateTrigger workflows={workflows.data ?? []} />}
      <ErrorBox error={triggers.error} />
      {triggers.data && list.length === 0 ? (
        <Empty title="No triggers yet.">
          A trigger starts a workflow when a matching event reaches the bus. Press <em>New trigger</em>, pick the event type and the workflow, and
          optionally a CEL filter such as <code>event.amount &gt; 100</code>.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="triggers">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Event</th>
                <th scope="col">Filter</th>
                <th scope="col">Workflow</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.map((t) => (
                <tr key={t.id} data-trigger-id={t.id}>
                  <td>
                    <Link to={`/triggers/${t.id}`}>{t.name || <ShortId id={t.id} />}</Link>
                  </td>
                  <td>
                    <code>{t.event}</code>
                    {t.version ? <span className="muted"> ({t.version})</span> : null}
                  </td>
                  <td>{t.filter ? <code>{t.filter}</code> : <span className="muted">every event</span>}</td>
                  <td>{names.get(t.workflowID) ?? <ShortId id={t.workflowID} />}</td>
                  <td>
                    <Time iso={t.createdAt} />
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

function CreateTrigger({ workflows }: { workflows: Array<{ id: string; config: { name?: string } }> }) {
  const [name, setName] = useState('');
  const [event, setEvent] = useState('');
  const [version, setVersion] = useState('');
  const [workflowID, setWorkflowID] = useState('');
  const [filter, setFilter] = useState('');
  const [vars, setVars] = useState<Pair[]>([]);
  const [error, setError] = useState<unknown>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const trigger = await api.createTrigger({
        ...(name ? { name } : {}),
        event,
        ...(version ? { version } : {}),
        workflowID,
        ...(filter ? { filter } : {}),
        ...(vars.length ? { vars: toRecord(vars) } : {}),
      });
      navigate(`/triggers/${trigger.id}`);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="panel grid-form" onSubmit={submit} aria-label="New trigger">
      <label>
        Name <span className="muted">(optional)</span>
        <input value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Event type
        <input required value={event} onChange={(e) => setEvent(e.target.value)} placeholder="e.g. payment.failed" />
      </label>
      <label>
        Version <span className="muted">(optional)</span>
        <input value={version} onChange={(e) => setVersion(e.target.value)} placeholder="v1" />
      </label>
      <label>
        Workflow
        <select required value={workflowID} onChange={(e) => setWorkflowID(e.target.value)}>
          <option value="">Choose a workflow…</option>
          {workflows.map((w) => (
            <option key={w.id} value={w.id}>
              {w.config.name || w.id}
            </option>
          ))}
        </select>
      </label>
      <label className="wide">
        CEL filter <span className="muted">(optional; the payload is <code>event</code>)</span>
        <input value={filter} onChange={(e) => setFilter(e.target.value)} placeholder='event.amount > 100 && hasPrefix(event.account, "users:")' />
      </label>
      <div className="wide">
        <KeyValueEditor label="Vars" pairs={vars} onChange={setVars} valuePlaceholder='CEL expression, e.g. event.account' />
      </div>
      <div className="row wide">
        <button type="submit">Create trigger</button>
      </div>
      <div className="wide">
        <ErrorBox error={error} />
      </div>
    </form>
  );
}
