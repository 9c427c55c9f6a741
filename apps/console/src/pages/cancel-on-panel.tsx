/** `cancel_on` matchers (docs/cancel-on.md): a panel of definition lists (trigger page), or one line each (workflow list). */
import { matcherFacts, matcherSummary } from '../cancel-on';
import type { CancelMatcher } from '../cancel-on';

export function CancelOnPanel({ matchers, owner, note }: { matchers: CancelMatcher[] | undefined; owner: string; note?: string }) {
  if (!matchers?.length) return null;
  return (
    <section className="panel" aria-labelledby="cancel-on-title" data-testid="cancel-on">
      <h2 id="cancel-on-title">Cancel on</h2>
      <p className="hint">
        An instance {owner} is canceled by the first bus event that matches one of these (between stages).{note ? ` ${note}` : ''}
      </p>
      <div className="flow-rules">
        {matchers.map((m, i) => (
          <div key={i} data-testid="cancel-matcher">
            <h3>matcher #{i + 1}</h3>
            <dl className="facts">
              {matcherFacts(m).map(([label, value]) => [
                <dt key={`${label}-t`}>{label}</dt>,
                <dd key={`${label}-d`}>
                  <code>{value}</code>
                </dd>,
              ])}
            </dl>
          </div>
        ))}
      </div>
    </section>
  );
}

/** One line per matcher, for a table cell. */
export function CancelOnLines({ matchers }: { matchers: CancelMatcher[] }) {
  if (matchers.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="plain" data-testid="cancel-on-lines">
      {matchers.map((m, i) => (
        <li key={i}>
          <code>{matcherSummary(m)}</code>
        </li>
      ))}
    </ul>
  );
}
