import { InteractionContextType, SlashCommandBuilder } from 'discord.js';
import { resolveVoice } from '../store/resolveVoice.js';
import type { BudgetSettings } from '../store/types.js';
import { effectiveCaps } from '../store/budget.js';
import { PRICE_PER_MILLION, formatCost, formatSpend, n, pricePerMillion } from './budget.js';
import { requireManageGuild } from './permissions.js';
import { privately } from './reply.js';
import type { Command, CommandContext } from './types.js';
import { voiceDefaults } from './voiceOptions.js';

const MAX_CAP = 1_000_000_000;

/** `/usage [daily_cap] [monthly_cap]`: characters spent today and this month, caps, what is left, cost. */
export const usage = {
  data: new SlashCommandBuilder()
    .setName('usage')
    .setDescription('Characters read aloud today and this month, the caps, what is left and the estimated cost')
    .setContexts(InteractionContextType.Guild)
    .addIntegerOption((o) =>
      o.setName('daily_cap').setDescription('Admins: server cap on characters per UTC day (0 removes it)').setMinValue(0).setMaxValue(MAX_CAP),
    )
    .addIntegerOption((o) =>
      o.setName('monthly_cap').setDescription('Admins: server cap on characters per UTC month (0 removes it)').setMinValue(0).setMaxValue(MAX_CAP),
    ),
  async execute(ctx) {
    const { interaction, store, config } = ctx;
    const daily = interaction.options.getInteger('daily_cap');
    const monthly = interaction.options.getInteger('monthly_cap');
    let changed = '';
    if (daily !== null || monthly !== null) {
      const refused = requireManageGuild(interaction, "change this server's character caps");
      if (refused) return refused;
      const error = checkCap('daily_cap', daily, config.budget.dailyChars) ?? checkCap('monthly_cap', monthly, config.budget.monthlyChars);
      if (error) return privately(error);
      const patch: Partial<BudgetSettings> = {};
      if (daily !== null) patch.dailyChars = daily === 0 ? null : daily;
      if (monthly !== null) patch.monthlyChars = monthly === 0 ? null : monthly;
      store.updateGuildSettings(interaction.guildId, { budget: patch });
      changed = 'Caps updated.\n';
    }
    return privately(changed + (await describeUsage(ctx)));
  },
} satisfies Command;

function checkCap(field: string, value: number | null, owner: number | null): string | null {
  if (value === null) return null;
  const max = owner ?? MAX_CAP;
  if (!Number.isInteger(value) || value < 0 || value > max) {
    const why = owner === null ? '' : " (the bot owner's cap)";
    return `${field} must be a whole number from 0 to ${n(max)}${why}; 0 removes the server cap. Nothing was changed.`;
  }
  return null;
}

async function describeUsage({ interaction, store, config, sessions, now }: CommandContext): Promise<string> {
  const settings = store.getGuildSettings(interaction.guildId);
  const used = store.getUsage(interaction.guildId, new Date(now()));
  const caps = effectiveCaps(config.budget, settings.budget);
  const model = resolveVoice(voiceDefaults(config), settings.voice).model;
  const price = pricePerMillion(model);
  const lines = [
    '**Characters read aloud** (as billed by MiniMax; UTC day and month)',
    `Today: ${formatSpend(used.day, caps.dailyChars)}`,
    `This month: ${formatSpend(used.month, caps.monthlyChars)}`,
    `Estimated cost: today ${formatCost(used.day, price)}, this month ${formatCost(used.month, price)} ` +
      `(at $${price} per million characters for ${model}; turbo models cost $${PRICE_PER_MILLION.turbo}, hd models $${PRICE_PER_MILLION.hd})`,
    `Caps: bot owner ${capText(config.budget)}; this server ${capText(settings.budget)}`,
  ];
  const account = await sessions.accountUsage();
  if (account) {
    // Reserved: what the texts being read now may still cost (each is settled at what MiniMax bills).
    const held = account.reserved > 0 ? `; ${n(account.reserved)} more held by texts being read` : '';
    lines.push(`Whole bot this month (all servers, the owner's cap): ${formatSpend(account.used, account.cap)}${held}`);
  }
  const studio = config.voiceStudio;
  if (studio.design) {
    const designs = store.getVoiceDesigns(interaction.guildId, new Date(now()));
    lines.push(`Voice designs this month: ${designs} of ${studio.designsPerGuildMonthly} (about $3 each at MiniMax, about $${designs * 3} so far)`);
  } else {
    lines.push('Voice designs: off (the bot owner can allow them with VOICE_DESIGN=on)');
  }
  const pause = sessions.pauseState(interaction.guildId);
  if (pause) lines.push(`Speech is paused: ${pause.message}`);
  return lines.join('\n');
}

function capText(budget: BudgetSettings): string {
  const d = budget.dailyChars === null ? 'none' : n(budget.dailyChars);
  const m = budget.monthlyChars === null ? 'none' : n(budget.monthlyChars);
  return `daily ${d}, monthly ${m}`;
}
