import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { effectiveCaps } from '../store/budget.js';
import { formatSpend } from './budget.js';
import { literal, privately } from './reply.js';
import type { Command } from './types.js';

/** `/status`: the voice connection, the queue, why speech is paused (if it is), the budget and auto-read. */
export const status = {
  data: new SlashCommandBuilder()
    .setName('status')
    .setDescription('Connection, queue, pause reason, budget and auto-read for this server')
    .setContexts(InteractionContextType.Guild),
  execute({ interaction, sessions, store, config, now }) {
    const guildId = interaction.guildId;
    const session = sessions.get(guildId);
    const state = session?.status() ?? null;
    const settings = store.getGuildSettings(guildId);
    const lines: string[] = [];
    lines.push(state?.channelId ? `**Voice:** in <#${state.channelId}> (${state.connection})` : '**Voice:** not in a voice channel');
    if (state) {
      lines.push(`**Reading now:** ${state.playing ? `a message from ${literal(state.playing.authorName)}` : 'nothing'}`);
      lines.push(`**Queued:** ${state.queued}`);
    }
    const pause = state?.paused ?? sessions.pauseState(guildId);
    lines.push(pause ? `**Paused:** ${pause.message} (since <t:${Math.floor(pause.since / 1000)}:R>)` : '**Paused:** no');
    const used = store.getUsage(guildId, new Date(now()));
    const caps = effectiveCaps(config.budget, settings.budget);
    lines.push(`**Characters today:** ${formatSpend(used.day, caps.dailyChars)}; **this month:** ${formatSpend(used.month, caps.monthlyChars)}`);
    const health = store.health?.();
    if (health && !health.ok) {
      const kept = health.unsavedChars > 0 ? `; ${health.unsavedChars} characters of usage are kept and will be saved when it works again` : '';
      lines.push(`**Database:** cannot be written since <t:${Math.floor(health.since / 1000)}:R> (${health.reason}): speech goes on, ${health.changesKept ? 'setting changes are kept and will be saved then' : 'setting changes cannot be saved'}${kept}`);
    }
    const ar = settings.autoread;
    lines.push(ar.channelId ? `**Auto-read:** <#${ar.channelId}>${ar.autojoin ? ' (autojoin on)' : ''}` : '**Auto-read:** off');
    return privately(lines.join('\n'));
  },
} satisfies Command;
