/** Solvimon workflow-trigger records: search with an API key (kept in memory), read-only. */
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api } from '../api';
import type { WorkflowTrigger } from '../api';
import { Link } from '../router';
import { Empty, ErrorBox, ShortId } from '../ui';

const TYPES = ['', 'MANUAL', 'EVENT'];

export function RecordsPage() {
  const [apiKey, setApiKey] = useState('');
  const [platform, setPlatform] = useState('');
  const [text, setText] = useState('');
  const [type, setType] = useState('');
  const [page, setPage] = useState(1);
  const [result, setResult] = useState<{ data: WorkflowTrigger[]; pages: number }>();
  const [error, setError] = useState<unknown>();
  const search = async (toPage: number, e?: FormEvent) => {
    e?.preventDefault();
    setError(undefined);
    try {
      const body = {
        ...(text ? { search_fields: [{ value: text, wildcard_start: true, wildcard_end: true, ignore_case: true }] } : {}),
        ...(type ? { filter_fields: [{ name: 'type', value: type }] } : {}),
      };
      const reply = await api.searchWorkflowTriggers(apiKey, platform, body, toPage, 50);
      setPage(toPage);
      setResult({ data: reply.data, pages: reply.total_number_of_pages });
    } catch (err) {
      setError(err);
    }
  };
  return (
    <section aria-labelledby="records-title">
      <h1 id="records-title">Solvimon records</h1>
      <p className="hint">Workflow-trigger records (MANUAL and EVENT) of the Solvimon API. The key stays in this tab's memory.</p>
      <form className="filters" onSubmit={(e) => search(1, e)} role="search">
        <label>
          API key
          <input type="password" required value={apiKey} onChange={(e) => setApiKey(e.target.value)} autoComplete="off" />
        </label>
        <label>
          Platform id <span className="muted">(optional)</span>
          <input value={platform} onChange={(e) => setPlatform(e.target.value)} />
        </label>
        <label>
          Search
          <input value={text} onChange={(e) => setText(e.target.value)} placeholder="id, workflow, customer…" />
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value)}>
            {TYPES.map((t) => (
              <option key={t} value={t}>
                {t || 'Any'}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      <ErrorBox error={error} />
      {!result ? (
        <Empty title="Enter a Solvimon API key and search.">A key with the WORKFLOW_TRIGGER.VIEW permission (SOLVIMON_API_KEYS) can read records.</Empty>
      ) : result.data.length === 0 ? (
        <Empty title="No records match.">Clear the search text or the type, or create a record through the Solvimon API (POST /v1/workflow-triggers).</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table data-testid="records">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Type</th>
                  <th scope="col">Workflow</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Target</th>
                </tr>
              </thead>
              <tbody>
                {result.data.map((r) => {
                  const target = (['invoice', 'payment', 'pricing_plan_subscription', 'wallet'] as const).find((k) => r[k]);
                  return (
                    <tr key={r.id}>
                      <td>
                        <code>{r.id}</code>
                      </td>
                      <td>{r.type}</td>
                      <td>
                        <Link to={`/instances?workflow=${r.workflow_id}`}>
                          <ShortId id={r.workflow_id} />
                        </Link>
                      </td>
                      <td>{r.customer_id ?? <span className="muted">—</span>}</td>
                      <td>{target ? <code className="inline-json">{JSON.stringify({ [target]: r[target] })}</code> : <span className="muted">—</span>}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="row">
            <button type="button" className="ghost" disabled={page <= 1} onClick={() => search(page - 1)}>
              Previous
            </button>
            <span>
              Page {page} of {Math.max(result.pages, 1)}
            </span>
            <button type="button" className="ghost" disabled={page >= result.pages} onClick={() => search(page + 1)}>
              Next
            </button>
          </div>
        </>
      )}
    </section>
  );
}
