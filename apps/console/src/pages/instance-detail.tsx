/** One instance: its stage timeline, variables, history and each stage's attempts; send an event, abort. */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api, startedVariables } from '../api';
import type { InstanceHistory, StageHistory, WorkflowInstance } from '../api';
import { StreamBadge, useBusEvents } from '../bus-events';
import { cancelCause } from '../cancel-on';
import { Link } from '../router';
import { buildTimeline, instanceState } from '../timeline';
import type { StageBar } from '../timeline';
import { formatDuration, Time, useNow } from '../time';
import { ErrorBox, Json, ShortId, useLoad } from '../ui';

interface Details {
  instance: WorkflowInstance;
  history: InstanceHistory[];
  attempts: Record<number, StageHistory[]>;
}

async function loadDetails(id: string): Promise<Details> {
  const [instance, history] = await Promise.all([api.getInstance(id), api.instanceHistory(id)]);
  const started = (instance.status ?? []).map((s) => s.stage);
  const lists = await Promise.all(started.map((n) => api.stageHistory(id, n).catch(() => [] as StageHistory[])));
  return { instance, history, attempts: Object.fromEntries(started.map((n, i) => [n, lists[i]])) };
}

export function InstanceDetailPage({ id }: { id: string }) {
  const details = useLoad(() => loadDetails(id), [id]);
  const instance = details.data?.instance;
  const running = instance ? !instance.terminated : true;
  const now = useNow(running, 500);
  const stream = useBusEvents({ categories: ['lifecycle'] }, (e) => {
    if (e.event?.payload?.instanceID === id) details.reload();
  }, [id]);
  // Fallback while running: the stream may reconnect and miss an event.
  useEffect(() => {
    if (!running) return;
    const timer = setInterval(details.reload, 3000);
    return () => clearInterval(timer);
  }, [running, details.reload]);

  if (!details.data) return details.error ? <ErrorBox error={details.error} /> : <p className="loading">Loading…</p>;
  const { history, attempts } = details.data;
  const inst = details.data.instance;
  const timeline = buildTimeline(inst, history, attempts, now);
  const state = instanceState(inst);
  const waitingFor = timeline.bars.find((b) => b.state === 'waiting' && typeof b.input?.event === 'string')?.input?.event as string | undefined;
  const variables = startedVariables.get(inst.id);
  const canceled = cancelCause(inst);

  return (
    <section aria-labelledby="instance-title">
      <div className="page-head">
        <h1 id="instance-title">
          Instance <ShortId id={inst.id} />
        </h1>
        <span className={`state state-${state}`} data-testid="instance-state">
          {state}
        </span>
        <StreamBadge state={stream} />
      </div>
      <dl className="facts">
        <dt>Workflow</dt>
        <dd>
          <Link to={`/instances?workflow=${inst.workflowID}`}>{inst.workflow?.config.name || inst.workflowID}</Link>
        </dd>
        <dt>Started</dt>
        <dd>
          <Time iso={inst.createdAt} />
        </dd>
        <dt>Finished</dt>
        <dd>
          <Time iso={inst.terminatedAt} empty="running" />
        </dd>
        <dt>Duration</dt>
        <dd>{formatDuration(timeline.end - timeline.start)}</dd>
        {inst.error && (
          <>
            <dt>Error</dt>
            <dd className="error-text">{inst.error}</dd>
          </>
        )}
        {canceled && (
          <>
            <dt>Canceled</dt>
            <dd data-testid="canceled-by" data-cause={canceled.by}>
              {canceled.by === 'event' ? (
                <>
                  Canceled by event <code className="id">{canceled.eventId}</code> <span className="muted">(cancel_on)</span>
                </>
              ) : (
                'Aborted (through the API or this console)'
              )}
            </dd>
          </>
        )}
      </dl>
      <ErrorBox error={details.error} />
      {!inst.terminated && <Actions id={inst.id} suggested={waitingFor} onDone={details.reload} />}

      <h2>Stages</h2>
      {timeline.bars.length === 0 ? (
        <p className="muted">This workflow has no stages.</p>
      ) : (
        <ol className="timeline" data-testid="timeline">
          {timeline.bars.map((bar) => (
            <StageRow key={bar.index} bar={bar} now={now} />
          ))}
        </ol>
      )}

      <h2>Variables</h2>
      {variables ? (
        Object.keys(variables).length ? <Json value={variables} /> : <p className="muted">Started from this console without variables.</p>
      ) : (
        <p className="muted">The instance API does not return variables; the stage inputs in the history below show their interpolated values.</p>
      )}

      <h2>History</h2>
      {history.length === 0 ? (
        <p className="muted">Nothing ran yet.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="history">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Input</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col">Error</th>
              </tr>
            </thead>
            <tbody>
              {history.map((h, i) => (
                <tr key={i}>
                  <td>{h.name}</td>
                  <td>
                    <code className="inline-json">{JSON.stringify(h.input)}</code>
                  </td>
                  <td>
                    <Time iso={h.startedAt} />
                  </td>
                  <td>
                    <Time iso={h.terminatedAt} empty={h.terminated ? '—' : 'running'} />
                  </td>
                  <td className="error-text">{h.error ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function StageRow({ bar, now }: { bar: StageBar; now: number }) {
  const end = bar.terminatedAt ? Date.parse(bar.terminatedAt) : now;
  const duration = bar.startedAt ? formatDuration(end - Date.parse(bar.startedAt)) : '';
  return (
    <li className={`stage stage-${bar.state}`} data-testid={`stage-${bar.index}`} data-state={bar.state}>
      <div className="stage-head">
        <span className="stage-name">
          {bar.index}. {bar.kind}
        </span>
        <span className={`state state-${bar.state}`}>{bar.state}</span>
        {bar.detail && <span className="muted">{bar.detail}</span>}
      </div>
      <div className="track" aria-hidden="true">
        {bar.startedAt && <div className="bar" style={{ left: `${bar.left}%`, width: `${bar.width}%` }} />}
      </div>
      <div className="stage-times">
        {bar.startedAt ? (
          <>
            <Time iso={bar.startedAt} /> → <Time iso={bar.terminatedAt} empty="now" /> <span className="muted">({duration})</span>
          </>
        ) : (
          <span className="muted">not reached</span>
        )}
      </div>
      {bar.error && <p className="error-text">{bar.error}</p>}
      {bar.attempts.length > 0 && (
        <details>
          <summary>
            {bar.attempts.length} attempt{bar.attempts.length === 1 ? '' : 's'} (stage history)
          </summary>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Call</th>
                  <th scope="col">Started</th>
                  <th scope="col">Finished</th>
                  <th scope="col">Result</th>
                </tr>
              </thead>
              <tbody>
                {bar.attempts.map((a, i) => (
                  <tr key={i}>
                    <td>{a.attempt}</td>
                    <td>{a.name}</td>
                    <td>
                      <Time iso={a.startedAt} />
                    </td>
                    <td>
                      <Time iso={a.terminatedAt} empty={a.nextExecution ? 'retrying' : 'running'} />
                    </td>
                    <td className={a.error || a.lastFailure ? 'error-text' : undefined}>
                      {a.error ?? a.lastFailure ?? (a.output ? JSON.stringify(a.output) : a.terminated ? 'ok' : '')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </li>
  );
}

function Actions({ id, suggested, onDone }: { id: string; suggested?: string; onDone: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<unknown>();
  const [sent, setSent] = useState<string>();
  const send = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const eventName = name || suggested || '';
    try {
      await api.sendEvent(id, eventName);
      setSent(eventName);
      setName('');
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  const abort = async () => {
    if (!window.confirm('Abort this instance? Its current stage stops and it ends as failed.')) return;
    setError(undefined);
    try {
      await api.abort(id);
      onDone();
    } catch (e) {
      setError(e);
    }
  };
  return (
    <div className="panel actions-panel">
      <form onSubmit={send} className="row" aria-label="Send an event to this instance">
        <label>
          Event name
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder={suggested ?? 'event name'} />
        </label>
        <button type="submit">Send event</button>
      </form>
      <button type="button" className="danger" onClick={abort}>
        Abort instance
      </button>
      {sent !== undefined && <p className="muted" role="status">Sent “{sent}”.</p>}
      <ErrorBox error={error} />
    </div>
  );
}
