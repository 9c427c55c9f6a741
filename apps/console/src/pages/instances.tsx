/** Instances: filtered by workflow and running/finished, refreshed live from lifecycle events. */
import { useEffect, useRef, useState } from 'react';
import { api } from '../api';
import { StreamBadge, useBusEvents } from '../bus-events';
import { Link, navigate, useRoute } from '../router';
import { instanceState } from '../timeline';
import { formatDuration, Time, useNow } from '../time';
import { Empty, ErrorBox, ShortId, useLoad } from '../ui';

export function InstancesPage() {
  const { query } = useRoute();
  const workflow = query.get('workflow') ?? '';
  const state = query.get('state') ?? 'all';
  const status = query.get('status') ?? '';
  const metadata = query.get('metadata') ?? '';
  const pairs = parseMetadata(metadata);
  const workflows = useLoad(() => api.listWorkflows(), []);
  const instances = useLoad(
    () =>
      status || pairs.length > 0
        ? api.searchInstances({ workflowID: workflow || undefined, status: status || undefined, metadata: pairs })
        : api.listInstances(workflow || undefined, state === 'running'),
    [workflow, state, status, metadata],
  );
  const [metadataText, setMetadataText] = useState(metadata);
  const now = useNow(true, 1000);
  const pending = useRef<number | undefined>(undefined);
  const stream = useBusEvents({ categories: ['lifecycle'], types: ['STARTED_WORKFLOW', 'SUCCEEDED_WORKFLOW', 'FAILED_WORKFLOW'] }, () => {
    window.clearTimeout(pending.current);
    pending.current = window.setTimeout(instances.reload, 250);
  });
  useEffect(() => () => window.clearTimeout(pending.current), []);

  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(query);
    if (value && value !== 'all') next.set(name, value);
    else next.delete(name);
    navigate(`/instances${next.size ? `?${next}` : ''}`);
  };
  const names = new Map((workflows.data ?? []).map((w) => [w.id, w.config.name || w.id]));
  const list = (instances.data ?? [])
    .filter((i) => state !== 'finished' || i.terminated)
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));

  return (
    <section aria-labelledby="instances-title">
      <div className="page-head">
        <h1 id="instances-title">Instances</h1>
        <Link to="/bulk-actions">Bulk actions</Link>
        <StreamBadge state={stream} />
      </div>
      <div className="filters" role="search">
        <label>
          Workflow
          <select value={workflow} onChange={(e) => setFilter('workflow', e.target.value)}>
            <option value="">All workflows</option>
            {(workflows.data ?? []).map((w) => (
              <option key={w.id} value={w.id}>
                {w.config.name || w.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          State
          <select value={state} onChange={(e) => setFilter('state', e.target.value)}>
            <option value="all">Running and finished</option>
            <option value="running">Running</option>
            <option value="finished">Finished</option>
          </select>
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setFilter('status', e.target.value)}>
            <option value="">Any</option>
            <option value="running">Running</option>
            <option value="succeeded">Succeeded</option>
            <option value="failed">Failed</option>
            <option value="canceled">Canceled</option>
          </select>
        </label>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            setFilter('metadata', metadataText.trim());
          }}
        >
          <label>
            Metadata
            <input
              name="metadata"
              placeholder="tenant=acme, region=eu"
              value={metadataText}
              onChange={(e) => setMetadataText(e.target.value)}
              onBlur={() => setFilter('metadata', metadataText.trim())}
            />
          </label>
        </form>
      </div>
      <ErrorBox error={instances.error} />
      {instances.data && list.length === 0 ? (
        <Empty title={state === 'running' ? 'Nothing is running.' : 'No instances yet.'}>
          Start one from <Link to="/workflows">Workflows</Link> (Run), or publish an event a <Link to="/triggers">trigger</Link> listens to.
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="instances">
            <thead>
              <tr>
                <th scope="col">Instance</th>
                <th scope="col">Workflow</th>
                <th scope="col">State</th>
                <th scope="col">Started</th>
                <th scope="col">Duration</th>
              </tr>
            </thead>
            <tbody>
              {list.map((i) => {
                const s = instanceState(i);
                const end = i.terminatedAt ? Date.parse(i.terminatedAt) : now;
                return (
                  <tr key={i.id} data-instance-id={i.id}>
                    <td>
                      <Link to={`/instances/${i.id}`}>
                        <ShortId id={i.id} />
                      </Link>
                    </td>
                    <td>{names.get(i.workflowID) ?? <ShortId id={i.workflowID} />}</td>
                    <td>
                      <span className={`state state-${s}`}>{s}</span>
                    </td>
                    <td>
                      <Time iso={i.createdAt} />
                    </td>
                    <td>{formatDuration(end - Date.parse(i.createdAt))}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** `key=value` pairs separated by commas (all must match); malformed parts are ignored. */
export function parseMetadata(text: string): Array<[string, string]> {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => /^[^=\s]+=.+$/.test(part))
    .map((part) => {
      const at = part.indexOf('=');
      return [part.slice(0, at).trim(), part.slice(at + 1).trim()] as [string, string];
    });
}
