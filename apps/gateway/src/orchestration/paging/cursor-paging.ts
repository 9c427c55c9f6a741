import { randomBytes } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { KeysetPage } from '@wfp/contracts';
import { GATEWAY_CONFIG, GatewayConfig } from '../../config';
import { ApiError } from '../../http/api-error';
import { CursorPage, MAX_PAGE_SIZE } from '../formance-v2-wire';
import type { ListSource } from '../operations/list-source';
import { CursorCodec, CursorState } from './cursor-codec';

/**
 * Formance v2 cursor paging over a shared list operation. Pages are keyset pages computed in
 * SQL by the owning service (rows ordered by (createdAt, id)), so rows inserted while a client
 * pages never shift the ones it has not seen. The cursor carries the list, its filters, the page
 * size and the boundary key, HMAC-signed: a forged, tampered or foreign cursor is a 400. As
 * upstream, a `cursor` overrides every other query parameter.
 */
@Injectable()
export class CursorPaging {
  private readonly codec: CursorCodec;
  private readonly defaultPageSize: number;

  constructor(@Inject(GATEWAY_CONFIG) config: GatewayConfig) {
    this.codec = new CursorCodec(Buffer.from(config.ORCHESTRATION_CURSOR_SECRET ?? randomBytes(32).toString('hex')));
    this.defaultPageSize = config.ORCHESTRATION_DEFAULT_PAGE_SIZE;
  }

  async page<T, F>(
    source: ListSource<T, F>,
    query: Record<string, unknown>,
    path: Record<string, string>,
    requestId?: string,
  ): Promise<CursorPage<T>> {
    const state = query.cursor !== undefined && query.cursor !== '' ? this.stateFrom(source, query.cursor, path) : this.firstPage(source, query, path);
    // First page: filters just read by the source; cursor: checked against filtersSchema when decoded.
    const filters = state.f as F;
    const size = state.s;
    const page: KeysetPage = { limit: size + 1, ...(state.a ? { after: state.a } : {}), ...(state.b ? { before: state.b } : {}) };
    const rows = await source.fetch(filters, page, requestId);
    const more = rows.length > size;
    const base = { l: state.l, p: state.p, f: state.f, s: size };
    const cursor = (boundary: Pick<CursorState, 'a' | 'b'>) => this.codec.encode({ ...base, ...boundary });

    if (state.b) {
      // A page before a key: the rows nearest the key, ascending; the key's row follows it.
      const data = more ? rows.slice(rows.length - size) : rows;
      return {
        cursor: {
          pageSize: size,
          hasMore: true,
          ...(more && data.length ? { previous: cursor({ b: source.keyOf(data[0]) }) } : {}),
          next: cursor(data.length ? { a: source.keyOf(data[data.length - 1]) } : {}),
          data,
        },
      };
    }
    const data = more ? rows.slice(0, size) : rows;
    return {
      cursor: {
        pageSize: size,
        hasMore: more,
        ...(state.a && data.length ? { previous: cursor({ b: source.keyOf(data[0]) }) } : {}),
        ...(more ? { next: cursor({ a: source.keyOf(data[data.length - 1]) }) } : {}),
        data,
      },
    };
  }

  private firstPage<T, F>(source: ListSource<T, F>, query: Record<string, unknown>, path: Record<string, string>): CursorState {
    return { l: source.name, p: path, f: source.filtersFrom(query, path), s: this.pageSize(query.pageSize) };
  }

  private stateFrom<T, F>(source: ListSource<T, F>, raw: unknown, path: Record<string, string>): CursorState {
    const state = typeof raw === 'string' ? this.codec.decode(raw) : undefined;
    const valid =
      state !== undefined &&
      state.l === source.name &&
      JSON.stringify(state.p) === JSON.stringify(path) &&
      source.filtersSchema.safeParse(state.f).success;
    if (!valid) throw new ApiError(400, 'VALIDATION', "invalid 'cursor' query param");
    return state;
  }

  /** Absent, empty or 0: the default; a non-negative integer, capped at MAX_PAGE_SIZE; else 400. */
  private pageSize(raw: unknown): number {
    if (raw === undefined || raw === '') return this.defaultPageSize;
    if (typeof raw !== 'string' || !/^\d{1,10}$/.test(raw)) throw new ApiError(400, 'VALIDATION', "invalid 'pageSize' query param");
    const value = Number(raw);
    return value === 0 ? this.defaultPageSize : Math.min(value, MAX_PAGE_SIZE);
  }
}
