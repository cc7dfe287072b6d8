/** The database password never reaches a message: URLs are shown with it replaced, and errors are scrubbed of it. */

/** The password of a postgres:// URL (decoded), or undefined. */
export function databasePassword(url: string): string | undefined {
  try {
    const password = new URL(url).password;
    return password ? decodeURIComponent(password) : undefined;
  } catch {
    return undefined;
  }
}

/** `url` with its password replaced by "***"; an unparsable URL is not echoed at all. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(an unreadable DATABASE_URL)';
  }
}

/** `text` with the URL's password (raw and URL-encoded) replaced by "***". */
export function scrubSecret(text: string, url: string): string {
  const password = databasePassword(url);
  if (!password) return text;
  let out = text;
  for (const form of new Set([password, encodeURIComponent(password)])) out = out.split(form).join('***');
  return out;
}
