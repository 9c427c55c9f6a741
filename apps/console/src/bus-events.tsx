/**
 * The console's live feed: `GET /console/api/events/stream` (Server-Sent Events) read with fetch,
 * so the session token goes in the Authorization header rather than the URL. Reconnects with
 * backoff, resuming after the last event seen.
 */
import { useEffect, useRef, useState } from 'react';
import { getAccessToken } from './api';

export interface BusEvent {
  seq: number;
  subject: string;
  category: 'lifecycle' | 'intervention' | 'billing' | 'other';
  event: { id?: string; app?: string; version?: string; type?: string; date?: string; payload?: Record<string, unknown> } | null;
}

export type StreamState = 'connecting' | 'live' | 'retrying' | 'unauthorized';

export interface StreamOptions {
  categories?: string[];
  types?: string[];
  replay?: number;
}

export function openBusStream(options: StreamOptions, onEvent: (e: BusEvent) => void, onState: (s: StreamState) => void): () => void {
  const abort = new AbortController();
  let lastSeq = 0;
  void (async () => {
    for (let attempt = 0; !abort.signal.aborted; attempt++) {
      onState(attempt === 0 ? 'connecting' : 'retrying');
      const q = new URLSearchParams();
      if (options.categories?.length) q.set('category', options.categories.join(','));
      if (options.types?.length) q.set('type', options.types.join(','));
      const replay = attempt === 0 ? (options.replay ?? 0) : 0;
      if (replay) q.set('replay', String(replay));
      const headers: Record<string, string> = { Accept: 'text/event-stream' };
      const token = getAccessToken();
      if (token) headers.Authorization = `Bearer ${token}`;
      try {
        const res = await fetch(`/console/api/events/stream?${q}`, { headers, signal: abort.signal });
        if (res.status === 401) {
          onState('unauthorized');
          return;
        }
        if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
        attempt = 0;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, cut);
            buffer = buffer.slice(cut + 2);
            let name = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) name = line.slice(6).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trim();
            }
            if (name === 'ready') onState('live');
            if (name === 'bus-event' && data) {
              const event = JSON.parse(data) as BusEvent;
              if (event.seq > lastSeq) {
                lastSeq = event.seq;
                onEvent(event);
              }
            }
          }
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      onState('retrying');
      await new Promise((resolve) => setTimeout(resolve, Math.min(500 * 2 ** attempt, 10_000)));
    }
  })();
  return () => abort.abort();
}

/** Calls `onEvent` for each bus event while mounted; returns the stream's state. */
export function useBusEvents(options: StreamOptions, onEvent: (e: BusEvent) => void, deps: unknown[] = []): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = JSON.stringify(options);
  useEffect(() => openBusStream(JSON.parse(key) as StreamOptions, (e) => handler.current(e), setState), [key, ...deps]);
  return state;
}

export function StreamBadge({ state }: { state: StreamState }) {
  const text = { connecting: 'connecting…', live: 'live', retrying: 'reconnecting…', unauthorized: 'not authorized' }[state];
  return (
    <span className={`badge stream-${state}`} role="status" aria-live="polite" data-testid="stream-state">
      {text}
    </span>
  );
}
