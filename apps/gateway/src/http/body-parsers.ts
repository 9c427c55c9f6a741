import { json, text, urlencoded, type RequestHandler } from 'express';
import { JSON_CONTENT_TYPES, YAML_CONTENT_TYPES } from './content-types';

/**
 * The gateway's body parsers, in the order they are mounted, each refusing a body over `limit`
 * bytes: JSON (`JSON_CONTENT_TYPES`), URL-encoded forms (e.g. OAuth2 token requests; nested keys,
 * at most 1000 parameters) and YAML as text (`YAML_CONTENT_TYPES`, parsed by the route that takes
 * it). Their errors reach the API error handler mounted after the routes (`http-app.ts`).
 */
export function bodyParsers(limit: number): RequestHandler[] {
  return [
    json({ limit, type: JSON_CONTENT_TYPES }),
    urlencoded({ limit, extended: true, parameterLimit: 1000 }),
    text({ limit, type: YAML_CONTENT_TYPES }),
  ];
}
