/** Something a test asked the fake for does not exist or cannot be done (unknown guild, channel, user...). */
export class FakeDiscordError extends Error {
  override readonly name = 'FakeDiscordError';
}

/** A `waitFor*` helper reached its deadline; the message says what it was waiting for and what it saw. */
export class FakeDiscordTimeoutError extends Error {
  override readonly name = 'FakeDiscordTimeoutError';
}
