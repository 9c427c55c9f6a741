/**
 * One trigger: its definition, its flow-control policy and running/queued starts per key, its
 * cancel_on matchers, a "try it" box (the triggers service evaluates it), its occurrences with their decisions.
 */
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { TriggerTestResult } from '../api';
import { StreamBadge, useBusEvents } from '../bus-events';
import { cancelOnOf } from '../cancel-on';
import { decisionText } from '../flow-policy';
import { Link, navigate } from '../router';
import { instanceState } from '../timeline';
import { Time } from '../time';
import { Empty, ErrorBox, ShortId, useLoad } from '../ui';
import { CancelOnPanel } from './cancel-on-panel';
import { FlowControlPanel } from './trigger-flow';

export function TriggerDetailPage({ id }: { id: string }) {
  const trigger = useLoad(() => api.getTrigger(id), [id]);
  const occurrences = useLoad(() => api.occurrences(id), [id]);
  const hasPolicy = Boolean(trigger.data?.policy);
  const flow = useLoad(() => (hasPolicy ? api.flowState(id) : Promise.resolve(undefined)), [id, hasPolicy]);
  const workflowId = trigger.data?.workflowID;
  const workflow = useLoad(() => (workflowId ? api.getWorkflow(workflowId) : Promise.resolve(undefined)), [workflowId]);
  const [error, setError] = useState<unknown>();
  const stream = useBusEvents({ types: ['SUCCEEDED_TRIGGER', 'FAILED_TRIGGER', 'trigger.occurrence.*', ...(hasPolicy ? ['SUCCEEDED_WORKFLOW', 'FAILED_WORKFLOW'] : [])] }, (e) => {
    const type = e.event?.type ?? '';
    const ours = e.event?.payload?.triggerID === id;
    if (ours && (type === 'SUCCEEDED_TRIGGER' || type === 'FAILED_TRIGGER' || type.startsWith('trigger.occurrence.'))) {
      occurrences.reload();
      if (hasPolicy) flow.reload();
    }
    // An instance end frees a slot: the counts move.
    if (hasPolicy && (type === 'SUCCEEDED_WORKFLOW' || type === 'FAILED_WORKFLOW') && e.event?.payload?.id === workflowId) flow.reload();
  }, [id, hasPolicy, workflowId]);
  const remove = async () => {
    if (!window.confirm('Delete this trigger? Events stop starting its workflow.')) return;
    try {
      await api.deleteTrigger(id);
      navigate('/triggers');
    } catch (e) {
      setError(e);
    }
  };
  if (!trigger.data) return trigger.error ? <ErrorBox error={trigger.error} /> : <p className="loading">Loading…</p>;
  const t = trigger.data;
  const workflowCancelOn = cancelOnOf(workflow.data?.config).length;
  const list = [...(occurrences.data ?? [])].sort((a, b) => b.date.localeCompare(a.date));
  return (
    <section aria-labelledby="trigger-title">
      <div className="page-head">
        <h1 id="trigger-title">Trigger {t.name || <ShortId id={t.id} />}</h1>
        <button type="button" className="danger" onClick={remove}>
          Delete
        </button>
      </div>
      <ErrorBox error={error} />
      <dl className="facts">
        <dt>Event</dt>
        <dd>
          <code>{t.event}</code> {t.version && <span className="muted">version {t.version}</span>}
        </dd>
        <dt>Workflow</dt>
        <dd>
          <Link to={`/instances?workflow=${t.workflowID}`}>{workflow.data?.config.name || <ShortId id={t.workflowID} />}</Link>
        </dd>
        <dt>Filter</dt>
        <dd>{t.filter ? <code>{t.filter}</code> : <span className="muted">none: every event of this type</span>}</dd>
        <dt>Vars</dt>
        <dd>
          {t.vars && Object.keys(t.vars).length
            ? Object.entries(t.vars).map(([k, v]) => (
                <div key={k}>
                  <code>{k}</code> = <code>{v}</code>
                </div>
              ))
            : <span className="muted">none</span>}
        </dd>
        <dt>Created</dt>
        <dd>
          <Time iso={t.createdAt} />
        </dd>
      </dl>
      <FlowControlPanel policy={t.policy} state={flow.data} error={flow.error} />
      <CancelOnPanel
        matchers={t.cancel_on}
        owner="this trigger starts"
        note={workflowCancelOn ? `The workflow's own ${workflowCancelOn} matcher${workflowCancelOn === 1 ? '' : 's'} add to these.` : undefined}
      />
      <TryIt id={id} />
      <div className="page-head">
        <h2>Occurrences</h2>
        <StreamBadge state={stream} />
      </div>
      <ErrorBox error={occurrences.error} />
      {occurrences.data && list.length === 0 ? (
        <Empty title="No occurrences yet.">
          Publish a <code>{t.event}</code> event (from <Link to="/events">Events</Link>) that passes the filter; each match starts an instance and
          appears here.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="occurrences">
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col">Instance</th>
                <th scope="col">Result</th>
                {hasPolicy && <th scope="col">Decision</th>}
              </tr>
            </thead>
            <tbody>
              {list.map((o) => (
                <tr key={o.id} data-occurrence-id={o.id}>
                  <td>
                    <Time iso={o.date} />
                  </td>
                  <td>
                    <code className="inline-json">{JSON.stringify((o.event as { payload?: unknown }).payload ?? o.event)}</code>
                  </td>
                  <td>
                    {o.workflowInstanceID ? (
                      <Link to={`/instances/${o.workflowInstanceID}`} data-testid="occurrence-instance">
                        <ShortId id={o.workflowInstanceID} />
                      </Link>
                    ) : (
                      <span className="muted">none</span>
                    )}
                  </td>
                  <td className={o.error ? 'error-text' : undefined}>
                    {o.error ?? (o.workflowInstance ? instanceState(o.workflowInstance) : 'started')}
                  </td>
                  {hasPolicy && (
                    <td data-testid="occurrence-decision">
                      {decisionText(o) ?? <span className="muted">none</span>}
                      {o.outcome === 'canceled' && o.canceledBy && (
                        <span className="muted">
                          {' '}
                          (<ShortId id={o.canceledBy} />)
                        </span>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function TryIt({ id }: { id: string }) {
  const [payload, setPayload] = useState('{\n  "amount": 150\n}');
  const [result, setResult] = useState<TriggerTestResult>();
  const [error, setError] = useState<unknown>();
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setResult(undefined);
    let event: unknown;
    try {
      event = JSON.parse(payload);
    } catch (err) {
      setError(new Error(`The event payload is not JSON: ${(err as Error).message}`));
      return;
    }
    if (!event || typeof event !== 'object' || Array.isArray(event)) {
      setError(new Error('The event payload must be a JSON object (what the filter sees as `event`).'));
      return;
    }
    try {
      setResult(await api.testTrigger(id, event as Record<string, unknown>));
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="panel" onSubmit={submit} aria-label="Try this trigger">
      <h2>Try it</h2>
      <p className="hint">Paste an event payload: the triggers service evaluates the filter and vars against it. Nothing starts.</p>
      <textarea aria-label="Event payload (JSON)" spellCheck={false} rows={6} value={payload} onChange={(e) => setPayload(e.target.value)} />
      <div className="row">
        <button type="submit">Evaluate</button>
      </div>
      <ErrorBox error={error} />
      {result && (
        <div data-testid="try-result" role="status">
          <p>
            Filter:{' '}
            {result.filter?.error ? (
              <span className="error-text">{result.filter.error}</span>
            ) : (
              <strong className={result.filter?.match === false ? 'error-text' : 'ok-text'}>
                {result.filter?.match === false ? 'does not match' : 'matches'}
              </strong>
            )}
          </p>
          {result.variables && Object.keys(result.variables).length > 0 && (
            <ul>
              {Object.entries(result.variables).map(([k, v]) => (
                <li key={k}>
                  <code>{k}</code> = {v.error ? <span className="error-text">{v.error}</span> : <code>{JSON.stringify(v.value)}</code>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </form>
  );
}
