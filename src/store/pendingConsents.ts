/**
 * Checks and row reading for pending clone consents (PendingConsent), shared by every Store implementation: a
 * member's sample waiting for the press that agrees to clone it. Only where to fetch the sample again is kept,
 * never its audio.
 */
import { StoreError } from './errors.js';
import type { PendingConsent } from './types.js';
import { assertCount, assertId, assertString, isPlainObject } from './validate.js';

/** Longest sample URL kept (Discord's signed CDN URLs are a few hundred characters). */
const MAX_URL = 2048;

/** Checks `savePendingConsent`'s argument and returns a clean copy. */
export function checkPendingConsent(consent: PendingConsent): PendingConsent {
  if (!isPlainObject(consent)) throw new StoreError('invalid_value', 'The consent must be an object');
  assertId('token', consent.token);
  assertId('guildId', consent.guildId);
  assertId('userId', consent.userId);
  assertString('sampleUrl', consent.sampleUrl);
  if (consent.sampleUrl.length === 0 || consent.sampleUrl.length > MAX_URL) {
    throw new StoreError('invalid_value', `sampleUrl must be 1 to ${MAX_URL} characters`);
  }
  assertString('filename', consent.filename);
  assertString('contentType', consent.contentType);
  assertCount('size', consent.size);
  assertCount('createdAt', consent.createdAt);
  assertCount('expiresAt', consent.expiresAt);
  const { token, guildId, userId, sampleUrl, filename, contentType, size, createdAt, expiresAt } = consent;
  return { token, guildId, userId, sampleUrl, filename, contentType, size, createdAt, expiresAt };
}

/** A PendingConsent from a stored row (numbers may arrive as digit strings: PostgreSQL BIGINT), or undefined. */
export function readPendingConsent(row: Record<string, unknown>): PendingConsent | undefined {
  const int = (v: unknown): unknown => (typeof v === 'string' && /^[0-9]{1,16}$/.test(v) ? Number(v) : v);
  const candidate = {
    token: row['token'], guildId: row['guild_id'], userId: row['user_id'], sampleUrl: row['sample_url'], filename: row['filename'],
    contentType: row['content_type'], size: int(row['size']), createdAt: int(row['created_at']), expiresAt: int(row['expires_at']),
  };
  try {
    return checkPendingConsent(candidate as PendingConsent);
  } catch {
    return undefined;
  }
}
