/** The data of a successful command reply; a failed one throws with its code and message. */
export function unwrap<T>(reply: { ok: true; data: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!reply.ok) throw new Error(`${reply.error.code}: ${reply.error.message}`);
  return reply.data;
}
