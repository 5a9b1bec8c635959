import { expect } from 'vitest';

/** The answer of a Studio API call (node/studio-dispatch.ts), as far as these checks read it. */
type Answer = { ok: true } | { ok: false; error: { code: string; message: string } };

/** Awaits a call that must be refused as `invalid-request`; returns the refusal's message. */
export async function invalidRequest(call: Promise<Answer>): Promise<string> {
  const r = await call;
  expect(r.ok, 'the call was accepted').toBe(false);
  if (r.ok) throw new Error('accepted');
  expect(r.error.code).toBe('invalid-request');
  return r.error.message;
}
