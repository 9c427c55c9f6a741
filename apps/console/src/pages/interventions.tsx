/** Engage interventions visible to an access token, read-only. */
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { Intervention } from '../api';
import { Time } from '../time';
import { Empty, ErrorBox, ShortId } from '../ui';

const STATUSES = ['', 'active', 'opened', 'reopened', 'deferred', 'closed'];

export function InterventionsPage() {
  const [token, setToken] = useState('');
  const [status, setStatus] = useState('');
  const [records, setRecords] = useState<{ list: Intervention[]; count: number }>();
  const [error, setError] = useState<unknown>();
  const load = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    try {
      const reply = await api.listInterventions(token, { ...(status ? { status } : {}), limit: '150', sort: 'updated_at' });
      setRecords({ list: reply.records, count: reply.count });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="interventions-title">
      <h1 id="interventions-title">Interventions</h1>
      <p className="hint">Engage Digital interventions an access token may see (sent as a Bearer header; kept in this tab's memory only).</p>
      <form className="filters" onSubmit={load} role="search">
        <label>
          Access token
          <input type="password" required value={token} onChange={(e) => setToken(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(e.target.value)}>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s || 'Any'}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">List</button>
      </form>
      <ErrorBox error={error} />
      {!records ? (
        <Empty title="Enter an Engage access token and press List.">The seeded tokens are printed by <code>npm run seed</code>.</Empty>
      ) : records.list.length === 0 ? (
        <Empty title="This token sees no interventions.">Try another status, or open one with POST /1.0/interventions.</Empty>
      ) : (
        <div className="table-wrap">
          <p className="muted">
            {records.list.length} of {records.count}
          </p>
          <table data-testid="interventions">
            <thead>
              <tr>
                <th scope="col">Id</th>
                <th scope="col">Status</th>
                <th scope="col">Thread</th>
                <th scope="col">Agent</th>
                <th scope="col">Created</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {records.list.map((i) => (
                <tr key={i.id}>
                  <td>
                    <ShortId id={i.id} />
                  </td>
                  <td>{i.status}</td>
                  <td>
                    <ShortId id={i.thread_id} />
                  </td>
                  <td>{i.user_id ? <ShortId id={i.user_id} /> : <span className="muted">unassigned</span>}</td>
                  <td>
                    <Time iso={i.created_at} />
                  </td>
                  <td>
                    <Time iso={i.updated_at} />
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
