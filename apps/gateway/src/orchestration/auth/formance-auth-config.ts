/**
 * Environment variables of Formance-style OAuth2 auth on /api/orchestration and /api/events
 * (filled by the orchestration feature; merged into the gateway's configuration).
 */
export const formanceAuthEnvShape = {};
