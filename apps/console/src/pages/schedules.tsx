/** Schedules: the list with status, paused note and next fire time (describe of each, next=1). */
import { api } from '../api';
import type { Schedule } from '../api';
import { Link } from '../router';
import { scheduleStatus, specText, actionText } from '../schedule-view';
import { Time } from '../time';
import { Empty, ErrorBox, ShortId, useLoad } from '../ui';

type Row = { schedule: Schedule; next?: string[] };

async function loadRows(): Promise<Row[]> {
  const schedules = await api.listSchedules();
  // The list has no next fire time: describe each (no recent actions), failures left blank.
  return Promise.all(
    schedules.map(async (schedule) => ({
      schedule,
      next: await api.describeSchedule(schedule.id, 1, 0).then((d) => d.nextActionTimes, () => undefined),
    })),
  );
}

export function SchedulesPage() {
  const rows = useLoad(loadRows, []);
  const list = [...(rows.data ?? [])].sort((a, b) => b.schedule.createdAt.localeCompare(a.schedule.createdAt));
  return (
    <section aria-labelledby="schedules-title">
      <div className="page-head">
        <h1 id="schedules-title">Schedules</h1>
        <button type="button" className="ghost" onClick={rows.reload} disabled={rows.loading}>
          Refresh
        </button>
      </div>
      <ErrorBox error={rows.error} />
      {rows.data && list.length === 0 ? (
        <Empty title="No schedules yet.">
          A schedule starts a workflow or publishes a <code>schedule.tick</code> event on a cron pattern or an interval. Create one with{' '}
          <code>POST /api/orchestration/v2/schedules</code> (see docs/schedules.md).
        </Empty>
      ) : (
        <div className="table-wrap">
          <table data-testid="schedules">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Next fire time</th>
              </tr>
            </thead>
            <tbody>
              {list.map(({ schedule: s, next }) => {
                const status = scheduleStatus(s, next);
                return (
                  <tr key={s.id} data-schedule-id={s.id}>
                    <td>
                      <Link to={`/schedules/${s.id}`}>{s.name || <ShortId id={s.id} />}</Link>
                    </td>
                    <td>
                      <span className={`state schedule-${status}`} data-testid="schedule-status">
                        {status}
                      </span>
                      {s.paused && s.note ? <div className="muted">{s.note}</div> : null}
                    </td>
                    <td>
                      <code>{specText(s.spec)}</code>
                    </td>
                    <td>{actionText(s.action)}</td>
                    <td data-testid="schedule-next">
                      <Time iso={next?.[0]} empty={s.paused ? 'paused' : '—'} />
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
