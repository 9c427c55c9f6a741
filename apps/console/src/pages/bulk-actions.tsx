/** Bulk actions: the durable jobs (cancel, redrive, send an event) with their progress; a running one can be aborted. */
import { useState } from 'react';
import { api, errorMessage } from '../api';
import type { BulkJob } from '../api';
import { Time } from '../time';
import { Empty, ErrorBox, ShortId, useLoad } from '../ui';

function actionText(job: BulkJob): string {
  return job.action.type === 'send_event' ? `send event ${job.action.event}` : job.action.type;
}

export function BulkActionsPage() {
  const jobs = useLoad(() => api.listBulkActions(), []);
  const [failure, setFailure] = useState<string>();
  const abort = async (id: string) => {
    setFailure(undefined);
    try {
      await api.abortBulkAction(id);
    } catch (error) {
      setFailure(error instanceof Error ? error.message : errorMessage(error, 0));
    }
    jobs.reload();
  };
  const list = [...(jobs.data ?? [])].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <section aria-labelledby="bulk-title">
      <div className="page-head">
        <h1 id="bulk-title">Bulk actions</h1>
        <button type="button" className="ghost" onClick={jobs.reload} disabled={jobs.loading}>
          Refresh
        </button>
      </div>
      <ErrorBox error={jobs.error} />
      {failure ? <p role="alert">{failure}</p> : null}
      {jobs.data && list.length === 0 ? (
        <Empty title="No bulk actions yet.">
          A bulk action cancels, redrives or sends an event to a selection of instances, as a durable job. Create one with{' '}
          <code>POST /api/orchestration/v2/bulk-actions</code> (see docs/recovery.md).
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="bulk-actions">
            <thead>
              <tr>
                <th scope="col">Job</th>
                <th scope="col">Action</th>
                <th scope="col">Status</th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
                <th scope="col" />
              </tr>
            </thead>
            <tbody>
              {list.map((job) => (
                <tr key={job.id} data-bulk-id={job.id}>
                  <td>
                    <ShortId id={job.id} />
                  </td>
                  <td>{actionText(job)}</td>
                  <td>
                    <span className={`state bulk-${job.status}`} data-testid="bulk-status">
                      {job.status}
                    </span>
                  </td>
                  <td data-testid="bulk-progress">
                    <progress max={job.total || 1} value={job.done} aria-label={`${job.done} of ${job.total}`} /> {job.done} / {job.total}
                    {job.failed > 0 ? <span className="muted"> ({job.failed} not applied)</span> : null}
                  </td>
                  <td>
                    <Time iso={job.createdAt} />
                  </td>
                  <td>
                    {job.status === 'running' ? (
                      <button type="button" className="ghost" onClick={() => void abort(job.id)}>
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
