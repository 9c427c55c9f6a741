import type { Request } from 'express';
import { ApiError } from './api-error';

export interface RenderedError {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** How one public API writes its errors. */
export interface ApiErrorRenderer {
  /** Does this API serve the request? (usually a path prefix) */
  matches(req: Request): boolean;
  render(error: ApiError, req: Request): RenderedError;
}

/** Errors outside the three public APIs (health endpoints, unknown paths). */
export const plainErrorRenderer: ApiErrorRenderer = {
  matches: () => true,
  render: (error) => ({
    status: error.status,
    body: { error: error.code, message: error.message, status: error.status },
  }),
};

export const API_ERROR_RENDERERS = Symbol('API_ERROR_RENDERERS');

export function pickRenderer(renderers: ApiErrorRenderer[], req: Request): ApiErrorRenderer {
  return renderers.find((renderer) => renderer.matches(req)) ?? plainErrorRenderer;
}
