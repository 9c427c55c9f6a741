/**
 * Which routes Formance OAuth2 protects, decided from the route the router matched (its
 * controller's and handler's declared paths and decorators), never from the request's spelling.
 *
 * - Every route declared under `/api/orchestration` or `/api/events` is protected by default,
 *   whatever its module (deny by default: a new controller there needs nothing to be protected).
 * - `@FormanceAuth()` on a controller (or handler) protects it wherever it is declared: put it on
 *   every Formance controller, e.g. a v2 controller:
 *
 *   ```ts
 *   @FormanceAuth()
 *   @Controller('api/orchestration/v2/workflows')
 *   export class WorkflowsV2Controller {}
 *   ```
 * - `@FormancePublic()` opens one route or controller under those prefixes (getServerInfo).
 *
 * Reads need `orchestration:read` or `orchestration:write`, other methods `orchestration:write`.
 */
import { SetMetadata } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants';
import type { Reflector } from '@nestjs/core';

export const FORMANCE_AUTH = 'wfp:formance-auth';
export type FormanceAuthMode = 'protected' | 'public';

/** Path prefixes whose routes are protected unless marked `@FormancePublic()`. */
export const FORMANCE_PROTECTED_PREFIXES = ['api/orchestration', 'api/events'];

/** Protects a controller or handler with Formance OAuth2 (see the module comment). */
export const FormanceAuth = (): ClassDecorator & MethodDecorator => SetMetadata(FORMANCE_AUTH, 'protected' as FormanceAuthMode);

/** Opens a route (or controller) declared under a protected prefix. */
export const FormancePublic = (): ClassDecorator & MethodDecorator => SetMetadata(FORMANCE_AUTH, 'public' as FormanceAuthMode);

function declaredPaths(target: object): string[] {
  const value: unknown = Reflect.getMetadata(PATH_METADATA, target);
  if (value === undefined) return [''];
  return (Array.isArray(value) ? value : [value]).map((p) => String(p));
}

const trim = (path: string) => path.replace(/^\/+|\/+$/g, '');

/** The full declared paths of a handler (`controller path` × `method path`), without leading slash. */
export function routePaths(controller: object, handler: object): string[] {
  const out: string[] = [];
  for (const base of declaredPaths(controller)) {
    for (const sub of declaredPaths(handler)) out.push([trim(base), trim(sub)].filter(Boolean).join('/'));
  }
  return out;
}

/** Whether a declared route path lies under a protected prefix (compared case-insensitively). */
export function isUnderProtectedPrefix(path: string): boolean {
  const p = trim(path).toLowerCase();
  return FORMANCE_PROTECTED_PREFIXES.some((prefix) => p === prefix || p.startsWith(`${prefix}/`));
}

/**
 * Whether the matched handler needs Formance auth: an explicit `@FormancePublic()`/`@FormanceAuth()`
 * (handler first, then controller), else whether any of its declared paths lies under a protected prefix.
 */
export function requiresFormanceAuth(reflector: Reflector, controller: object, handler: object): boolean {
  const explicit = reflector.getAllAndOverride<FormanceAuthMode | undefined>(FORMANCE_AUTH, [handler as never, controller as never]);
  if (explicit) return explicit === 'protected';
  return routePaths(controller, handler).some(isUnderProtectedPrefix);
}
