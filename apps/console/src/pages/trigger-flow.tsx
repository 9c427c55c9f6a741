/** The trigger page's flow-control panel: the policy, one definition list per rule, and the running/queued starts per key. */
import type { Trigger, TriggerFlowState } from '../api';
import { policyRules, slotRuleName } from '../flow-policy';
import { Empty, ErrorBox } from '../ui';

export function FlowControlPanel({ policy, state, error }: { policy: Trigger['policy']; state?: TriggerFlowState; error?: unknown }) {
  const rules = policyRules(policy);
  if (rules.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="flow-title" data-testid="flow-control">
      <h2 id="flow-title">Flow control</h2>
      <div className="flow-rules">
        {rules.map((rule) => (
          <div key={rule.name} data-testid="flow-rule">
            <h3>{rule.name}</h3>
            <dl className="facts">
              {rule.facts.map(([label, value]) => [
                <dt key={`${label}-t`}>{label}</dt>,
                <dd key={`${label}-d`}>
                  <code>{value}</code>
                </dd>,
              ])}
            </dl>
          </div>
        ))}
      </div>
      <ErrorBox error={error} />
      {state && <FlowStateTable state={state} />}
    </section>
  );
}

function FlowStateTable({ state }: { state: TriggerFlowState }) {
  const waiting = state.queues.reduce((n, q) => n + q.queued, 0);
  const starting = state.queues.reduce((n, q) => n + q.starting, 0);
  if (state.slots.length === 0 && state.queues.length === 0) return <Empty title="Nothing running or queued under this policy now." />;
  return (
    <>
      <p className="hint" data-testid="flow-totals">
        {waiting} queued, {starting} being started.
      </p>
      {state.slots.length > 0 && (
        <div className="table-wrap">
          <table data-testid="flow-state">
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Key</th>
                <th scope="col">Running</th>
                <th scope="col">Queued</th>
              </tr>
            </thead>
            <tbody>
              {state.slots.map((s) => (
                <tr key={`${s.rule}:${s.key}`} data-flow-key={s.key}>
                  <td>{slotRuleName(s.rule)}</td>
                  <td>{s.key ? <code>{s.key}</code> : <span className="muted">(one bucket)</span>}</td>
                  <td>
                    {s.running}
                    {s.active !== s.running && <span className="muted"> ({s.active} acting)</span>}
                  </td>
                  <td>{s.queued}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
