/** Workflows: list, create from a YAML/JSON editor (server errors at their line), run with variables, delete. */
import { useState } from 'react';
import type { FormEvent, KeyboardEvent, UIEvent } from 'react';
import { api, ApiFailure } from '../api';
import type { Workflow } from '../api';
import { cancelOnOf } from '../cancel-on';
import { Link, navigate } from '../router';
import { Time } from '../time';
import { Empty, ErrorBox, KeyValueEditor, ShortId, toRecord, useLoad } from '../ui';
import type { Pair } from '../ui';
import { CancelOnLines } from './cancel-on-panel';

const TEMPLATE = `name: wait-for-approval
stages:
  - delay:
      duration: 2s
  - wait_event:
      event: approved
`;

export function WorkflowsPage() {
  const workflows = useLoad(() => api.listWorkflows(), []);
  const [creating, setCreating] = useState(false);
  const [running, setRunning] = useState<Workflow>();
  const [actionError, setActionError] = useState<unknown>();
  const list = [...(workflows.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  // The "Cancel on" column appears when some workflow has cancel_on matchers (docs/cancel-on.md).
  const hasCancelOn = list.some((w) => cancelOnOf(w.config).length > 0);

  const remove = async (workflow: Workflow) => {
    if (!window.confirm(`Delete workflow ${workflow.config.name ?? workflow.id}? Its instances stay visible.`)) return;
    setActionError(undefined);
    try {
      await api.deleteWorkflow(workflow.id);
      workflows.reload();
    } catch (error) {
      setActionError(error);
    }
  };

  return (
    <section aria-labelledby="workflows-title">
      <div className="page-head">
        <h1 id="workflows-title">Workflows</h1>
        <button type="button" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          {creating ? 'Close editor' : 'New workflow'}
        </button>
      </div>
      {creating && (
        <WorkflowEditor
          onCreated={() => {
            setCreating(false);
            workflows.reload();
          }}
        />
      )}
      {running && <RunForm workflow={running} onClose={() => setRunning(undefined)} />}
      <ErrorBox error={workflows.error ?? actionError} />
      {workflows.data && list.length === 0 ? (
        <Empty title="No workflows yet.">
          Press <em>New workflow</em>, write its stages in YAML or JSON (a <code>delay</code>, a <code>wait_event</code>…) and create it; then run it from
          this list.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="workflows">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">Stages</th>
                {hasCancelOn && <th scope="col">Cancel on</th>}
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((w) => (
                <tr key={w.id} data-workflow-id={w.id}>
                  <td>{w.config.name || <span className="muted">(unnamed)</span>}</td>
                  <td>
                    <ShortId id={w.id} />
                  </td>
                  <td>{w.config.stages.map((s) => Object.keys(s)[0]).join(' → ') || <span className="muted">none</span>}</td>
                  {hasCancelOn && (
                    <td>
                      <CancelOnLines matchers={cancelOnOf(w.config)} />
                    </td>
                  )}
                  <td>
                    <Time iso={w.createdAt} />
                  </td>
                  <td className="actions">
                    <button type="button" onClick={() => setRunning(w)}>
                      Run
                    </button>
                    <Link to={`/instances?workflow=${w.id}`}>Instances</Link>
                    <button type="button" className="danger" onClick={() => remove(w)}>
                      Delete
                    </button>
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

/** A text editor with line numbers; the line of the server's error is marked. */
function WorkflowEditor({ onCreated }: { onCreated: (w: Workflow) => void }) {
  const [source, setSource] = useState(TEMPLATE);
  const [error, setError] = useState<{ message: string; line?: number }>();
  const [busy, setBusy] = useState(false);
  const [scrollTop, setScrollTop] = useState(0);
  const lines = source.split('\n').length;

  const submit = async (event?: FormEvent) => {
    event?.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      onCreated(await api.createWorkflow(source));
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      // The YAML parser that locates the line is loaded only when there is an error to place.
      const { errorLine } = await import('../editor-errors');
      setError({ message: e instanceof ApiFailure ? message : `Could not create: ${message}`, line: errorLine(source, message) });
    } finally {
      setBusy(false);
    }
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) void submit();
  };

  return (
    <form className="panel" onSubmit={submit} aria-label="New workflow">
      <p className="hint">
        YAML or JSON, as Formance accepts: <code>{'{name, stages: [{<kind>: {...}}]}'}</code>. Ctrl+Enter creates it.
      </p>
      <div className={`editor${error?.line ? ' has-error' : ''}`}>
        <div className="gutter" aria-hidden="true" style={{ transform: `translateY(${-scrollTop}px)` }}>
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} className={error?.line === i + 1 ? 'error-line' : undefined} data-line={i + 1}>
              {i + 1}
            </div>
          ))}
        </div>
        <textarea
          aria-label="Workflow definition (YAML or JSON)"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'editor-error' : undefined}
          spellCheck={false}
          value={source}
          rows={Math.min(Math.max(lines + 1, 10), 30)}
          onChange={(e) => setSource(e.target.value)}
          onKeyDown={onKeyDown}
          onScroll={(e: UIEvent<HTMLTextAreaElement>) => setScrollTop(e.currentTarget.scrollTop)}
        />
      </div>
      {error && (
        <p className="error" role="alert" id="editor-error" data-testid="editor-error" data-line={error.line}>
          {error.line ? <strong>Line {error.line}: </strong> : null}
          {error.message}
        </p>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create workflow'}
        </button>
      </div>
    </form>
  );
}

function RunForm({ workflow, onClose }: { workflow: Workflow; onClose: () => void }) {
  const [pairs, setPairs] = useState<Pair[]>([{ key: '', value: '' }]);
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      const instance = await api.runWorkflow(workflow.id, toRecord(pairs));
      navigate(`/instances/${instance.id}`);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-label={`Run ${workflow.config.name ?? workflow.id}`}>
      <h2>Run {workflow.config.name || <ShortId id={workflow.id} />}</h2>
      <KeyValueEditor label="Variables" pairs={pairs} onChange={setPairs} />
      <div className="row">
        <button type="submit">Start instance</button>
        <button type="button" className="ghost" onClick={onClose}>
          Cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}
