/** A real discord.js client against the fake: commands, interactions, messages by intent, state events, resume. */
import { once } from 'node:events';
import {
  ChannelType, Events, GatewayIntentBits, MessageFlags, PermissionFlagsBits,
  type Client, type Interaction, type Message,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { FakeDiscord, opt, type GuildSpec } from '../fakes/discord/index.js';
import { loginBot } from './miniBot.js';

const GUILD: GuildSpec = {
  name: 'Parrot Test',
  roles: [{ name: 'Moderators', permissions: ['ManageGuild', 'MoveMembers'] }],
  channels: [
    { name: 'general' },
    { name: 'announcements', overwrites: [{ target: 'bot', deny: ['SendMessages'] }] },
    { name: 'Voice', type: 'voice' },
    { name: 'Lounge', type: 'voice' },
    { name: 'Locked', type: 'voice', overwrites: [{ target: 'bot', deny: ['Connect'] }] },
  ],
  members: [{ username: 'alice' }, { username: 'bob', roles: ['Moderators'] }],
  voiceStates: [{ user: 'alice', channel: 'Voice' }],
};

const ALL_INTENTS = [
  GatewayIntentBits.Guilds, GatewayIntentBits.GuildVoiceStates, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent,
];

/** The bot under test: answers a few commands the way Parrot's commands will. */
function installHandlers(client: Client): void {
  client.on(Events.InteractionCreate, (interaction: Interaction) => void handle(interaction));
  async function handle(interaction: Interaction): Promise<void> {
    if (interaction.isAutocomplete()) {
      const typed = interaction.options.getFocused();
      await interaction.respond(['Bella', 'Ben', 'Carl'].filter((v) => v.startsWith(typed)).map((v) => ({ name: v, value: v.toLowerCase() })));
      return;
    }
    if (!interaction.isChatInputCommand()) return;
    if (interaction.commandName === 'ping') {
      await interaction.reply({ content: 'pong', flags: MessageFlags.Ephemeral });
    } else if (interaction.commandName === 'slow') {
      await interaction.deferReply({ flags: MessageFlags.Ephemeral });
      await interaction.editReply('done');
      await interaction.followUp('and a public note');
    } else if (interaction.commandName === 'file') {
      await interaction.reply({ content: 'see attached', files: [{ attachment: Buffer.from('hello'), name: 'note.txt' }] });
    } else if (interaction.commandName === 'settings') {
      const o = interaction.options;
      await interaction.reply(JSON.stringify({
        group: o.getSubcommandGroup(), sub: o.getSubcommand(), voice: o.getString('voice'), speed: o.getNumber('speed'),
        count: o.getInteger('count'), loud: o.getBoolean('loud'), who: o.getUser('who')?.username,
        where: o.getChannel('where')?.type, canSpeakHere: interaction.appPermissions.has(PermissionFlagsBits.SendMessages),
        memberIsMod: interaction.memberPermissions?.has(PermissionFlagsBits.ManageGuild),
      }));
    }
  }
}

describe('discord.js against the fake', () => {
  let fake: FakeDiscord;
  let client: Client;
  beforeAll(async () => {
    fake = await FakeDiscord.start({ guilds: [GUILD] });
    client = await loginBot(fake, ALL_INTENTS);
    installHandlers(client);
  });
  afterAll(async () => {
    await client.destroy();
    await fake.close();
  });

  test('the client sees the guild as described: channels, roles, members, voice states, overwrites', () => {
    const guild = client.guilds.cache.get(fake.guild().id);
    expect(guild?.name).toBe('Parrot Test');
    expect(guild?.channels.cache.filter((c) => c.type === ChannelType.GuildVoice).map((c) => c.name).sort()).toEqual(['Locked', 'Lounge', 'Voice']);
    expect(guild?.members.me?.id).toBe(fake.bot.id);
    expect(guild?.voiceStates.cache.get(fake.guild().member('alice').user.id)?.channelId).toBe(fake.guild().voiceChannel('Voice').id);
    const me = guild?.members.me;
    const locked = guild?.channels.cache.get(fake.guild().voiceChannel('Locked').id);
    const voice = guild?.channels.cache.get(fake.guild().voiceChannel('Voice').id);
    expect(me && locked?.permissionsFor(me).has(PermissionFlagsBits.Connect)).toBe(false);
    expect(me && voice?.permissionsFor(me).has([PermissionFlagsBits.Connect, PermissionFlagsBits.Speak])).toBe(true);
  });

  test('global and guild command registration is stored and returned with ids', async () => {
    await client.application?.commands.set([{ name: 'ping', description: 'Ping' }]);
    const guild = client.guilds.cache.get(fake.guild().id);
    const registered = await guild?.commands.set([{ name: 'slow', description: 'Slow' }, { name: 'settings', description: 'Settings' }]);
    expect(registered?.map((c) => c.name).sort()).toEqual(['settings', 'slow']);
    expect(fake.commands.list('global').map((c) => c.name)).toEqual(['ping']);
    const fetched = await guild?.commands.fetch();
    expect(fetched?.map((c) => c.id).sort()).toEqual(fake.commands.list(fake.guild().id).map((c) => c.id).sort());
    // Interactions for a registered command carry its id.
    expect(fake.interaction({ command: 'ping' }).id).toBeTruthy();
  });

  test('a reply through the interaction callback is recorded with its content and ephemeral flag', async () => {
    const ix = fake.interaction({ command: 'ping' });
    expect(await ix.reply()).toMatchObject({ via: 'callback', content: 'pong', ephemeral: true, flags: 64 });
  });

  test('deferReply + editReply + followUp: edit carries the deferral ephemerality, follow-up its own', async () => {
    const ix = fake.interaction({ command: 'slow', user: 'bob' });
    await ix.reply({ match: (r) => r.via === 'followup' });
    expect(ix.replies()).toMatchObject([
      { via: 'edit', content: 'done', ephemeral: true },
      { via: 'followup', content: 'and a public note', ephemeral: false },
    ]);
    expect(ix.responses()[0]).toMatchObject({ via: 'callback', callbackType: 5 });
    expect(fake.rest.calls.some((c) => c.method === 'PATCH' && c.path.endsWith('/messages/@original'))).toBe(true);
  });

  test('a reply with a file is multipart: the JSON body and the file are both recorded', async () => {
    const ix = fake.interaction({ command: 'file' });
    expect(await ix.reply()).toMatchObject({ content: 'see attached', ephemeral: false });
    const call = await fake.rest.waitForCall((c) => c.path === `/interactions/${ix.id}/${ix.token}/callback`);
    expect(call.files).toEqual([{ field: 'files[0]', filename: 'note.txt', size: 5 }]);
    expect(call.body).toMatchObject({ type: 4, data: { content: 'see attached' } });
  });

  test('subcommand group, subcommand and every option type reach the handler; permissions are computed', async () => {
    const ix = fake.interaction({
      command: 'settings', group: 'voice', subcommand: 'set', channel: 'announcements', user: 'bob',
      options: { voice: 'Bella', speed: 1.5, count: 3, loud: true, who: opt.user('alice'), where: opt.channel('Lounge') },
    });
    expect(JSON.parse((await ix.reply()).content)).toEqual({
      group: 'voice', sub: 'set', voice: 'Bella', speed: 1.5, count: 3, loud: true, who: 'alice',
      where: ChannelType.GuildVoice, canSpeakHere: false, memberIsMod: true,
    });
  });

  test('autocomplete sends the focused partial value and records the choices', async () => {
    const ix = fake.autocomplete({ command: 'speak', options: { voice: 'Be', text: 'hi' }, focused: 'voice' });
    expect(await ix.choices()).toEqual([{ name: 'Bella', value: 'bella' }, { name: 'Ben', value: 'ben' }]);
  });

  test('users joining, moving and leaving voice update the client cache', async () => {
    const bob = fake.guild().member('bob').user.id;
    const guild = client.guilds.cache.get(fake.guild().id);
    const seen = (channel: string | null): Promise<unknown> => new Promise((resolve) => {
      const on = (_old: unknown, now: { id: string; channelId: string | null }): void => {
        if (now.id === bob && now.channelId === channel) {
          client.off(Events.VoiceStateUpdate, on);
          resolve(now);
        }
      };
      client.on(Events.VoiceStateUpdate, on);
    });
    const joined = seen(fake.guild().voiceChannel('Voice').id);
    fake.voiceState({ user: 'bob', channel: 'Voice' });
    await joined;
    const moved = seen(fake.guild().voiceChannel('Lounge').id);
    fake.voiceState({ user: 'bob', channel: 'Lounge' });
    await moved;
    const left = seen(null);
    fake.voiceState({ user: 'bob', channel: null });
    await left;
    expect(guild?.voiceStates.cache.get(bob)?.channelId).toBeNull();
    expect(fake.guild().voiceStates.has(bob)).toBe(false);
  });

  test('the bot posts and reacts through REST; a channel denying SendMessages answers 50013', async () => {
    const general = client.channels.cache.get(fake.guild().textChannel('general').id);
    if (!general?.isSendable()) throw new Error('general is not sendable');
    const sent = await general.send('hello from the bot');
    await sent.react('👍');
    expect(fake.botMessages.at(-1)).toMatchObject({ content: 'hello from the bot', channelId: general.id });
    expect(fake.rest.calls.at(-1)).toMatchObject({ method: 'PUT', route: '/channels/:channel/messages/:message/reactions/:emoji/@me', params: { emoji: '👍' } });
    const announcements = client.channels.cache.get(fake.guild().textChannel('announcements').id);
    if (!announcements?.isSendable()) throw new Error('announcements is not sendable');
    await expect(announcements.send('nope')).rejects.toMatchObject({ code: 50013 });
  });

  test('a dropped gateway socket is resumed and the dispatches sent meanwhile are replayed', async () => {
    const session = fake.gateway.live[0];
    const got = once(client, Events.MessageCreate, { signal: AbortSignal.timeout(5000) });
    fake.closeGateway(4000);
    fake.message({ content: 'sent while you were away', author: 'alice' });
    const [message] = (await got) as [Message];
    expect(message.content).toBe('sent while you were away');
    expect(session?.resumes).toBe(1);
    expect(fake.gateway.sessions).toHaveLength(1);
  });

  test('an invalidated session makes the client identify again and get the guilds anew', async () => {
    const identified = new Promise((resolve) => fake.gateway.once('identify', resolve));
    fake.closeGateway(4000, { invalidate: true });
    await identified;
    expect(fake.gateway.sessions).toHaveLength(2);
    await once(client, Events.ShardReady, { signal: AbortSignal.timeout(5000) });
    expect(client.guilds.cache.has(fake.guild().id)).toBe(true);
  });

  test('channel and guild deletion reach the client', async () => {
    const channelDeleted = once(client, Events.ChannelDelete, { signal: AbortSignal.timeout(5000) });
    fake.channelDelete('Lounge');
    expect(((await channelDeleted)[0] as { name: string }).name).toBe('Lounge');
    const extra = fake.addGuild({ name: 'Second' });
    await new Promise<void>((resolve) => client.once(Events.GuildCreate, () => resolve()));
    const guildDeleted = once(client, Events.GuildDelete, { signal: AbortSignal.timeout(5000) });
    fake.guildDelete(extra.id);
    expect(((await guildDeleted)[0] as { id: string }).id).toBe(extra.id);
  });
});

test('gateway heartbeats are acknowledged (the client measures a ping and stays connected)', async () => {
  const fake = await FakeDiscord.start({ gatewayHeartbeatMs: 60 });
  const client = await loginBot(fake, [GatewayIntentBits.Guilds]);
  try {
    await waitUntil(() => fake.gateway.heartbeats >= 3);
    expect(client.ws.ping).toBeGreaterThanOrEqual(0);
    expect(fake.gateway.sessions).toHaveLength(1);
    expect(fake.gateway.sessions[0]?.resumes).toBe(0);
  } finally {
    await client.destroy();
    await fake.close();
  }
});

describe('MESSAGE_CREATE follows the intents each client identified with', () => {
  let fake: FakeDiscord;
  const clients: Client[] = [];
  beforeAll(async () => { fake = await FakeDiscord.start(); });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.destroy()));
    await fake.close();
  });

  test('content only with MessageContent (or when the bot is mentioned); nothing without GuildMessages', async () => {
    const full = await loginBot(fake, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.MessageContent]);
    const noContent = await loginBot(fake, [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages]);
    const noMessages = await loginBot(fake, [GatewayIntentBits.Guilds]);
    clients.push(full, noContent, noMessages);
    const received = new Map<Client, string[]>(clients.map((c) => [c, []]));
    for (const c of clients) c.on(Events.MessageCreate, (m) => received.get(c)?.push(m.content));

    const plain = fake.message({ content: 'hello there' });
    const mention = fake.message({ content: `<@${fake.bot.id}> read this` });
    expect(plain.deliveredTo.map((d) => d.content)).toEqual(['hello there', '']);
    await waitUntil(() => received.get(noContent)?.length === 2);
    expect(received.get(full)).toEqual(['hello there', mention.content]);
    expect(received.get(noContent)).toEqual(['', mention.content]);
    expect(received.get(noMessages)).toEqual([]);
  });
});

async function waitUntil(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
