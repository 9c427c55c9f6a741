import type { Request } from 'express';
import { z } from 'zod';
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

/** The plain error body (`/api/events`, health endpoints, unknown paths). */
export const plainErrorSchema = z.object({ error: z.string(), message: z.string(), status: z.number().int() });
export type PlainError = z.infer<typeof plainErrorSchema>;

/** Errors outside the three public APIs (health endpoints, unknown paths). */
export const plainErrorRenderer: ApiErrorRenderer = {
  matches: () => true,
  render: (error) => ({
    status: error.status,
    body: { error: error.code, message: error.message, status: error.status } satisfies PlainError,
  }),
};

export const API_ERROR_RENDERERS = Symbol('API_ERROR_RENDERERS');

export function pickRenderer(renderers: ApiErrorRenderer[], req: Request): ApiErrorRenderer {
  return renderers.find((renderer) => renderer.matches(req)) ?? plainErrorRenderer;
}
