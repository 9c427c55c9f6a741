/**
 * The exit codes of `wfp`, for scripts: one per kind of outcome, stable across versions
 * (listed in the README).
 */
export const EXIT = {
  ok: 0,
  /** The API refused the request (400/500), or the instance `run --wait` / `watch` followed failed. */
  failed: 1,
  /** Bad arguments or an unreadable/invalid file. */
  usage: 2,
  /** The workflow, instance or trigger does not exist. */
  notFound: 3,
  /** 401: auth is on and no or wrong client credentials (WFP_CLIENT_ID / WFP_CLIENT_SECRET). */
  unauthorized: 4,
  /** The gateway did not answer, or answered 503 (a service down). */
  unavailable: 5,
  /** `apply`: a workflow or trigger of that name exists with another definition. */
  conflict: 6,
  /** `run --wait` / `watch --timeout`: the instance was still running when the time ran out. */
  timeout: 7,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error that ends the command with its exit code and one message line on stderr. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
  ) {
    super(message);
  }
}
