import { afterEach, describe, expect, it } from 'vitest';
import { BOT_PERMISSIONS, inviteUrl } from '../../src/bot/invite.js';
import { startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const INVITE_LOG = 'in no server yet: invite the bot with this link';

describe('the invite link', () => {
  it('asks for View Channel, Send Messages, Add Reactions, Connect and Speak: 1024 + 2048 + 64 + 1048576 + 2097152', () => {
    expect(BOT_PERMISSIONS).toBe(3148864n);
    expect(inviteUrl('123456789012345678')).toBe(
      'https://discord.com/oauth2/authorize?client_id=123456789012345678&scope=bot+applications.commands&permissions=3148864',
    );
  });

  it('is logged at start-up, with the application id Discord sent, while the bot is in no server', async () => {
    h = await startHarness({ guilds: [] });
    const line = h.logs.find((l) => l.includes(INVITE_LOG));
    expect(line).toBeDefined();
    expect(line).toContain(`url=https://discord.com/oauth2/authorize?client_id=${h.discord.bot.id}&scope=bot+applications.commands&permissions=3148864`);
  });

  it('is not logged when the bot is already in a server', async () => {
    h = await startHarness();
    expect(h.logs.some((l) => l.includes('connected to Discord'))).toBe(true);
    expect(h.logs.some((l) => l.includes(INVITE_LOG))).toBe(false);
  });
});
