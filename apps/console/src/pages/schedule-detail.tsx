/** One schedule (describe): definition, next fire times, running and waiting, recent actions scheduled vs actual. */
import { api } from '../api';
import { Link } from '../router';
import { actionStatusText, actionText, lateness, scheduleStatus, specText } from '../schedule-view';
import { formatDuration, Time } from '../time';
import { Empty, ErrorBox, ShortId, useLoad } from '../ui';

const NEXT = 10;
const RECENT = 50;

export function ScheduleDetailPage({ id }: { id: string }) {
  const described = useLoad(() => api.describeSchedule(id, NEXT, RECENT), [id]);
  if (!described.data) return described.error ? <ErrorBox error={described.error} /> : <p className="loading">Loading…</p>;
  const { schedule: s, nextActionTimes, runningInstances, bufferedActions, missedCatchupWindow, recentActions } = described.data;
  const status = scheduleStatus(s, nextActionTimes);
  return (
    <section aria-labelledby="schedule-title">
      <div className="page-head">
        <h1 id="schedule-title">Schedule {s.name || <ShortId id={s.id} />}</h1>
        <button type="button" className="ghost" onClick={described.reload} disabled={described.loading}>
          Refresh
        </button>
      </div>
      <ErrorBox error={described.error} />
      <dl className="facts">
        <dt>Status</dt>
        <dd>
          <span className={`state schedule-${status}`} data-testid="schedule-status">
            {status}
          </span>
          {s.note ? <span className="muted"> {s.note}</span> : null}
        </dd>
        <dt>When</dt>
        <dd>
          <code>{specText(s.spec)}</code>
        </dd>
        <dt>Action</dt>
        <dd>
          {s.action.workflowID ? (
            <Link to={`/instances?workflow=${s.action.workflowID}`}>{actionText(s.action)}</Link>
          ) : (
            actionText(s.action)
          )}
        </dd>
        <dt>Overlap</dt>
        <dd>
          <code>{s.overlap}</code>, catch-up window <code>{s.catchup_window}</code>
        </dd>
        <dt>Remaining actions</dt>
        <dd>{s.remaining_actions ?? 'unlimited'}</dd>
        <dt>Running / waiting / missed</dt>
        <dd data-testid="schedule-counts">
          {runningInstances.length} running, {bufferedActions} waiting, {missedCatchupWindow} missed
        </dd>
      </dl>

      <h2>Next fire times</h2>
      {nextActionTimes.length === 0 ? (
        <p className="muted">None ({status === 'paused' ? 'paused: unpause to resume' : status}).</p>
      ) : (
        <ol data-testid="next-fire-times">
          {nextActionTimes.map((t) => (
            <li key={t}>
              <Time iso={t} />
            </li>
          ))}
        </ol>
      )}

      <h2>Recent actions</h2>
      {recentActions.length === 0 ? (
        <Empty title="No actions yet.">Each tick, trigger-now and backfilled time shows here, newest first.</Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="schedule-actions">
            <thead>
              <tr>
                <th scope="col">Scheduled</th>
                <th scope="col">Actual</th>
                <th scope="col">Late by</th>
                <th scope="col">Source</th>
                <th scope="col">Status</th>
                <th scope="col">Instance / event</th>
              </tr>
            </thead>
            <tbody>
              {recentActions.map((a) => {
                const late = lateness(a);
                return (
                  <tr key={`${a.scheduledTime}-${a.source}`} data-status={a.status}>
                    <td>
                      <Time iso={a.scheduledTime} />
                    </td>
                    <td>
                      <Time iso={a.actualTime} />
                    </td>
                    <td>{late === undefined ? <span className="muted">—</span> : formatDuration(late)}</td>
                    <td>{a.source}</td>
                    <td>{actionStatusText(a)}</td>
                    <td>
                      {a.instanceID ? (
                        <Link to={`/instances/${a.instanceID}`}>
                          <ShortId id={a.instanceID} />
                        </Link>
                      ) : a.eventID ? (
                        <ShortId id={a.eventID} />
                      ) : (
                        <span className="muted">—</span>
                      )}
                    </td>
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
