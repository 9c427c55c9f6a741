/** Replays: bus events replayed through triggers (a dry run shows the matches; a run starts what never fired), with progress and abort. */
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { Replay } from '../api';
import { Time } from '../time';
import { Empty, ErrorBox, ShortId, useLoad } from '../ui';

export function ReplaysPage() {
  const replays = useLoad(() => api.listReplays(), []);
  const [from, setFrom] = useState(() => new Date(Date.now() - 3_600_000).toISOString());
  const [filter, setFilter] = useState('');
  const [dryRun, setDryRun] = useState(true);
  const [created, setCreated] = useState<Replay>();
  const [failure, setFailure] = useState<unknown>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    try {
      setCreated(await api.createReplay({ from, triggers: 'all', dry_run: dryRun, ...(filter.trim() ? { filter: filter.trim() } : {}) }));
    } catch (error) {
      setFailure(error);
    }
    replays.reload();
  };
  const abort = async (id: string) => {
    setFailure(undefined);
    await api.abortReplay(id).catch(setFailure);
    replays.reload();
  };
  const list = [...(replays.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const shown = created ? (list.find((r) => r.id === created.id) ?? created) : undefined;
  // While a replay runs, its progress is read again every half second.
  const running = list.some((r) => r.status === 'running') || shown?.status === 'running';
  useEffect(() => {
    if (!running || replays.loading) return;
    const timer = window.setTimeout(replays.reload, 500);
    return () => window.clearTimeout(timer);
  }, [running, replays.loading, replays.data]);

  return (
    <section aria-labelledby="replays-title">
      <div className="page-head">
        <h1 id="replays-title">Replays</h1>
        <button type="button" className="ghost" onClick={replays.reload} disabled={replays.loading}>
          Refresh
        </button>
      </div>
      <form className="filters" onSubmit={(e) => void submit(e)} aria-label="New replay">
        <label>
          From
          <input name="from" value={from} onChange={(e) => setFrom(e.target.value)} />
        </label>
        <label>
          Filter (CEL over the envelope)
          <input name="filter" value={filter} placeholder='type == "order.created"' onChange={(e) => setFilter(e.target.value)} />
        </label>
        <label>
          <input type="checkbox" name="dry_run" checked={dryRun} onChange={(e) => setDryRun(e.target.checked)} /> Dry run
        </label>
        <button type="submit">Replay through every trigger</button>
      </form>
      <ErrorBox error={failure ?? replays.error} />
      {shown?.dry_run && shown.status !== 'running' && shown.result ? (
        <p data-testid="dry-run-result">
          Dry run: {shown.result.matches.length} matches{shown.result.truncated ? ' (first ones shown)' : ''}, {shown.result.errors.length} errors; nothing started.
        </p>
      ) : null}
      {replays.data && list.length === 0 ? (
        <Empty title="No replays yet.">
          A replay reads the events stream in order from a time and fires the triggers that match, except pairs that already fired (docs/replay.md).
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="replays">
            <thead>
              <tr>
                <th scope="col">Replay</th>
                <th scope="col">Status</th>
                <th scope="col">Window</th>
                <th scope="col">Progress</th>
                <th scope="col">Matched / already fired / started</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id} data-replay-id={r.id}>
                  <td>
                    <ShortId id={r.id} />
                    {r.dry_run ? <span className="muted"> dry run</span> : null}
                  </td>
                  <td>
                    <span className={`state replay-${r.status}`} data-testid="replay-status">
                      {r.status}
                    </span>
                    {r.error ? <div className="muted">{r.error}</div> : null}
                  </td>
                  <td>
                    <Time iso={r.from} /> → <Time iso={r.to} />
                  </td>
                  <td>
                    <progress max={r.progress.lastSequence || 1} value={r.progress.sequence} aria-label={`sequence ${r.progress.sequence} of ${r.progress.lastSequence}`} />
                  </td>
                  <td data-testid="replay-counts">
                    {r.counts.matched} / {r.counts.already_fired} / {r.counts.started}
                  </td>
                  <td>
                    {r.status === 'running' ? (
                      <button type="button" className="ghost" onClick={() => void abort(r.id)}>
                        Abort
                      </button>
                    ) : null}
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
