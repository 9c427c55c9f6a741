/** Small shared pieces: error and empty states, key/value editor, async helpers. */
import { useCallback, useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { ApiFailure } from './api';

export function ErrorBox({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  const status = error instanceof ApiFailure ? ` (HTTP ${error.status})` : '';
  return (
    <p className="error" role="alert" data-testid="error">
      {message}
      {status}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty" data-testid="empty">
      <strong>{title}</strong>
      {children && <p>{children}</p>}
    </div>
  );
}

/** Loads data with `load`, again on `reload()` or when deps change; keeps the last data while reloading. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): { data?: T; error?: unknown; loading: boolean; reload: () => void } {
  const [state, setState] = useState<{ data?: T; error?: unknown; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const run = useCallback(load, deps);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    run().then(
      (data) => live && setState({ data, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [run, tick]);
  return { ...state, reload: useCallback(() => setTick((t) => t + 1), []) };
}

export type Pair = { key: string; value: string };

export function toRecord(pairs: Pair[]): Record<string, string> {
  return Object.fromEntries(pairs.filter((p) => p.key.trim() !== '').map((p) => [p.key.trim(), p.value]));
}

/** Rows of key/value inputs with add and remove buttons. */
export function KeyValueEditor({ label, pairs, onChange, valuePlaceholder = 'value' }: {
  label: string;
  pairs: Pair[];
  onChange: (pairs: Pair[]) => void;
  valuePlaceholder?: string;
}) {
  const set = (i: number, patch: Partial<Pair>) => onChange(pairs.map((p, j) => (j === i ? { ...p, ...patch } : p)));
  return (
    <fieldset className="kv">
      <legend>{label}</legend>
      {pairs.map((pair, i) => (
        <div className="kv-row" key={i}>
          <input aria-label={`${label} name ${i + 1}`} placeholder="name" value={pair.key} onChange={(e) => set(i, { key: e.target.value })} />
          <input aria-label={`${label} value ${i + 1}`} placeholder={valuePlaceholder} value={pair.value} onChange={(e) => set(i, { value: e.target.value })} />
          <button type="button" className="ghost" aria-label={`Remove ${label} ${i + 1}`} onClick={() => onChange(pairs.filter((_, j) => j !== i))}>
            ✕
          </button>
        </div>
      ))}
      <button type="button" className="ghost" onClick={() => onChange([...pairs, { key: '', value: '' }])}>
        + Add {label.toLowerCase().replace(/s$/, '')}
      </button>
    </fieldset>
  );
}

export function ShortId({ id }: { id: string }) {
  return (
    <code title={id} className="id">
      {id.length > 13 ? `${id.slice(0, 8)}…` : id}
    </code>
  );
}

export function Json({ value }: { value: unknown }) {
  return <pre className="json">{JSON.stringify(value, null, 2)}</pre>;
}
